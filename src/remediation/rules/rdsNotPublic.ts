/** RDS instances are not publicly accessible. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Disable public access';

export const rule = attrRule({
  id: 'rds-not-publicly-accessible',
  title: 'RDS not publicly accessible',
  requirement: 'publicly_accessible is false or unset.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_17'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster_instance'],
  keywords: /\b(rds|database|db)\b.*public|public.*\b(rds|database|db)\b/i,
  responseTypes: /rds|database|db/i,
  breaking: true,
  settings: [
    { path: ['publicly_accessible'], ok: eq(false), value: 'false', unsetOk: true, expect: 'false' },
  ],
  explanation: 'Removes the public IP address of the database so it is only reachable from inside the VPC.',
  breakingChanges: [
    'Clients connecting to the database from outside the VPC (over its public address) lose access. Confirm every client connects from inside the VPC, a VPN or a bastion before merging.',
  ],
});
