/**
 * S3 server access logging to a log bucket. The fix reuses the repository's log bucket (one other
 * buckets already log to, else one named for logs: in the module by reference, elsewhere by its
 * name); only without one does it add a log bucket that is itself compliant: public access blocked,
 * ACLs disabled, encrypted, versioned, a lifecycle rule, and a bucket policy letting S3 log delivery
 * write (TLS only). The Checkov findings that make no sense for a log bucket are skipped on it with
 * the reason.
 */
import { attributeValue, collectRefs, isRefTo, type HclBlock } from '../../terraform';
import { registryModule } from '../modules';
import type { Rule, RuleContext } from '../types';
import {
  checkovSkips,
  identityRefs,
  insertAfterTarget,
  moduleBlocks,
  moduleResources,
  need,
  nestedAt,
  newLabel,
  nonEmptyString,
  policyText,
  q,
  read,
  setAttrs,
  single,
} from './helpers';
import { s3Check, s3Fix, type S3SettingSpec } from './s3common';

/** Labels and bucket names of log buckets: logs, access_logs, s3-logs, log_bucket, audit-logs… */
const LOG_NAME = /(^|[_-])(access[_-]?)?logs?($|[_-])/i;

/** An existing bucket the logs go to: HCL for target_bucket, how a reviewer finds it, and why it was chosen. */
interface LogBucket {
  expr: string;
  name: string;
  why: string;
  /** The bucket's block when it is a resource of the target's module. */
  block?: HclBlock;
}

function bucketName(ctx: RuleContext, b: HclBlock): string | undefined {
  const r = attributeValue(ctx.index, b, 'bucket');
  return r.known && typeof r.value === 'string' && r.value ? r.value : undefined;
}

/** References in a block's `bucket` attribute. */
const bucketRefs = (b: HclBlock): string[] =>
  b.attributes.bucket ? collectRefs(b.attributes.bucket.expr) : [];

/** A bucket of the target's module by its address (aws_s3_bucket.x) or its known name. */
function localBucket(ctx: RuleContext, by: { addr?: string; name?: string }): HclBlock | undefined {
  const own = need(ctx);
  return moduleBlocks(ctx).find(
    (x) =>
      x !== own &&
      x.labels[0] === 'aws_s3_bucket' &&
      single(x) &&
      ((by.addr !== undefined && x.localAddress === by.addr) ||
        (by.name !== undefined && bucketName(ctx, x) === by.name)),
  );
}

/** The log bucket other buckets of the repository already deliver their access logs to. */
function loggedTo(ctx: RuleContext): LogBucket | undefined {
  const own = need(ctx);
  const ownName = bucketName(ctx, own);
  const a = own.localAddress;
  const refsOwn = (b: HclBlock) => bucketRefs(b).some((r) => isRefTo(r, a));
  for (const b of ctx.index.blocks) {
    if (b.kind !== 'resource' || b === own) continue;
    const path =
      b.labels[0] === 'aws_s3_bucket_logging'
        ? 'target_bucket'
        : b.labels[0] === 'aws_s3_bucket' && nestedAt(b, ['logging'])
          ? 'logging.target_bucket'
          : null;
    if (!path || (b.moduleDir === own.moduleDir && refsOwn(b))) continue;
    const holder = path === 'target_bucket' ? b : nestedAt(b, ['logging']);
    const attr = holder?.attributes.target_bucket;
    if (!attr) continue;
    const why = `${b.localAddress} (${b.file}) already logs to it`;
    const ref = collectRefs(attr.expr).find((r) => r.startsWith('aws_s3_bucket.'));
    const sameModule = b.moduleDir === own.moduleDir;
    const byRef =
      sameModule && ref ? localBucket(ctx, { addr: ref.split('.').slice(0, 2).join('.') }) : undefined;
    if (byRef) return { expr: `${byRef.localAddress}.id`, name: byRef.localAddress, why, block: byRef };
    const v = attributeValue(ctx.index, b, path);
    if (!v.known || typeof v.value !== 'string' || !v.value || v.value === ownName) continue;
    const byName = localBucket(ctx, { name: v.value });
    if (byName) return { expr: `${byName.localAddress}.id`, name: byName.localAddress, why, block: byName };
    return { expr: q(v.value), name: v.value, why };
  }
  return undefined;
}

/** True when other buckets of the module deliver their access logs to this bucket. */
function isLogDestination(ctx: RuleContext): boolean {
  const own = ctx.block;
  if (!own) return false;
  const a = own.localAddress;
  const name = bucketName(ctx, own);
  for (const b of [
    ...moduleResources(ctx, 'aws_s3_bucket_logging'),
    ...moduleResources(ctx, 'aws_s3_bucket'),
  ]) {
    if (b === own || b.moduleDir !== own.moduleDir) continue;
    const holder =
      b.labels[0] === 'aws_s3_bucket_logging'
        ? b
        : b.labels[0] === 'aws_s3_bucket'
          ? nestedAt(b, ['logging'])
          : undefined;
    const attr = holder?.attributes.target_bucket;
    if (!attr) continue;
    if (collectRefs(attr.expr).some((r) => isRefTo(r, a))) return true;
    if (name !== undefined && attr.value.known && attr.value.value === name) return true;
  }
  return false;
}

/** A bucket (or s3-bucket module call) named like a log bucket; access-log names first. */
function namedLogBucket(ctx: RuleContext): LogBucket | undefined {
  const own = need(ctx);
  const isModule = (b: HclBlock) =>
    b.kind === 'module' &&
    registryModule(String(b.attributes.source?.value.known ? b.attributes.source.value.value : ''))?.kind ===
      's3-bucket';
  const found = ctx.index.blocks
    .filter(
      (b) =>
        b !== own &&
        single(b) &&
        ((b.kind === 'resource' && b.labels[0] === 'aws_s3_bucket') || isModule(b)) &&
        (LOG_NAME.test((b.kind === 'module' ? b.labels[0] : b.labels[1]) ?? '') ||
          LOG_NAME.test(bucketName(ctx, b) ?? '')),
    )
    .map((b) => {
      const text = `${b.labels.join(' ')} ${bucketName(ctx, b) ?? ''}`;
      const local = b.moduleDir === own.moduleDir;
      return { b, local, score: (local ? 2 : 0) + (/access[_-]?logs?/i.test(text) ? 1 : 0) };
    })
    .sort((x, y) => y.score - x.score);
  for (const { b, local } of found) {
    const why = 'its name says it holds logs';
    if (local && b.kind === 'module')
      return { expr: `${b.localAddress}.s3_bucket_id`, name: b.localAddress, why };
    if (local) return { expr: `${b.localAddress}.id`, name: b.localAddress, why, block: b };
    const name = bucketName(ctx, b);
    if (name && name !== bucketName(ctx, own)) return { expr: q(name), name: `${name} (${b.file})`, why };
  }
  return undefined;
}

/** The existing log bucket to reuse, else undefined. */
export function existingLogBucket(ctx: RuleContext): LogBucket | undefined {
  return loggedTo(ctx) ?? namedLogBucket(ctx);
}

/** Whether a reused log bucket of the module visibly lets S3 log delivery write (policy or ACL). */
function allowsDelivery(ctx: RuleContext, lb: HclBlock): boolean {
  const refs = (b: HclBlock) => bucketRefs(b).some((r) => r.startsWith(`${lb.localAddress}.`));
  const acl = /log-delivery-write/;
  return (
    acl.test(lb.attributes.acl?.exprText ?? '') ||
    /logging\.s3\.amazonaws\.com/.test(policyText(ctx, lb, 'policy')) ||
    moduleBlocks(ctx).some(
      (b) =>
        refs(b) &&
        ((b.labels[0] === 'aws_s3_bucket_policy' &&
          /logging\.s3\.amazonaws\.com/.test(policyText(ctx, b, 'policy'))) ||
          (b.labels[0] === 'aws_s3_bucket_acl' && acl.test(b.attributes.acl?.exprText ?? ''))),
    )
  );
}

/** Checkov findings skipped on a new log bucket, with the reason a reviewer reads. */
export const LOG_BUCKET_SKIPS = [
  {
    id: 'CKV_AWS_18',
    reason:
      'This is the access-log destination; AWS advises against server access logging on a log destination bucket (it would need yet another bucket)',
  },
  {
    id: 'CKV_AWS_144',
    reason:
      'Access logs are not replicated cross-region; versioning and the lifecycle rule keep them for 365 days',
  },
  {
    id: 'CKV2_AWS_62',
    reason: 'Nothing consumes object-created events of access log files',
  },
  {
    id: 'CKV_AWS_145',
    reason:
      'S3 server access logging supports only SSE-S3 (AES256) default encryption on the destination bucket, not SSE-KMS',
  },
];

/** How the new log bucket's blocks follow the target's count/for_each. */
interface Shape {
  label: string;
  meta: string;
  /** The log bucket instance (aws_s3_bucket.x, aws_s3_bucket.x[count.index]…). */
  self: string;
  /** The target instance. */
  own: string;
}

function shapeOf(ctx: RuleContext): Shape {
  const b = need(ctx);
  const label = newLabel(ctx, 'aws_s3_bucket', '_access_logs');
  const own = b.localAddress;
  if (b.attributes.count)
    return {
      label,
      meta: `  count = length(${own})\n`,
      self: `aws_s3_bucket.${label}[count.index]`,
      own: `${own}[count.index]`,
    };
  if (b.attributes.for_each)
    return {
      label,
      meta: `  for_each = ${own}\n`,
      self: `aws_s3_bucket.${label}[each.key]`,
      own: 'each.value',
    };
  return { label, meta: '', self: `aws_s3_bucket.${label}`, own };
}

/** The lifecycle rule body: logs move to Glacier after 90 days and expire after 365. */
const LIFECYCLE_V4 = `rule {
    id     = "access-logs"
    status = "Enabled"

    filter {}

    transition {
      days          = 90
      storage_class = "GLACIER"
    }

    expiration {
      days = 365
    }

    noncurrent_version_expiration {
      noncurrent_days = 90
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }`;

const LIFECYCLE_V3 = `lifecycle_rule {
    id                                     = "access-logs"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 7

    transition {
      days          = 90
      storage_class = "GLACIER"
    }

    expiration {
      days = 365
    }

    noncurrent_version_expiration {
      days = 90
    }
  }`;

/** The bucket policy: S3 log delivery may write the target's logs; requests without TLS are denied. */
function deliveryPolicy(s: Shape, account: string): string {
  return `jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "S3ServerAccessLogsDelivery"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "\${${s.self}.arn}/*"
        Condition = {
          ArnLike      = { "aws:SourceArn" = ${s.own}.arn }
          StringEquals = { "aws:SourceAccount" = ${account} }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [${s.self}.arn, "\${${s.self}.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }
    ]
  })`;
}

/** The new log bucket and its companions, inline settings on provider v3, separate resources on v4+. */
function logBucketBlocks(ctx: RuleContext, s: Shape, account: string): string[] {
  const v3 = ctx.providerMajor < 4;
  const name =
    s.own === 'each.value' ? '"${each.value.bucket}-access-logs"' : `"\${${s.own}.bucket}-access-logs"`;
  const res = (type: string, body: string) =>
    `resource "${type}" "${s.label}" {\n${s.meta}  bucket = ${s.self}.id\n${body}}`;
  const inline = v3
    ? `\n  versioning {\n    enabled = true\n  }\n\n  server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n        sse_algorithm = "AES256"\n      }\n    }\n  }\n\n  ${LIFECYCLE_V3}\n`
    : '';
  const blocks = [
    `resource "aws_s3_bucket" "${s.label}" {\n${checkovSkips(LOG_BUCKET_SKIPS)}${s.meta}  bucket = ${name}\n${inline}}`,
    res(
      'aws_s3_bucket_public_access_block',
      '  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n',
    ),
    res('aws_s3_bucket_ownership_controls', '  rule {\n    object_ownership = "BucketOwnerEnforced"\n  }\n'),
  ];
  if (!v3)
    blocks.push(
      res(
        'aws_s3_bucket_server_side_encryption_configuration',
        '  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = "AES256"\n    }\n  }\n',
      ),
      res('aws_s3_bucket_versioning', '  versioning_configuration {\n    status = "Enabled"\n  }\n'),
      res('aws_s3_bucket_lifecycle_configuration', `  ${LIFECYCLE_V4}\n`),
    );
  blocks.push(res('aws_s3_bucket_policy', `  policy = ${deliveryPolicy(s, account)}\n`));
  return blocks;
}

/** The log bucket expression, the blocks creating it when none exists, and what the PR says about it. */
function logTarget(ctx: RuleContext): { expr: string; blocks: string[]; note: string; reused?: LogBucket } {
  const found = existingLogBucket(ctx);
  if (found) {
    const delivery = found.block && allowsDelivery(ctx, found.block);
    return {
      expr: found.expr,
      blocks: [],
      reused: found,
      note: `Reuses the existing log bucket ${found.name} (${found.why})${delivery ? ', which already lets S3 log delivery write' : ''}; no new bucket is created.`,
    };
  }
  const s = shapeOf(ctx);
  const ids = identityRefs(ctx, ['account']);
  const created = `aws_s3_bucket.${s.label}`;
  return {
    expr: `${s.self}.id`,
    blocks: [...ids.blocks, ...logBucketBlocks(ctx, s, ids.account)],
    note:
      `The repository has no log bucket, so it adds ${created}: public access blocked, ACLs disabled (BucketOwnerEnforced), ` +
      'SSE-S3 encryption, versioning, a lifecycle rule (Glacier after 90 days, expiry after 365, incomplete uploads aborted after 7), ' +
      `and a bucket policy that lets logging.s3.amazonaws.com write only the logs of ${need(ctx).localAddress} and denies requests without TLS. ` +
      `Checkov checks skipped on ${created}: ${LOG_BUCKET_SKIPS.map((k) => `${k.id} (${k.reason})`).join('; ')}.`,
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
    return t.reused
      ? [
          `Logs go to the existing bucket ${t.reused.name}; confirm it is the intended log bucket and that its policy lets logging.s3.amazonaws.com write (or, with ACLs enabled, the log-delivery-write ACL).`,
        ]
      : [
          `Adds the log bucket ${t.expr.replace(/(\[[^\]]*\])?\.id$/, '')} with its public access block, ownership controls, encryption, versioning, lifecycle and delivery policy; log storage is billed as usual.`,
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
  check: (ctx) =>
    isLogDestination(ctx)
      ? {
          status: 'compliant',
          reasons: ['is the access-log destination of other buckets (AWS advises against logging it too)'],
        }
      : s3Check(ctx, spec, 'access logging is enabled'),
  fix: (ctx) => {
    const p = s3Fix(ctx, spec);
    const t = logTarget(ctx);
    return { ...p, explanation: `${p.explanation} ${t.note}`, confidence: t.reused ? 'medium' : 'high' };
  },
};
