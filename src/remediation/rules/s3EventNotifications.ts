/**
 * S3 buckets send event notifications. Where the events go is the team's choice, so the fix acts only
 * when the repository already consumes this bucket's events: an EventBridge rule whose event pattern
 * names the bucket (by reference or by name). It then turns on EventBridge delivery for the bucket
 * (aws_s3_bucket_notification with eventbridge = true); otherwise it is refused with the reason.
 */
import { collectRefs, type HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { skippedInCode } from './storageCmk';
import { instanceRef, insertAfterTarget, need, newLabel, patch, read, referencing, result } from './helpers';

/** The EventBridge rule of the repository that consumes this bucket's S3 events, if any. */
function consumer(ctx: RuleContext): HclBlock | undefined {
  const b = need(ctx);
  const own = b.localAddress;
  const name = read(ctx, 'bucket');
  const literal = name.set && name.known && typeof name.value === 'string' ? name.value : undefined;
  return ctx.index.blocks.find((r) => {
    if (r.kind !== 'resource' || r.labels[0] !== 'aws_cloudwatch_event_rule') return false;
    const p = r.attributes.event_pattern;
    if (!p || !p.exprText.includes('aws.s3')) return false;
    const byRef =
      r.moduleDir === b.moduleDir &&
      collectRefs(p.expr).some((x) => x === own || x.startsWith(`${own}.`) || x.startsWith(`${own}[`));
    return byRef || (literal !== undefined && p.exprText.includes(JSON.stringify(literal)));
  });
}

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Send event notifications to EventBridge';

/** The rule (check and fix) registered in the storage family. */
export const rule: Rule = {
  id: 's3-event-notifications',
  title: 'S3 bucket event notifications',
  requirement:
    'The bucket has an aws_s3_bucket_notification (here: EventBridge delivery, which an existing rule consumes).',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_62'],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\bs3\b.*(event )?notification|notification.*\b(s3|bucket)/i,
  responseTypes: /s3/i,
  breaking: true,
  check(ctx) {
    const skip = skippedInCode(ctx, 'CKV2_AWS_62');
    if (skip)
      return { status: 'compliant', reasons: [`not applicable: CKV2_AWS_62 is skipped in code (${skip})`] };
    const found = referencing(ctx, 'aws_s3_bucket_notification');
    return result(
      found.length ? [] : ['no aws_s3_bucket_notification for this bucket'],
      `event notifications are configured (${found.map((f) => f.localAddress).join(', ')})`,
    );
  },
  fix(ctx) {
    const b = need(ctx);
    const rule = consumer(ctx);
    if (!rule)
      throw new Error(
        `no destination in the repository consumes the events of ${b.localAddress} (no EventBridge rule names the bucket): which queue, topic, function or rule receives them is the team's choice`,
      );
    const { meta, ref } = instanceRef(ctx);
    const label = newLabel(ctx, 'aws_s3_bucket_notification');
    const block = `resource "aws_s3_bucket_notification" "${label}" {\n  ${meta ? meta + '  ' : ''}bucket      = ${ref}.id\n  eventbridge = true\n}`;
    return patch({
      edits: [insertAfterTarget(ctx, [block])],
      explanation: `Sends the bucket's S3 events to Amazon EventBridge, where ${rule.localAddress} (${rule.file}) already matches them; no queue, topic or function is added.`,
      changedAttributes: ['aws_s3_bucket_notification.eventbridge'],
      confidence: 'medium',
      breakingChanges: [
        'aws_s3_bucket_notification owns the whole notification configuration of the bucket: notifications configured outside this Terraform (console, another stack) are removed on apply. Check the bucket’s current notifications first and add them to the new resource.',
      ],
      additionalRequirements: [`${rule.localAddress} starts receiving this bucket's events once applied.`],
    });
  },
};
