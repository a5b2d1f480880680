/**
 * S3 server access logging through the s3-bucket module's `logging` input. Logs go to a log bucket the
 * repository already has (another s3-bucket module call or an aws_s3_bucket named like a log bucket);
 * without one there is no fix: a log bucket next to a module-managed bucket is a decision for a human.
 */
import type { Patch } from '../contracts';
import { attributeValue, type HclBlock, type HclValue } from '../terraform';
import { inputEdits, inputValueText, moduleBlock, moduleInputs } from './moduleCommon';
import { registryModule, type ModuleSpec } from './modules';
import { patch, q } from './rules/helpers';
import type { CheckResult, RuleContext } from './types';

/** Labels and bucket names of log buckets: logs, access_logs, s3-logs, log_bucket, audit-logs… */
const LOG_NAME = /(^|[_-])(access[_-]?)?logs?($|[_-])/i;

const isObj = (v: HclValue | undefined): v is { [k: string]: HclValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compliance: `logging` sets a target bucket. */
export function accessLoggingCheck(ctx: RuleContext): CheckResult {
  const block = moduleBlock(ctx);
  const where = block.localAddress;
  const inputs = moduleInputs(ctx, block);
  if (!inputs.has('logging'))
    return {
      status: 'non_compliant',
      reasons: [`${where}: logging is unset (the module default {} logs nothing)`],
    };
  const v = inputs.value('logging');
  const text = block.attributes.logging.exprText;
  if (v === undefined)
    return /\btarget_bucket\s*=/.test(text)
      ? { status: 'compliant', reasons: [`${where}: logging.target_bucket is set (known at plan time)`] }
      : {
          status: 'non_compliant',
          reasons: [`${where}: logging = ${text.slice(0, 60)} cannot be resolved offline`],
        };
  return isObj(v) && typeof v.target_bucket === 'string' && v.target_bucket
    ? { status: 'compliant', reasons: [`${where}: access logs go to ${v.target_bucket}`] }
    : { status: 'non_compliant', reasons: [`${where}: logging has no target_bucket`] };
}

interface LogBucket {
  /** HCL for target_bucket. */
  expr: string;
  /** How a reviewer finds it. */
  label: string;
  /** It is an s3-bucket module call (the delivery policy is its attach_access_log_delivery_policy). */
  viaModule: boolean;
}

function bucketName(ctx: RuleContext, b: HclBlock): string | undefined {
  if (!('bucket' in b.attributes)) return undefined;
  const r = attributeValue(ctx.index, b, 'bucket');
  return r.known && typeof r.value === 'string' ? r.value : undefined;
}

function isLogBucket(ctx: RuleContext, b: HclBlock, self: HclBlock): boolean {
  if (b === self || b.attributes.count || b.attributes.for_each) return false;
  const isModule =
    b.kind === 'module' &&
    registryModule(String(b.attributes.source?.value.known ? b.attributes.source.value.value : ''))?.kind ===
      's3-bucket';
  const isResource = b.kind === 'resource' && b.labels[0] === 'aws_s3_bucket';
  if (!isModule && !isResource) return false;
  const name = b.kind === 'module' ? b.labels[0] : b.labels[1];
  return LOG_NAME.test(name ?? '') || LOG_NAME.test(bucketName(ctx, b) ?? '');
}

/** A log bucket for `self`: in its module by reference, elsewhere in the repository by its known name. */
function logBucket(ctx: RuleContext, self: HclBlock): LogBucket | undefined {
  const all = ctx.index.blocks.filter((b) => isLogBucket(ctx, b, self));
  const local = all.find((b) => b.moduleDir === self.moduleDir);
  if (local)
    return local.kind === 'module'
      ? { expr: `${local.localAddress}.s3_bucket_id`, label: local.localAddress, viaModule: true }
      : { expr: `${local.localAddress}.id`, label: local.localAddress, viaModule: false };
  for (const b of all) {
    const name = bucketName(ctx, b);
    if (name) return { expr: q(name), label: `${name} (${b.file})`, viaModule: b.kind === 'module' };
  }
  return undefined;
}

/** The fix: `logging = { target_bucket = <log bucket>, target_prefix = "<label>/" }` on the module call. */
export function accessLoggingFix(ctx: RuleContext, spec: ModuleSpec): Patch {
  const block = moduleBlock(ctx);
  const log = logBucket(ctx, block);
  if (!log)
    throw new Error(
      `no log bucket in the repository for ${block.localAddress}: add one (e.g. another ${spec.source} call with attach_access_log_delivery_policy = true) and set logging = { target_bucket = ..., target_prefix = ... } on ${block.localAddress}`,
    );
  const prefix = q(`${block.labels[0]}/`);
  const has = 'logging' in block.attributes;
  let text = inputValueText(ctx, block, 'logging', undefined, { keys: ['target_bucket'], value: log.expr });
  if (!has) text = `{\n  target_bucket = ${log.expr}\n  target_prefix = ${prefix}\n}`;
  else if (!/\btarget_prefix\s*=/.test(text))
    text = inputValueText(ctx, block, 'logging', text, { keys: ['target_prefix'], value: prefix });
  return patch({
    edits: inputEdits(block, new Map([['logging', text]])),
    explanation: `Enables S3 server access logging for ${block.localAddress} (${spec.source}) through its logging input: requests are recorded in ${log.label}.`,
    changedAttributes: ['logging'],
    confidence: 'medium',
    additionalRequirements: [
      log.viaModule
        ? `Logs go to the existing bucket ${log.label}; it must allow S3 log delivery (attach_access_log_delivery_policy = true on that module call). Confirm it is the intended log bucket.`
        : `Logs go to the existing bucket ${log.label}; it must allow S3 log delivery (a bucket policy for logging.s3.amazonaws.com). Confirm it is the intended log bucket.`,
    ],
  });
}
