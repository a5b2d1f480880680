/** S3 buckets block public access (all four settings). */
import type { Rule } from '../types';
import { isTrue, read, setAttrs } from './helpers';
import { s3Check, s3Fix, type S3SettingSpec } from './s3common';

const FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];

const spec: S3SettingSpec = {
  configType: 'aws_s3_bucket_public_access_block',
  hasInline: () => false,
  inlineProblems: () => ['no public access block'],
  configProblems: (ctx, cfg) =>
    FLAGS.filter((f) => {
      const a = read(ctx, f, cfg);
      return !(a.set && a.known && isTrue(a.value));
    }).map((f) => `${f} is not true`),
  fixConfig: (ctx, cfg) =>
    setAttrs(
      ctx,
      cfg,
      [],
      FLAGS.filter((f) => {
        const a = read(ctx, f, cfg);
        return !(a.set && a.known && isTrue(a.value));
      }).map((f) => [f, 'true'] as [string, string]),
    ),
  // The public access block is a separate resource on every provider version (since v2.x).
  fixInline: () => [],
  alwaysSeparate: true,
  newConfigBody: (_ctx, bucket) => [`bucket = ${bucket}`, '', ...FLAGS.map((f) => `${f} = true`)].join('\n'),
  explanation:
    'Blocks every form of public access to the bucket (public ACLs and public bucket policies are rejected and ignored).',
  changedAttributes: FLAGS,
  breakingChanges: [
    'Public access to the bucket stops immediately: anything that reads it anonymously (static website, public downloads, CloudFront without OAC) breaks. Confirm the bucket is not meant to be public before merging.',
  ],
};

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Block public access';

export const rule: Rule = {
  id: 's3-public-access-block',
  title: 'S3 bucket public access block',
  requirement: 'An aws_s3_bucket_public_access_block with all four flags true covers the bucket.',
  vantaTestIds: ['aws-s3-public-access-blocked'],
  checkovIds: ['CKV2_AWS_6', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\b(s3|bucket)\b.*public|public.*\b(s3|bucket)/i,
  responseTypes: /s3/i,
  breaking: true,
  check: (ctx) => s3Check(ctx, spec, 'public access is blocked'),
  fix: (ctx) => ({ ...s3Fix(ctx, spec), confidence: 'medium' }),
};
