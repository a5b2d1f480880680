/** OpenSearch / Elasticsearch domains encrypt data at rest. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption at rest';

export const rule = attrRule({
  id: 'opensearch-encryption-at-rest',
  title: 'OpenSearch encryption at rest',
  requirement: 'encrypt_at_rest { enabled = true } on the OpenSearch / Elasticsearch domain.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_5'],
  resourceTypes: ['aws_opensearch_domain', 'aws_elasticsearch_domain'],
  keywords: /(opensearch|elasticsearch).*(at.rest|encrypt)/i,
  responseTypes: /opensearch|elasticsearch|search/i,
  breaking: true,
  impactNote: 'Blue/green deployment (replacement before Elasticsearch 6.7).',
  settings: [{ path: ['encrypt_at_rest', 'enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Encrypts the domain indices, logs, swap files and snapshots at rest (AWS-managed key unless kms_key_id is set).',
  breakingChanges: [
    'On Elasticsearch before 6.7 the domain is replaced (its data is lost unless restored from a snapshot); on newer versions AWS runs a blue/green deployment that can take hours. Take a manual snapshot first and apply in a maintenance window.',
  ],
});
