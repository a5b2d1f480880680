/**
 * S3 buckets encrypt new objects with SSE-KMS by default, under a customer managed key the repository
 * already has (one named for S3, else a general-purpose key). Which key protects the data is the team's
 * choice, so without a reusable key the fix is refused with the reason; a bucket that receives S3
 * server access logs or load balancer logs is refused too (those deliveries support only SSE-S3).
 */
import { collectRefs, type HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { need, nestedAt, q, read, setAttrs } from './helpers';
import { s3Check, s3Fix, type S3SettingSpec } from './s3common';
import { reusableKey, skippedInCode } from './storageCmk';

const DEFAULT = ['rule', 'apply_server_side_encryption_by_default'];
const INLINE = ['server_side_encryption_configuration', ...DEFAULT];

/** Problems of an SSE-by-default block read at `path` (of the bucket or a configuration resource). */
function kmsProblems(ctx: RuleContext, path: string[], block?: HclBlock): string[] {
  const a = read(ctx, [...path, 'sse_algorithm'].join('.'), block);
  return a.set && a.known && (a.value === 'aws:kms' || a.value === 'aws:kms:dsse')
    ? []
    : [`sse_algorithm is ${a.set ? a.text : 'unset'}, expected "aws:kms"`];
}

/** The customer managed key to use (its address), or an error with the reason. */
function keyFor(ctx: RuleContext): string {
  const b = need(ctx);
  const found = reusableKey(ctx, 'kms_master_key_id', /\bs3\b|bucket|object/);
  if (!found)
    throw new Error(
      `the module has no customer managed KMS key to reuse for ${b.localAddress}: which key protects the bucket (and its key policy) is the team's choice; create or choose one and set kms_master_key_id`,
    );
  return found.key.localAddress;
}

/** Where a resource names the bucket logs are delivered to: [nested block path, attribute]. */
const DELIVERY: Record<string, [string[], string]> = {
  aws_s3_bucket_logging: [[], 'target_bucket'],
  aws_s3_bucket: [['logging'], 'target_bucket'],
  aws_lb: [['access_logs'], 'bucket'],
  aws_alb: [['access_logs'], 'bucket'],
  aws_elb: [['access_logs'], 'bucket'],
};

/** The resource that delivers logs into this bucket (deliveries that support only SSE-S3), if any. */
function logDelivery(ctx: RuleContext): string | undefined {
  const own = need(ctx).localAddress;
  for (const b of ctx.index.blocks) {
    const d =
      b.kind === 'resource' && b.moduleDir === ctx.target.moduleDir ? DELIVERY[b.labels[0]] : undefined;
    if (!d || b.localAddress === own) continue;
    const holder = d[0].length ? nestedAt(b, d[0]) : b;
    const attr = holder?.attributes[d[1]];
    if (attr && collectRefs(attr.expr).some((r) => r === own || r.startsWith(`${own}.`)))
      return b.localAddress;
  }
  return undefined;
}

/** The two attributes the fix writes, given the key. */
const values = (key: string): [string, string][] => [
  ['sse_algorithm', q('aws:kms')],
  ['kms_master_key_id', `${key}.arn`],
];

const spec: S3SettingSpec = {
  configType: 'aws_s3_bucket_server_side_encryption_configuration',
  hasInline: (ctx) => Boolean(ctx.block && nestedAt(ctx.block, ['server_side_encryption_configuration'])),
  inlineProblems: (ctx) => kmsProblems(ctx, INLINE),
  configProblems: (ctx, cfg) => kmsProblems(ctx, DEFAULT, cfg),
  fixConfig: (ctx, cfg) => [
    ...setAttrs(ctx, cfg, DEFAULT, values(keyFor(ctx))),
    ...(cfg.blocks.find((n) => n.type === 'rule')?.attributes.bucket_key_enabled
      ? []
      : setAttrs(ctx, cfg, ['rule'], [['bucket_key_enabled', 'true']])),
  ],
  fixInline: (ctx) => setAttrs(ctx, need(ctx), INLINE, values(keyFor(ctx))),
  newConfigBody: (ctx, bucket) =>
    `bucket = ${bucket}\n\nrule {\n  apply_server_side_encryption_by_default {\n    sse_algorithm     = "aws:kms"\n    kms_master_key_id = ${keyFor(ctx)}.arn\n  }\n  bucket_key_enabled = true\n}`,
  explanation:
    'Encrypts new objects with SSE-KMS under a customer managed key by default (S3 Bucket Keys on, which keeps KMS request costs low); objects already stored keep their encryption until rewritten.',
  changedAttributes: ['server_side_encryption_configuration.rule.apply_server_side_encryption_by_default'],
  breakingChanges: [
    'Readers and writers of the bucket need kms:Decrypt / kms:GenerateDataKey on the key (its key policy or IAM policies): without them, reads of new objects fail with AccessDenied. Services that deliver into the bucket (CloudFront, S3 access logs, ELB logs) must be allowed to use the key or keep SSE-S3.',
  ],
  additionalRequirements: (ctx) => [
    `Uses the existing key ${keyFor(ctx)}; grant its use to every principal that reads or writes the bucket.`,
  ],
};

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with KMS by default';

/** The rule (check and fix) registered in the storage family. */
export const rule: Rule = {
  id: 's3-kms-default-encryption',
  title: 'S3 bucket encrypted with KMS by default',
  requirement:
    'The bucket default encryption is SSE-KMS (sse_algorithm = "aws:kms") with a customer managed key.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_145'],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\bs3\b.*\b(kms|sse-kms|customer managed)\b|\b(kms|sse-kms)\b.*\b(s3|bucket)\b/i,
  responseTypes: /s3/i,
  breaking: true,
  check: (ctx) => {
    const skip = skippedInCode(ctx, 'CKV_AWS_145');
    if (skip)
      return { status: 'compliant', reasons: [`not applicable: CKV_AWS_145 is skipped in code (${skip})`] };
    return s3Check(ctx, spec, 'default encryption is SSE-KMS');
  },
  fix: (ctx) => {
    const delivery = logDelivery(ctx);
    if (delivery)
      throw new Error(
        `${delivery} delivers logs into ${need(ctx).localAddress}, and that delivery supports only SSE-S3 (AES256): the bucket keeps SSE-S3`,
      );
    return s3Fix(ctx, spec);
  },
};
