/** Redshift clusters encrypt data at rest. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption at rest';

export const rule = attrRule({
  id: 'redshift-encryption',
  title: 'Redshift cluster encryption at rest',
  requirement: 'encrypted = true on the Redshift cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_64'],
  resourceTypes: ['aws_redshift_cluster'],
  keywords: /redshift.*encrypt|encrypt.*redshift/i,
  responseTypes: /redshift|warehouse/i,
  breaking: true,
  impactNote: 'Migrates the cluster to an encrypted copy: read-only or unavailable during the migration.',
  settings: [{ path: ['encrypted'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Encrypts the cluster data, backups and snapshots at rest (AWS-managed key unless kms_key_id is set).',
  breakingChanges: [
    'Encrypting an existing Redshift cluster migrates it to a new encrypted cluster (older providers replace it): the cluster is read-only or unavailable during the migration, which can take hours for large clusters. Plan a maintenance window and take a manual snapshot first.',
  ],
});
