/** DynamoDB table replicas are encrypted with a customer managed KMS key. */
import { cmkRule } from './storageCmk';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** The rule (check and fix) registered in the storage family. */
export const rule = cmkRule({
  id: 'dynamodb-replica-cmk-encryption',
  title: 'DynamoDB table replica encrypted with a customer managed key',
  requirement: 'kms_key_arn names a customer managed KMS key on the table replica.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_271'],
  resourceTypes: ['aws_dynamodb_table_replica'],
  keywords: /dynamo.*replica.*(kms|cmk|customer managed|encrypt)/i,
  responseTypes: /dynamo/i,
  breaking: true,
  attribute: 'kms_key_arn',
  serviceWords: /dynamo|\btable\b/,
  explanation:
    'Encrypts the DynamoDB table replica with a customer managed KMS key instead of the AWS owned key.',
  breakingChanges: [
    'The key of an existing replica cannot change in place: Terraform removes the replica and creates it again, and the region serves no reads or writes of the table until the new replica is in sync.',
  ],
});
