/** ElastiCache encrypts data in transit. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption in transit';

export const rule = attrRule({
  id: 'elasticache-in-transit-encryption',
  title: 'ElastiCache encryption in transit',
  requirement: 'transit_encryption_enabled = true on the replication group.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_30'],
  resourceTypes: ['aws_elasticache_replication_group'],
  keywords: /(elasticache|redis|cache).*(in.transit|tls)/i,
  responseTypes: /elasticache|cache|redis/i,
  breaking: true,
  settings: [{ path: ['transit_encryption_enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Requires TLS between clients and the cache nodes.',
  breakingChanges: [
    'Clients must connect with TLS after the change; on older engine versions the replication group is replaced. Update client configuration and plan a maintenance window.',
  ],
});
