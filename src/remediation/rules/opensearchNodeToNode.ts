/** OpenSearch / Elasticsearch domains encrypt traffic between nodes. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable node-to-node encryption';

export const rule = attrRule({
  id: 'opensearch-node-to-node-encryption',
  title: 'OpenSearch node-to-node encryption',
  requirement: 'node_to_node_encryption { enabled = true } on the OpenSearch / Elasticsearch domain.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_6'],
  resourceTypes: ['aws_opensearch_domain', 'aws_elasticsearch_domain'],
  keywords: /node.to.node/i,
  responseTypes: /opensearch|elasticsearch|search/i,
  breaking: true,
  impactNote: 'Blue/green deployment (replacement before Elasticsearch 6.7); cannot be turned off later.',
  settings: [{ path: ['node_to_node_encryption', 'enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Encrypts the traffic between the nodes of the domain with TLS.',
  breakingChanges: [
    'On Elasticsearch before 6.7 the domain is replaced (its data is lost unless restored from a snapshot); on newer versions AWS runs a blue/green deployment. Node-to-node encryption cannot be turned off again. Take a manual snapshot first and apply in a maintenance window.',
  ],
});
