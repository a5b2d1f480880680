/** DynamoDB point-in-time recovery. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable point-in-time recovery';

export const rule = attrRule({
  id: 'dynamodb-pitr',
  title: 'DynamoDB point-in-time recovery',
  requirement: 'point_in_time_recovery { enabled = true }.',
  vantaTestIds: ['aws-dynamodb-pitr-backups'],
  checkovIds: ['CKV_AWS_28'],
  resourceTypes: ['aws_dynamodb_table'],
  keywords: /dynamo.*(backup|point.in.time|pitr)/i,
  responseTypes: /dynamo/i,
  breaking: false,
  settings: [{ path: ['point_in_time_recovery', 'enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Enables continuous backups so the table can be restored to any second of the last 35 days.',
});
