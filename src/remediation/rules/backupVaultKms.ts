/** AWS Backup vaults are encrypted with a customer managed KMS key. */
import { cmkRule } from './storageCmk';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** The rule (check and fix) registered in the storage family. */
export const rule = cmkRule({
  id: 'backup-vault-kms',
  title: 'Backup vault encrypted with a customer managed key',
  requirement: 'kms_key_arn names a customer managed KMS key on the backup vault.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_166'],
  resourceTypes: ['aws_backup_vault'],
  keywords: /backup.*(kms|cmk|customer managed|encrypt)/i,
  responseTypes: /backup/i,
  breaking: true,
  attribute: 'kms_key_arn',
  serviceWords: /\bbackup\b|\bvault\b/,
  explanation:
    'Encrypts the recovery points of the backup vault with a customer managed KMS key instead of the AWS managed key.',
  breakingChanges: [
    'kms_key_arn cannot change on an existing vault: Terraform replaces it, and deleting a vault that holds recovery points fails. Create the encrypted vault alongside, point the backup plans at it, and retire the old vault once its recovery points expire.',
  ],
});
