/** CloudWatch log groups are encrypted with a KMS key. */
import { kmsRule } from './kmsCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable KMS encryption';

export const rule = kmsRule({
  id: 'cloudwatch-log-kms',
  title: 'CloudWatch log group encrypted with KMS',
  requirement: 'kms_key_id is set on the log group.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_158'],
  resourceTypes: ['aws_cloudwatch_log_group'],
  keywords: /log group.*(kms|encrypt)|(kms|encrypt).*log group/i,
  responseTypes: /log group|cloudwatch/i,
  nested: [],
  attribute: 'kms_key_id',
  servicePrincipal: 'logs.${data.aws_region.current.name}.amazonaws.com',
  needsRegion: true,
  explanation: 'Encrypts the log group with a customer managed KMS key that CloudWatch Logs may use.',
});
