/** EFS file systems are in an AWS Backup plan (added to the plan the module already has). */
import { backupSelectionRule } from './backupSelectionCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Add to the backup plan';

/** The rule (check and fix) registered in the storage family. */
export const rule = backupSelectionRule({
  id: 'efs-backup-plan',
  title: 'EFS file system in an AWS Backup plan',
  requirement: 'An aws_backup_selection of the module selects the EFS file system.',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_18'],
  resourceTypes: ['aws_efs_file_system'],
  keywords: /\befs\b.*backup|backup.*(efs|file system)/i,
  responseTypes: /efs|file system/i,
  explanation: 'Adds the EFS file system to the AWS Backup plan of the module so it has recoverable backups.',
});
