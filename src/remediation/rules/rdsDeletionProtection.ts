/** RDS deletion protection. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable deletion protection';

export const rule = attrRule({
  id: 'rds-deletion-protection',
  title: 'RDS deletion protection',
  requirement: 'deletion_protection = true.',
  vantaTestIds: [],
  // CKV_AWS_293: aws_db_instance; CKV_AWS_139: aws_rds_cluster.
  checkovIds: ['CKV_AWS_293', 'CKV_AWS_139'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster'],
  keywords: /deletion protection/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  settings: [{ path: ['deletion_protection'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Turns on deletion protection so the database cannot be deleted by accident; it must be turned off explicitly before a destroy.',
});
