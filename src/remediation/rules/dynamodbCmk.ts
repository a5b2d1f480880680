/** DynamoDB tables are encrypted with a customer managed KMS key. */
import { kmsRule } from './kmsCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

export const rule = kmsRule({
  id: 'dynamodb-cmk-encryption',
  title: 'DynamoDB encryption with a customer managed key',
  requirement: 'server_side_encryption { enabled = true, kms_key_arn = <CMK> }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_119'],
  resourceTypes: ['aws_dynamodb_table'],
  keywords: /dynamo.*(kms|cmk|customer managed|encrypt)/i,
  responseTypes: /dynamo/i,
  nested: ['server_side_encryption'],
  attribute: 'kms_key_arn',
  with: [['enabled', 'true']],
  explanation:
    'Encrypts the table with a customer managed KMS key instead of the AWS owned key; the switch happens online.',
});
