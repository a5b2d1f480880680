/** S3 buckets encrypt objects at rest by default (SSE). */
import type { Rule } from '../types';
import { nestedAt, q, read, setAttr, setAttrs, need } from './helpers';
import { s3Check, s3Fix, type S3SettingSpec } from './s3common';

const ALGOS = ['AES256', 'aws:kms', 'aws:kms:dsse'];
const inlinePath = [
  'server_side_encryption_configuration',
  'rule',
  'apply_server_side_encryption_by_default',
];

const spec: S3SettingSpec = {
  configType: 'aws_s3_bucket_server_side_encryption_configuration',
  hasInline: (ctx) => Boolean(ctx.block && nestedAt(ctx.block, ['server_side_encryption_configuration'])),
  inlineProblems: (ctx) => {
    const a = read(ctx, [...inlinePath, 'sse_algorithm'].join('.'));
    return a.set && a.known && ALGOS.includes(String(a.value))
      ? []
      : ['sse_algorithm is not AES256 or aws:kms'];
  },
  configProblems: (ctx, cfg) => {
    const a = read(ctx, 'rule.apply_server_side_encryption_by_default.sse_algorithm', cfg);
    return a.set && a.known && ALGOS.includes(String(a.value))
      ? []
      : ['sse_algorithm is not AES256 or aws:kms'];
  },
  fixConfig: (ctx, cfg) =>
    setAttrs(ctx, cfg, ['rule', 'apply_server_side_encryption_by_default'], [['sse_algorithm', q('AES256')]]),
  fixInline: (ctx) => [setAttr(ctx, need(ctx), [...inlinePath, 'sse_algorithm'], q('AES256'))],
  newConfigBody: (_ctx, bucket) =>
    `bucket = ${bucket}\n\nrule {\n  apply_server_side_encryption_by_default {\n    sse_algorithm = "AES256"\n  }\n}`,
  explanation:
    'Enables default server-side encryption (SSE-S3, AES256) so every new object is encrypted at rest.',
  changedAttributes: [
    'server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm',
  ],
};

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable default encryption';

export const rule: Rule = {
  id: 's3-bucket-encryption',
  title: 'S3 bucket default encryption',
  requirement: 'The bucket has a default server-side encryption rule (AES256 or aws:kms).',
  vantaTestIds: [],
  // CKV_AWS_19 is not claimed: Checkov passes a bucket without any encryption configuration (S3 encrypts
  // new objects by default since 2023) and fails only an invalid sse_algorithm, so this fix never turns it.
  checkovIds: [],
  resourceTypes: ['aws_s3_bucket'],
  keywords: /\bs3\b.*encrypt|encrypt.*\b(s3|bucket)/i,
  responseTypes: /s3/i,
  breaking: false,
  check: (ctx) => s3Check(ctx, spec, 'default encryption is configured'),
  fix: (ctx) => s3Fix(ctx, spec),
};
