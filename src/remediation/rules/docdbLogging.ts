/** DocumentDB clusters export audit and profiler logs to CloudWatch. */
import type { HclValue } from '../../terraform';
import { attrRule } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Export logs to CloudWatch';

/** A list naming audit or profiler. */
const exportsLogs = (v: HclValue): boolean =>
  Array.isArray(v) && v.some((x) => x === 'audit' || x === 'profiler');

export const rule = attrRule({
  id: 'docdb-log-exports',
  title: 'DocumentDB log exports',
  requirement: 'enabled_cloudwatch_logs_exports includes "audit" or "profiler" on the DocumentDB cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_85'],
  resourceTypes: ['aws_docdb_cluster'],
  keywords: /(documentdb|docdb).*log/i,
  responseTypes: /documentdb|docdb/i,
  breaking: false,
  settings: [
    {
      path: ['enabled_cloudwatch_logs_exports'],
      ok: exportsLogs,
      value: '["audit", "profiler"]',
      expect: '["audit", "profiler"]',
    },
  ],
  explanation: 'Exports the cluster audit and profiler logs to CloudWatch Logs. Applied online.',
  additionalRequirements: [
    'Audit events are written only when the cluster parameter group sets audit_logs = enabled (and profiler output when profiler = enabled).',
  ],
});
