/** CloudFront distributions write standard access logs to a log bucket the module already has. */
import type { HclBlock } from '../../terraform';
import type { RuleContext } from '../types';
import { need, nestedAll } from './helpers';
import { refRule, soleResource, str, type Found } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable access logging';

/** The module's only bucket named for logs. */
function logBucket(ctx: RuleContext): Found | null {
  const b = soleResource(ctx, 'aws_s3_bucket', (x: HclBlock) =>
    /log/i.test(`${x.labels[1]} ${str(ctx, x, 'bucket')}`),
  );
  return b ? { block: b, why: "the module's only bucket named for logs" } : null;
}

/** The distribution already has an S3 origin with origin access (OAI or OAC). */
const hasOriginAccess = (ctx: RuleContext): boolean =>
  nestedAll(need(ctx), 'origin').some((o) =>
    Boolean(o.attributes.origin_access_control_id ?? o.blocks.find((n) => n.type === 's3_origin_config')),
  );

/**
 * The bucket's domain name: a reference when the distribution already has an S3 origin with origin
 * access, else the literal `<bucket>.s3.amazonaws.com` (a reference would make Checkov's CKV2_AWS_46
 * take the log bucket for an S3 origin without origin access, a finding the fix would add).
 */
function bucketValue(ctx: RuleContext, bucket: HclBlock): string {
  const name = str(ctx, bucket, 'bucket');
  if (hasOriginAccess(ctx) || !name) return `${bucket.localAddress}.bucket_domain_name`;
  return JSON.stringify(`${name}.s3.amazonaws.com`);
}

export const rule = refRule({
  id: 'cloudfront-access-logging',
  title: 'CloudFront distribution access logging',
  requirement: 'logging_config { bucket = <existing log bucket> }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_86'],
  resourceTypes: ['aws_cloudfront_distribution'],
  keywords: /cloudfront.*(access log|logging)/i,
  responseTypes: /cloudfront|distribution/i,
  breaking: false,
  prerequisites: 'An existing bucket named for logs, with ACLs enabled.',
  impactNote: 'S3 storage for access logs.',
  path: ['logging_config', 'bucket'],
  find: logBucket,
  values: (bucket, ctx) => [
    ['bucket', bucketValue(ctx, bucket)],
    ['include_cookies', 'false'],
    ['prefix', JSON.stringify(`cloudfront/${need(ctx).labels[1] ?? 'distribution'}/`)],
  ],
  missing:
    "the module has no bucket named for logs: which bucket receives the access logs is the team's choice",
  explanation:
    'Writes CloudFront standard access logs (cookies excluded) under a prefix named after the distribution.',
  additionalRequirements: (bucket) => [
    `CloudFront standard logging writes with the awslogsdelivery account's ACL grant: ${bucket.localAddress} must have ACLs enabled (object_ownership BucketOwnerPreferred), and must not be in a region CloudFront does not deliver to.`,
  ],
});
