/** EFS file systems are encrypted with a customer managed KMS key. */
import { cmkRule } from './storageCmk';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** The rule (check and fix) registered in the storage family. */
export const rule = cmkRule({
  id: 'efs-cmk-encryption',
  title: 'EFS encrypted with a customer managed key',
  requirement: 'encrypted = true and kms_key_id names a customer managed KMS key on the file system.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_184'],
  resourceTypes: ['aws_efs_file_system'],
  keywords: /\befs\b.*(kms|cmk|customer managed)|(kms|cmk|customer managed).*(efs|file system)/i,
  responseTypes: /efs|file system/i,
  breaking: true,
  attribute: 'kms_key_id',
  with: [['encrypted', 'true']],
  serviceWords: /\befs\b|file.?system/,
  explanation: 'Encrypts the file system with a customer managed KMS key instead of the AWS managed key.',
  breakingChanges: [
    'The KMS key of an existing EFS file system cannot change: Terraform replaces it and its data is lost. Create the new file system, copy the data with AWS DataSync, then switch the mount targets.',
  ],
});
