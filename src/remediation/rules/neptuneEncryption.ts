/** Neptune clusters encrypt storage at rest. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable storage encryption';

export const rule = attrRule({
  id: 'neptune-storage-encryption',
  title: 'Neptune storage encryption',
  requirement: 'storage_encrypted = true on the Neptune cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_44'],
  resourceTypes: ['aws_neptune_cluster'],
  keywords: /neptune.*encrypt|encrypt.*neptune/i,
  responseTypes: /neptune|graph/i,
  breaking: true,
  impactNote: 'Replaces the cluster: restore its data from a snapshot.',
  settings: [{ path: ['storage_encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Encrypts the cluster storage, backups and snapshots at rest (AWS-managed key unless kms_key_arn is set).',
  breakingChanges: [
    'Turning on storage encryption replaces an existing Neptune cluster (a new, empty cluster with a new endpoint). Restore a snapshot into an encrypted cluster, or migrate the data, before applying.',
  ],
});
