/** S3 buckets keep object versions. */
import type { Rule } from '../types';
import { isTrue, nestedAt, q, read, setAttr, setAttrs, need } from './helpers';
import { s3Check, s3Fix, type S3SettingSpec } from './s3common';

const spec: S3SettingSpec = {
  configType: 'aws_s3_bucket_versioning',
  hasInline: (ctx) => Boolean(ctx.block && nestedAt(ctx.block, ['versioning'])),
  inlineProblems: (ctx) => {
    const a = read(ctx, 'versioning.enabled');
    return a.set && a.known && isTrue(a.value) ? [] : ['versioning.enabled is not true'];
  },
  configProblems: (ctx, cfg) => {
    const a = read(ctx, 'versioning_configuration.status', cfg);
    return a.set && a.known && a.value === 'Enabled'
      ? []
      : ['versioning_configuration.status is not "Enabled"'];
  },
  fixConfig: (ctx, cfg) => setAttrs(ctx, cfg, ['versioning_configuration'], [['status', q('Enabled')]]),
  fixInline: (ctx) => [setAttr(ctx, need(ctx), ['versioning', 'enabled'], 'true')],
  newConfigBody: (_ctx, bucket) =>
    `bucket = ${bucket}\n\nversioning_configuration {\n  status = "Enabled"\n}`,
  explanation:
    'Enables S3 versioning so overwritten or deleted objects can be recovered. Storage costs grow with kept versions; consider a lifecycle rule for noncurrent versions.',
  changedAttributes: ['versioning'],
};

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable versioning';

export const rule: Rule = {
  id: 's3-versioning',
  title: 'S3 bucket versioning',
  requirement: 'Versioning is enabled on the bucket.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_21'],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\bs3\b.*version|version.*\b(s3|bucket)/i,
  responseTypes: /s3/i,
  breaking: false,
  check: (ctx) => s3Check(ctx, spec, 'versioning is enabled'),
  fix: (ctx) => s3Fix(ctx, spec),
};
