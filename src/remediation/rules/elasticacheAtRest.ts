/** ElastiCache encrypts data at rest. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encryption at rest';

export const rule = attrRule({
  id: 'elasticache-at-rest-encryption',
  title: 'ElastiCache encryption at rest',
  requirement: 'at_rest_encryption_enabled = true on the replication group.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_29'],
  resourceTypes: ['aws_elasticache_replication_group'],
  keywords: /(elasticache|redis|cache).*(at.rest|encrypt)/i,
  responseTypes: /elasticache|cache|redis/i,
  breaking: true,
  settings: [{ path: ['at_rest_encryption_enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Encrypts cached data and backups at rest.',
  breakingChanges: [
    'Changing at-rest encryption replaces the replication group (cache contents are lost, endpoint may change). Plan a maintenance window and warm the cache, or create a new group and switch clients.',
  ],
});
