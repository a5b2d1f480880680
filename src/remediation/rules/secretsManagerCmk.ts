/** Secrets Manager secrets are encrypted with a customer managed KMS key the module already has. */
import type { HclValue } from '../../terraform';
import { existingKey, refRule } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

/** A key that is not an AWS managed alias (alias/aws/secretsmanager). */
const customerKey = (v: HclValue): boolean => typeof v === 'string' && v.length > 0 && !v.includes('aws/');

export const rule = refRule({
  id: 'secretsmanager-cmk',
  title: 'Secrets Manager secret encrypted with a customer managed key',
  requirement: 'kms_key_id is a customer managed key (not aws/secretsmanager).',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_149'],
  resourceTypes: ['aws_secretsmanager_secret'],
  keywords: /secret.*(kms|cmk|customer managed|encrypt)/i,
  responseTypes: /secret/i,
  breaking: false,
  prerequisites: 'An existing customer managed KMS key in the module (none is created).',
  impactNote: 'Readers need kms:Decrypt on the key.',
  path: ['kms_key_id'],
  ok: customerKey,
  find: (ctx) => existingKey(ctx, ['kms_key_id'], /secret/i),
  values: (key) => [['kms_key_id', `${key.localAddress}.arn`]],
  teamChoice: {
    suffix: 'kms_key_arn',
    what: 'customer managed KMS key',
    values: (ref) => [['kms_key_id', ref]],
  },
  missing:
    "the module has no customer managed KMS key for secrets to reuse; which key protects the secret is the team's choice",
  explanation:
    'Encrypts the secret with a customer managed KMS key; Secrets Manager re-encrypts the current versions online.',
  additionalRequirements: (key) => [
    `Everything that reads the secret needs kms:Decrypt on ${key.localAddress} (its key policy or IAM policies), or reads start failing.`,
  ],
});
