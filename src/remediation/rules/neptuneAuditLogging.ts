/** Neptune clusters export audit logs to CloudWatch. */
import type { HclValue } from '../../terraform';
import { attrRule } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Export audit logs to CloudWatch';

/** A list naming audit. */
const exportsAudit = (v: HclValue): boolean => Array.isArray(v) && v.includes('audit');

export const rule = attrRule({
  id: 'neptune-audit-logging',
  title: 'Neptune audit log export',
  requirement: 'enable_cloudwatch_logs_exports includes "audit" on the Neptune cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_101'],
  resourceTypes: ['aws_neptune_cluster'],
  keywords: /neptune.*log/i,
  responseTypes: /neptune|graph/i,
  breaking: false,
  settings: [
    {
      path: ['enable_cloudwatch_logs_exports'],
      ok: exportsAudit,
      // Both log types Neptune exports, so an existing "slowquery" export is kept.
      value: '["audit", "slowquery"]',
      expect: 'a list including "audit"',
    },
  ],
  explanation: 'Exports the cluster audit (and slow query) logs to CloudWatch Logs. Applied online.',
  additionalRequirements: [
    'Audit events are written only when the cluster parameter group sets neptune_enable_audit_log = 1.',
  ],
});
