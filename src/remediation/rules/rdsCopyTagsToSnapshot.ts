/** RDS instances and clusters copy their tags to snapshots. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Copy tags to snapshots';

export const rule = attrRule({
  id: 'rds-copy-tags-to-snapshot',
  title: 'RDS copy tags to snapshots',
  requirement: 'copy_tags_to_snapshot = true on the DB instance or cluster.',
  vantaTestIds: [],
  // CKV2_AWS_60: aws_db_instance; CKV_AWS_313: aws_rds_cluster.
  checkovIds: ['CKV2_AWS_60', 'CKV_AWS_313'],
  resourceTypes: ['aws_db_instance', 'aws_rds_cluster'],
  keywords: /cop(y|ies) tags.*snapshot/i,
  responseTypes: /rds|database|db/i,
  breaking: false,
  settings: [{ path: ['copy_tags_to_snapshot'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Copies the database tags (owner, data classification) to its snapshots so they stay attributable and covered by tag-based policies. Applied online.',
});
