/** Firehose delivery streams encrypt at rest with a customer managed KMS key the module already has. */
import type { Rule } from '../types';
import { eq } from './attrRule';
import { holds, need, nestedAt, nonEmptyString, read } from './helpers';
import { existingKey, refRule } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

const SSE = 'server_side_encryption';

const base = refRule({
  id: 'firehose-cmk',
  title: 'Firehose delivery stream encrypted with a customer managed key',
  requirement:
    'server_side_encryption { enabled = true, key_type = "CUSTOMER_MANAGED_CMK", key_arn = <existing CMK> }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_241', 'CKV_AWS_240'],
  resourceTypes: ['aws_kinesis_firehose_delivery_stream'],
  keywords: /firehose.*(kms|cmk|customer managed)/i,
  responseTypes: /firehose|delivery stream/i,
  breaking: false,
  prerequisites:
    'An existing customer managed KMS key in the module (none is created); a Direct PUT delivery stream.',
  impactNote: 'Online; the key policy must let Firehose use the key.',
  path: [SSE, 'key_arn'],
  notApplicable: (ctx) =>
    nestedAt(need(ctx), ['kinesis_source_configuration'])
      ? 'the delivery stream reads from a Kinesis data stream (encrypt the source stream)'
      : null,
  find: (ctx) => existingKey(ctx, [SSE, 'key_arn'], /firehose|delivery|stream/i),
  teamChoice: {
    suffix: 'kms_key_arn',
    what: 'customer managed KMS key',
    values: (ref) => [
      ['enabled', 'true'],
      ['key_type', '"CUSTOMER_MANAGED_CMK"'],
      ['key_arn', ref],
    ],
  },
  values: (key) => [
    ['enabled', 'true'],
    ['key_type', '"CUSTOMER_MANAGED_CMK"'],
    ['key_arn', `${key.localAddress}.arn`],
  ],
  missing:
    "the module has no customer managed KMS key for Firehose to reuse; which key encrypts the stream is the team's choice",
  explanation: 'Encrypts records at rest in the delivery stream with a customer managed KMS key.',
  additionalRequirements: (key) => [
    `The key policy of ${key.localAddress} must let Firehose create grants (kms:CreateGrant, kms:Decrypt, kms:GenerateDataKey) for this account.`,
  ],
});

export const rule: Rule = {
  ...base,
  check(ctx) {
    const r = base.check(ctx);
    if (r.status === 'non_compliant' || r.reasons[0]?.startsWith('not applicable')) return r;
    const problems = [
      ...(holds(ctx, `${SSE}.enabled`, eq(true)) ? [] : [`${SSE}.enabled is not true`]),
      ...(holds(ctx, `${SSE}.key_type`, eq('CUSTOMER_MANAGED_CMK'))
        ? []
        : [`${SSE}.key_type is not CUSTOMER_MANAGED_CMK`]),
    ];
    const key = read(ctx, `${SSE}.key_arn`);
    if (key.set && key.known && !nonEmptyString(key.value)) problems.push(`${SSE}.key_arn is empty`);
    return problems.length ? { status: 'non_compliant', reasons: problems } : r;
  },
};
