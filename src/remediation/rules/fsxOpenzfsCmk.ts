/** FSx for OpenZFS file systems are encrypted with a customer managed KMS key. */
import { cmkRule } from './storageCmk';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** The rule (check and fix) registered in the storage family. */
export const rule = cmkRule({
  id: 'fsx-openzfs-cmk-encryption',
  title: 'FSx for OpenZFS encrypted with a customer managed key',
  requirement: 'kms_key_id names a customer managed KMS key on the FSx for OpenZFS file system.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_203'],
  resourceTypes: ['aws_fsx_openzfs_file_system'],
  keywords: /fsx.*openzfs.*(kms|cmk|customer managed|encrypt)|openzfs.*(kms|cmk|customer managed)/i,
  responseTypes: /fsx/i,
  breaking: true,
  attribute: 'kms_key_id',
  serviceWords: /\bfsx\b|file.?system/,
  explanation:
    'Encrypts the FSx for OpenZFS file system with a customer managed KMS key instead of the AWS managed key.',
  breakingChanges: [
    'The KMS key of an existing FSx file system cannot change: Terraform replaces it and its data is lost. Back it up, restore the backup to a file system encrypted with the key, then switch clients over.',
  ],
});
