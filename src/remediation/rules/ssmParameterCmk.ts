/** SecureString SSM parameters are encrypted with a customer managed KMS key the module already has. */
import { existingKey, refRule, str } from './platformCommon';
import { need } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

export const rule = refRule({
  id: 'ssm-parameter-cmk',
  title: 'SSM SecureString parameter encrypted with a customer managed key',
  requirement: 'key_id is set on SecureString parameters.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_337'],
  resourceTypes: ['aws_ssm_parameter'],
  keywords: /(ssm|parameter store|parameter).*(kms|cmk|customer managed|encrypt)/i,
  responseTypes: /parameter|ssm/i,
  breaking: false,
  prerequisites: 'An existing customer managed KMS key in the module (none is created).',
  impactNote: 'Readers need kms:Decrypt on the key.',
  path: ['key_id'],
  notApplicable: (ctx) =>
    str(ctx, need(ctx), 'type') === 'SecureString' ? null : 'only SecureString parameters are encrypted',
  find: (ctx) => existingKey(ctx, ['key_id'], /ssm|parameter/i),
  values: (key) => [['key_id', `${key.localAddress}.arn`]],
  teamChoice: { suffix: 'kms_key_arn', what: 'customer managed KMS key', values: (ref) => [['key_id', ref]] },
  missing:
    "the module has no customer managed KMS key for parameters to reuse; which key protects them is the team's choice",
  explanation: 'Encrypts the SecureString parameter with a customer managed KMS key instead of aws/ssm.',
  additionalRequirements: (key) => [
    `Everything that reads the parameter with decryption needs kms:Decrypt on ${key.localAddress} (key policy or IAM).`,
  ],
});
