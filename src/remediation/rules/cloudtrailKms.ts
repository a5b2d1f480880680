/** CloudTrail logs are encrypted with a KMS key. */
import { kmsRule } from './kmsCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable KMS encryption';

export const rule = kmsRule({
  id: 'cloudtrail-kms-encryption',
  title: 'CloudTrail logs encrypted with KMS',
  requirement: 'kms_key_id is set on the trail.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_35'],
  resourceTypes: ['aws_cloudtrail'],
  keywords: /(cloudtrail|trail).*(kms|encrypt)/i,
  responseTypes: /trail/i,
  nested: [],
  attribute: 'kms_key_id',
  servicePrincipal: 'cloudtrail.amazonaws.com',
  explanation: 'Encrypts delivered CloudTrail log files with a customer managed KMS key (SSE-KMS).',
  breakingChanges: [
    "Anyone reading the trail's log files (SIEM, Athena, auditors) needs kms:Decrypt on the new key after the change; grant it before merging.",
  ],
});
