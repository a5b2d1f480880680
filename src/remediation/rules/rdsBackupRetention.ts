/** RDS automated backups are kept at least 7 days. */
import { atLeast, attrRule } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Keep automated backups for 7 days';

export const rule = attrRule({
  id: 'rds-backup-retention',
  title: 'RDS automated backup retention',
  requirement: 'backup_retention_period >= 7 days.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_133'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster'],
  keywords: /\b(rds|database|db)\b.*backup|backup.*\b(rds|database|db)\b/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  settings: [{ path: ['backup_retention_period'], ok: atLeast(7), value: '7', expect: '>= 7' }],
  explanation: 'Keeps automated backups for 7 days so the database can be restored to a point in time.',
});
