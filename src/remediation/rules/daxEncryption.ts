/** DynamoDB Accelerator (DAX) clusters encrypt data at rest. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption at rest';

export const rule = attrRule({
  id: 'dax-encryption',
  title: 'DAX cluster encryption at rest',
  requirement: 'server_side_encryption { enabled = true } on the DAX cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_47'],
  resourceTypes: ['aws_dax_cluster'],
  keywords: /\bdax\b.*encrypt|encrypt.*\bdax\b|accelerator.*encrypt/i,
  responseTypes: /dax|accelerator/i,
  breaking: true,
  impactNote: 'Replaces the cluster: the cache is emptied and the endpoint changes.',
  settings: [{ path: ['server_side_encryption', 'enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Encrypts the DAX cache data at rest.',
  breakingChanges: [
    'Turning on encryption replaces the DAX cluster: the cache is emptied and the cluster endpoint changes. Point clients at the new endpoint (or use the configuration endpoint output) and expect cold-cache latency after the switch.',
  ],
});
