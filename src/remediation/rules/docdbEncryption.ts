/** DocumentDB clusters encrypt storage at rest. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable storage encryption';

export const rule = attrRule({
  id: 'docdb-storage-encryption',
  title: 'DocumentDB storage encryption',
  requirement: 'storage_encrypted = true on the DocumentDB cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_74'],
  resourceTypes: ['aws_docdb_cluster'],
  keywords: /(documentdb|docdb).*encrypt|encrypt.*(documentdb|docdb)/i,
  responseTypes: /documentdb|docdb/i,
  breaking: true,
  impactNote: 'Replaces the cluster: restore its data from a snapshot.',
  settings: [{ path: ['storage_encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Encrypts the cluster storage, backups and snapshots at rest (AWS-managed key unless kms_key_id is set).',
  breakingChanges: [
    'Turning on storage encryption replaces an existing DocumentDB cluster (a new, empty cluster with a new endpoint). Restore it from a snapshot into an encrypted cluster, or migrate the data, before applying.',
  ],
});
