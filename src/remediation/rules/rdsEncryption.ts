/** RDS instances and clusters encrypt storage at rest. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable storage encryption';

export const rule = attrRule({
  id: 'rds-storage-encryption',
  title: 'RDS storage encryption',
  requirement: 'storage_encrypted = true on the DB instance or cluster.',
  vantaTestIds: [],
  // CKV_AWS_16: aws_db_instance; CKV_AWS_96: aws_rds_cluster (Aurora).
  checkovIds: ['CKV_AWS_16', 'CKV_AWS_96'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster'],
  keywords: /\b(rds|database|db)\b.*encrypt|encrypt.*\b(rds|database|db)\b/i,
  responseTypes: /rds|database|db/i,
  breaking: true,
  settings: [{ path: ['storage_encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Enables encryption at rest for the database storage (AWS managed KMS key unless kms_key_id is set).',
  breakingChanges: [
    'Encryption cannot be turned on for an existing RDS database: Terraform will destroy and recreate it (data loss unless migrated). Take a snapshot, copy it with encryption, restore from the encrypted snapshot (set snapshot_identifier) or migrate during a maintenance window before applying.',
  ],
  confidence: 'medium',
});
