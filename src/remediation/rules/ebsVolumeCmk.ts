/** EBS volumes are encrypted with a customer managed KMS key. */
import { cmkRule } from './storageCmk';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** The rule (check and fix) registered in the storage family. */
export const rule = cmkRule({
  id: 'ebs-volume-cmk-encryption',
  title: 'EBS volume encrypted with a customer managed key',
  requirement: 'encrypted = true and kms_key_id names a customer managed KMS key on the EBS volume.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_189'],
  resourceTypes: ['aws_ebs_volume'],
  keywords: /\b(ebs|volume)\b.*(kms|cmk|customer managed)|(kms|cmk|customer managed).*\b(ebs|volume)\b/i,
  responseTypes: /ebs|volume/i,
  breaking: true,
  attribute: 'kms_key_id',
  with: [['encrypted', 'true']],
  serviceWords: /\bebs\b|volume|disk/,
  explanation: 'Encrypts the EBS volume with a customer managed KMS key instead of the AWS managed key.',
  breakingChanges: [
    'The KMS key of an existing EBS volume cannot change: Terraform replaces the volume and the data on it is lost. Snapshot it, copy the snapshot with the key, restore from the copy (snapshot_id) and reattach during a maintenance window.',
  ],
});
