/** ElastiCache Redis clusters keep automatic snapshots. */
import type { RuleContext } from '../types';
import { atLeast, attrRule } from './attrRule';
import { read } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable automatic backups';

/** Memcached has no snapshots. */
function memcached(ctx: RuleContext): string | null {
  const e = read(ctx, 'engine');
  return e.set && e.known && e.value === 'memcached' ? 'memcached clusters have no snapshots' : null;
}

export const rule = attrRule({
  id: 'elasticache-automatic-backup',
  title: 'ElastiCache automatic backup',
  requirement: 'snapshot_retention_limit >= 1 day on the Redis cache cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_134'],
  resourceTypes: ['aws_elasticache_cluster'],
  keywords: /(elasticache|redis|cache).*(backup|snapshot)/i,
  responseTypes: /elasticache|cache|redis/i,
  breaking: false,
  impactNote: 'Snapshot storage beyond the free allowance is billed.',
  settings: [{ path: ['snapshot_retention_limit'], ok: atLeast(1), value: '7', expect: '>= 1 (7 written)' }],
  explanation:
    'Keeps a daily automatic snapshot of the Redis cluster for 7 days so the cache can be restored. Applied online; snapshots may briefly affect latency during the snapshot window.',
  notApplicable: memcached,
});
