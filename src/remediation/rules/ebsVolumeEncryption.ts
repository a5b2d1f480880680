/** EBS volumes are encrypted. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption';

export const rule = attrRule({
  id: 'ebs-volume-encryption',
  title: 'EBS volume encryption',
  requirement: 'encrypted = true on the EBS volume.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_3'],
  resourceTypes: ['aws_ebs_volume'],
  keywords: /\b(ebs|volume)\b.*encrypt|encrypt.*\b(ebs|volume)\b/i,
  responseTypes: /ebs|volume/i,
  breaking: true,
  settings: [{ path: ['encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Encrypts the EBS volume at rest.',
  breakingChanges: [
    'Encrypting an existing EBS volume forces Terraform to replace it (the data on it is lost). Snapshot the volume, create an encrypted copy of the snapshot and restore from it (snapshot_id), and detach/reattach during a maintenance window.',
  ],
});
