/** OpenSearch / Elasticsearch domains accept HTTPS only. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enforce HTTPS';

export const rule = attrRule({
  id: 'opensearch-enforce-https',
  title: 'OpenSearch enforces HTTPS',
  requirement:
    'domain_endpoint_options { enforce_https = true } (not false) on the OpenSearch / Elasticsearch domain.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_83'],
  resourceTypes: ['aws_opensearch_domain', 'aws_elasticsearch_domain'],
  keywords: /(opensearch|elasticsearch).*(https|tls)/i,
  responseTypes: /opensearch|elasticsearch|search/i,
  breaking: true,
  impactNote: 'Plain-HTTP clients are refused.',
  settings: [
    {
      path: ['domain_endpoint_options', 'enforce_https'],
      ok: eq(true),
      value: 'true',
      unsetOk: true,
      expect: 'true (the provider default)',
    },
  ],
  explanation: 'Rejects plain-HTTP requests to the domain endpoint so every request travels over TLS.',
  breakingChanges: [
    'Clients that call the domain over http:// start failing; switch them to https:// first.',
  ],
});
