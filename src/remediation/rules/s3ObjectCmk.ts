/** S3 objects managed by Terraform (aws_s3_bucket_object) are encrypted with a customer managed KMS key. */
import { cmkRule } from './storageCmk';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** The rule (check and fix) registered in the storage family. */
export const rule = cmkRule({
  id: 's3-object-cmk-encryption',
  title: 'S3 object encrypted with a customer managed key',
  requirement:
    'server_side_encryption = "aws:kms" and kms_key_id names a customer managed KMS key on the S3 object.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_186'],
  resourceTypes: ['aws_s3_bucket_object'],
  keywords: /\bs3\b.*object.*(kms|cmk|customer managed)|object.*(kms|cmk|customer managed).*\bs3\b/i,
  responseTypes: /s3/i,
  breaking: true,
  attribute: 'kms_key_id',
  with: [['server_side_encryption', '"aws:kms"']],
  serviceWords: /\bs3\b|bucket|object/,
  explanation: 'Encrypts the object with SSE-KMS under a customer managed key instead of SSE-S3.',
  breakingChanges: [
    'Terraform uploads the object again with the key, and every reader of the object then needs kms:Decrypt on the key (its key policy or IAM policies); a reader without it gets AccessDenied.',
  ],
});
