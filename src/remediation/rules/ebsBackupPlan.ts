/** EBS volumes are in an AWS Backup plan (added to the plan the module already has). */
import { backupSelectionRule } from './backupSelectionCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Add to the backup plan';

/** The rule (check and fix) registered in the storage family. */
export const rule = backupSelectionRule({
  id: 'ebs-backup-plan',
  title: 'EBS volume in an AWS Backup plan',
  requirement: 'An aws_backup_selection of the module selects the EBS volume.',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_9'],
  resourceTypes: ['aws_ebs_volume'],
  keywords: /\b(ebs|volume)\b.*backup|backup.*\b(ebs|volume)\b/i,
  responseTypes: /ebs|volume/i,
  explanation: 'Adds the EBS volume to the AWS Backup plan of the module so it has recoverable backups.',
});
