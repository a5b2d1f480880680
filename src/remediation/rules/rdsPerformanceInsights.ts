/**
 * RDS instances run Performance Insights encrypted with a customer managed KMS key. The key is the
 * team's choice: the fix reuses the instance's own storage key, else the Performance Insights key
 * another database of the module uses; with neither, there is no fix.
 */
import type { Rule, RuleContext } from '../types';
import { isTrue, moduleBlocks, need, patch, read, result, setAttr, show } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable encrypted Performance Insights';

const DB_TYPES = ['aws_db_instance', 'aws_rds_cluster_instance'];
const KEY = 'performance_insights_kms_key_id';

/** An expression usable on the target (not bound to another block's count/for_each instance). */
const portable = (text: string): boolean => !/\b(each|count|self)\./.test(text);

/** The KMS key expression to use and where it comes from; undefined when the repository has none. */
function existingKey(ctx: RuleContext): { expr: string; from: string } | undefined {
  const own = ctx.block?.attributes.kms_key_id;
  if (own) return { expr: own.exprText, from: "the instance's storage key" };
  for (const b of moduleBlocks(ctx)) {
    const a = b.attributes[KEY];
    if (DB_TYPES.includes(b.labels[0]) && b !== ctx.block && a && portable(a.exprText))
      return { expr: a.exprText, from: `the key ${b.localAddress} uses for Performance Insights` };
  }
  return undefined;
}

export const rule: Rule = {
  id: 'rds-performance-insights',
  title: 'RDS Performance Insights encrypted with a KMS key',
  requirement: `performance_insights_enabled = true with a ${KEY} on the DB instance.`,
  vantaTestIds: [],
  // CKV_AWS_353: Performance Insights on; CKV_AWS_354: encrypted with a customer managed key.
  checkovIds: ['CKV_AWS_353', 'CKV_AWS_354'],
  resourceTypes: DB_TYPES,
  keywords: /performance insights/i,
  responseTypes: /rds|database|db/i,
  // The fix lists a breaking change only when Performance Insights is already on with the AWS managed key.
  breaking: false,
  prerequisites:
    "An existing customer managed KMS key (the instance's kms_key_id, or another database's Performance Insights key); else no fix.",
  impactNote:
    'Free 7-day retention; changing the key of Performance Insights already on needs it turned off and on (history lost).',
  check(ctx) {
    need(ctx);
    const on = read(ctx, 'performance_insights_enabled');
    const problems =
      on.set && on.known && isTrue(on.value)
        ? []
        : [`performance_insights_enabled is ${show(on)}, expected true`];
    if (!read(ctx, KEY).set) problems.push(`${KEY} is unset`);
    return result(problems, 'Performance Insights is on with a KMS key');
  },
  fix(ctx) {
    const b = need(ctx);
    const on = read(ctx, 'performance_insights_enabled');
    const wasOn = on.set && on.known && isTrue(on.value);
    const edits = [];
    const changed: string[] = [];
    if (!wasOn) {
      edits.push(setAttr(ctx, b, ['performance_insights_enabled'], 'true'));
      changed.push(`performance_insights_enabled (${show(on)} → true)`);
    }
    let from = 'its existing key';
    if (!read(ctx, KEY).set) {
      const key = existingKey(ctx);
      if (!key)
        throw new Error(
          `Performance Insights must be encrypted with a customer managed KMS key (${KEY}) and the module has none the database uses: set kms_key_id or add a key, then re-run`,
        );
      edits.push(setAttr(ctx, b, [KEY], key.expr));
      changed.push(`${KEY} (unset → ${key.expr})`);
      from = key.from;
    }
    return patch({
      edits,
      explanation: `Turns on Performance Insights (7 days of free retention) encrypted with ${from}. Changed: ${changed.join(', ')}.`,
      changedAttributes: changed.map((c) => c.split(' ')[0]),
      confidence: wasOn ? 'medium' : 'high',
      breakingChanges: wasOn
        ? [
            'Performance Insights is already on with the AWS managed key, and AWS does not change its key in place: turn Performance Insights off and on again (its history is lost), or expect the apply to fail.',
          ]
        : [],
    });
  },
};
