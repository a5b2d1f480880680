/** EBS snapshot copies are encrypted with a customer managed KMS key. */
import { cmkRule } from './storageCmk';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** The rule (check and fix) registered in the storage family. */
export const rule = cmkRule({
  id: 'ebs-snapshot-copy-cmk-encryption',
  title: 'EBS snapshot copy encrypted with a customer managed key',
  requirement: 'encrypted = true and kms_key_id names a customer managed KMS key on the snapshot copy.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_183'],
  resourceTypes: ['aws_ebs_snapshot_copy'],
  keywords: /snapshot.*(kms|cmk|customer managed|encrypt)/i,
  responseTypes: /snapshot/i,
  breaking: true,
  attribute: 'kms_key_id',
  with: [['encrypted', 'true']],
  serviceWords: /\bebs\b|snapshot|volume|backup/,
  explanation:
    'Encrypts the EBS snapshot copy with a customer managed KMS key instead of the AWS managed key.',
  breakingChanges: [
    'The key of an existing snapshot copy cannot change: Terraform creates a new encrypted copy and deletes the old one; volumes restored from the old copy keep working.',
  ],
});
