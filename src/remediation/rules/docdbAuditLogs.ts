/** DocumentDB cluster parameter groups turn audit logging on. */
import { docdbParameterRule } from './docdbParameterCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable audit logs';

export const rule = docdbParameterRule({
  id: 'docdb-audit-logs',
  title: 'DocumentDB audit logs',
  requirement: 'The DocumentDB cluster parameter group sets audit_logs to enabled, ddl or all.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_104'],
  keywords: /(documentdb|docdb).*audit/i,
  responseTypes: /documentdb|docdb/i,
  breaking: false,
  parameter: 'audit_logs',
  accepted: ['enabled', 'ddl', 'all'],
  value: 'enabled',
  absentOk: false,
  explanation:
    'Records DDL, authentication and authorization events of the clusters using this parameter group (exported when the cluster lists "audit" in enabled_cloudwatch_logs_exports). Applied online.',
  breakingChanges: [],
});
