/** Kinesis data streams are encrypted at rest with KMS. */
import type { HclValue } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { attrRule, eq } from './attrRule';
import { nonEmptyString, read } from './helpers';
import { existingKey } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable KMS encryption';

const keyPath = ['kms_key_id'];

const spec = (key: string) =>
  attrRule({
    id: 'kinesis-stream-encryption',
    title: 'Kinesis stream encryption with KMS',
    requirement: 'encryption_type = "KMS" and a kms_key_id.',
    vantaTestIds: [],
    checkovIds: ['CKV_AWS_43', 'CKV_AWS_185'],
    resourceTypes: ['aws_kinesis_stream'],
    keywords: /kinesis.*(encrypt|kms)|(encrypt|kms).*kinesis/i,
    responseTypes: /kinesis|stream/i,
    breaking: false,
    impactNote:
      'Online; KMS request charges (customer managed key: producers and consumers need key access).',
    settings: [
      { path: ['encryption_type'], ok: eq('KMS'), value: '"KMS"', expect: '"KMS"' },
      { path: keyPath, ok: (v: HclValue) => nonEmptyString(v), value: key, expect: 'a KMS key' },
    ],
    explanation:
      key === '"alias/aws/kinesis"'
        ? 'Encrypts the stream at rest with the AWS managed key for Kinesis (alias/aws/kinesis); the module has no customer managed key to reuse. Encryption is applied online.'
        : `Encrypts the stream at rest with the existing customer managed key ${key.replace(/\.arn$/, '')}. Encryption is applied online.`,
    additionalRequirements:
      key === '"alias/aws/kinesis"'
        ? []
        : [
            `Producers and consumers need kms:GenerateDataKey / kms:Decrypt on ${key.replace(/\.arn$/, '')} (its key policy or IAM policies).`,
          ],
    confidence: 'medium',
  });

const base = spec('"alias/aws/kinesis"');

/** The existing key of the module the stream should use (`<key>.arn`), else the AWS managed alias. */
function keyFor(ctx: RuleContext): string {
  const found = existingKey(ctx, keyPath, /kinesis|stream/i);
  return found ? `${found.block.localAddress}.arn` : '"alias/aws/kinesis"';
}

/** encryption_type is KMS and a key is set (a reference to a key counts). */
function check(ctx: RuleContext) {
  const key = read(ctx, 'kms_key_id');
  if (key.set && !key.known) {
    const type = read(ctx, 'encryption_type');
    if (type.set && type.known && type.value === 'KMS')
      return {
        status: 'compliant' as const,
        reasons: [`encryption_type = "KMS" with kms_key_id ${key.text}`],
      };
  }
  return base.check(ctx);
}

export const rule: Rule = { ...base, check, fix: (ctx) => spec(keyFor(ctx)).fix(ctx) };
