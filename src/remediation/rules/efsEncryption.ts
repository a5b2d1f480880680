/** EFS file systems are encrypted. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption at rest';

export const rule = attrRule({
  id: 'efs-encryption',
  title: 'EFS encryption at rest',
  requirement: 'encrypted = true on the file system.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_42'],
  resourceTypes: ['aws_efs_file_system'],
  keywords: /\befs\b.*encrypt|encrypt.*(efs|file system)/i,
  responseTypes: /efs|file system/i,
  breaking: true,
  settings: [{ path: ['encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Encrypts the file system at rest.',
  breakingChanges: [
    'Encryption cannot be enabled on an existing EFS file system: Terraform replaces it and its data is lost. Create the encrypted file system, copy data with AWS DataSync, then switch mounts.',
  ],
});
