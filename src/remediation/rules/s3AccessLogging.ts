/** S3 server access logging to a log bucket. */
import type { Rule, RuleContext } from '../types';
import {
  insertAfterTarget,
  moduleBlocks,
  need,
  nestedAt,
  newLabel,
  nonEmptyString,
  q,
  read,
  setAttrs,
} from './helpers';
import { s3Check, s3Fix, type S3SettingSpec } from './s3common';

/** An existing log bucket of the module (label ending in log/logs), else null. */
function existingLogBucket(ctx: RuleContext): string | null {
  const own = need(ctx).localAddress;
  const b = moduleBlocks(ctx).find(
    (x) =>
      x.labels[0] === 'aws_s3_bucket' &&
      x.localAddress !== own &&
      /(^|_)(access_)?logs?$/.test(x.labels[1] ?? '') &&
      !x.attributes.count &&
      !x.attributes.for_each,
  );
  return b ? `${b.localAddress}.id` : null;
}

/** The log bucket expression and the blocks creating it when none exists. */
function logTarget(ctx: RuleContext): { expr: string; blocks: string[]; created: string | null } {
  const found = existingLogBucket(ctx);
  if (found) return { expr: found, blocks: [], created: null };
  const b = need(ctx);
  const label = newLabel(ctx, 'aws_s3_bucket', '_access_logs');
  const own = b.localAddress;
  let meta = '';
  let name = `"\${${own}.bucket}-access-logs"`;
  let expr = `aws_s3_bucket.${label}.id`;
  if (b.attributes.count) {
    meta = `  count = length(${own})\n`;
    name = `"\${${own}[count.index].bucket}-access-logs"`;
    expr = `aws_s3_bucket.${label}[count.index].id`;
  } else if (b.attributes.for_each) {
    meta = `  for_each = ${own}\n`;
    name = '"${each.value.bucket}-access-logs"';
    expr = `aws_s3_bucket.${label}[each.key].id`;
  }
  return {
    expr,
    blocks: [`resource "aws_s3_bucket" "${label}" {\n${meta}  bucket = ${name}\n}`],
    created: `aws_s3_bucket.${label}`,
  };
}

const prefix = (ctx: RuleContext) => q(`${need(ctx).labels[1]}/`);

const spec: S3SettingSpec = {
  configType: 'aws_s3_bucket_logging',
  hasInline: (ctx) => Boolean(ctx.block && nestedAt(ctx.block, ['logging'])),
  inlineProblems: (ctx) => {
    const a = read(ctx, 'logging.target_bucket');
    return a.set && (!a.known || nonEmptyString(a.value)) ? [] : ['logging.target_bucket is not set'];
  },
  configProblems: (ctx, cfg) => {
    const a = read(ctx, 'target_bucket', cfg);
    return a.set && (!a.known || nonEmptyString(a.value)) ? [] : ['target_bucket is not set'];
  },
  fixConfig: (ctx, cfg) => {
    const t = logTarget(ctx);
    return [
      ...setAttrs(ctx, cfg, [], [['target_bucket', t.expr]]),
      ...(t.blocks.length ? [insertAfterTarget(ctx, t.blocks)] : []),
    ];
  },
  fixInline: (ctx) => {
    const t = logTarget(ctx);
    return [
      ...setAttrs(
        ctx,
        need(ctx),
        ['logging'],
        [
          ['target_bucket', t.expr],
          ['target_prefix', prefix(ctx)],
        ],
      ),
      ...(t.blocks.length ? [insertAfterTarget(ctx, t.blocks)] : []),
    ];
  },
  extraBlocks: (ctx) => logTarget(ctx).blocks,
  newConfigBody: (ctx, bucket) =>
    `bucket = ${bucket}\n\ntarget_bucket = ${logTarget(ctx).expr}\ntarget_prefix = ${prefix(ctx)}`,
  explanation:
    'Enables S3 server access logging so requests to the bucket are recorded in a separate log bucket.',
  changedAttributes: ['logging.target_bucket', 'logging.target_prefix'],
  additionalRequirements: (ctx) => {
    const t = logTarget(ctx);
    return t.created
      ? [
          `Adds the log bucket ${t.created}; S3 log delivery must be allowed to write to it (bucket policy for logging.s3.amazonaws.com, or the log-delivery-write ACL on provider v3).`,
        ]
      : [
          `Logs go to the existing bucket ${t.expr.replace(/\.id$/, '')}; confirm it is the intended log bucket and allows S3 log delivery.`,
        ];
  },
};

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable access logging';

export const rule: Rule = {
  id: 's3-access-logging',
  title: 'S3 bucket access logging',
  requirement: 'Server access logging is enabled with a target bucket.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_18'],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\b(s3|bucket)\b.*(access )?logging|logging.*\b(s3|bucket)/i,
  responseTypes: /s3/i,
  breaking: false,
  check: (ctx) => s3Check(ctx, spec, 'access logging is enabled'),
  fix: (ctx) => {
    const p = s3Fix(ctx, spec);
    return { ...p, confidence: existingLogBucket(ctx) ? 'medium' : 'high' };
  },
};
