/**
 * DynamoDB tables are encrypted with a customer managed KMS key. The fix reuses a suitable key the
 * module already has (one another table uses, one named for DynamoDB, or a general-purpose key);
 * only without one does it add a rotating key whose policy lets the account administer it and
 * DynamoDB use it.
 */
import { collectRefs, type HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import {
  identityRefs,
  insertAfterTarget,
  kmsKeyBlock,
  kmsKeyPolicy,
  moduleBlocks,
  need,
  newLabel,
  patch,
  policyText,
  setAttrs,
  type IdentityRefs,
  stringAttr,
  usableKmsKeys,
} from './helpers';
import { kmsRule } from './kmsCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

const EXPLANATION =
  'Encrypts the table with a customer managed KMS key instead of the AWS owned key; the switch happens online.';

const base = kmsRule({
  id: 'dynamodb-cmk-encryption',
  title: 'DynamoDB encryption with a customer managed key',
  requirement: 'server_side_encryption { enabled = true, kms_key_arn = <CMK> }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_119'],
  resourceTypes: ['aws_dynamodb_table'],
  keywords: /dynamo.*(kms|cmk|customer managed|encrypt)/i,
  responseTypes: /dynamo/i,
  nested: ['server_side_encryption'],
  attribute: 'kms_key_arn',
  with: [['enabled', 'true']],
  explanation: EXPLANATION,
});

/** Words (of a key's label or description) that name another service: such a key is not reused for a table. */
const OTHER_SERVICE = new Set(
  'trail cloudtrail log logs cloudwatch sns sqs topic queue ebs volume rds aurora s3 bucket lambda secret secrets eks efs ecr backup ssm'.split(
    ' ',
  ),
);

/** The key's label or description names another service. */
const forOtherService = (text: string): boolean =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((w) => OTHER_SERVICE.has(w));

/** The existing key the table should use and why, else null. */
export function reusableTableKey(ctx: RuleContext): { key: HclBlock; why: string } | null {
  const own = need(ctx).localAddress;
  const keys = usableKmsKeys(ctx);
  const byAddr = new Map(keys.map((k) => [k.localAddress, k]));
  for (const t of moduleBlocks(ctx)) {
    if (t.labels[0] !== 'aws_dynamodb_table' || t.localAddress === own) continue;
    const sse = t.blocks.find((n) => n.type === 'server_side_encryption');
    const arn = sse?.attributes.kms_key_arn;
    const ref = arn && collectRefs(arn.expr).find((r) => byAddr.has(r.split('.').slice(0, 2).join('.')));
    if (ref) {
      const key = byAddr.get(ref.split('.').slice(0, 2).join('.'))!;
      return { key, why: `it already encrypts ${t.localAddress}` };
    }
  }
  const named = keys.find((k) =>
    /dynamo/i.test(`${k.labels[1]} ${stringAttr(ctx, k, 'description')} ${policyText(ctx, k, 'policy')}`),
  );
  if (named) return { key: named, why: 'its name, description or key policy is for DynamoDB' };
  const general = keys.find((k) => {
    const policy = policyText(ctx, k, 'policy');
    const generalPolicy = !policy || (/:root/.test(policy) && !/Service/.test(policy));
    return generalPolicy && !forOtherService(`${k.labels[1]} ${stringAttr(ctx, k, 'description')}`);
  });
  return general
    ? { key: general, why: 'a general-purpose key whose policy leaves its use to the account IAM policies' }
    : null;
}

/** Key policy of a new table key: the account administers it, DynamoDB uses it for the account. */
function tableKeyPolicy(ids: IdentityRefs): string {
  return kmsKeyPolicy(ids, [
    {
      sid: 'AllowUseThroughDynamoDB',
      principal: `{ AWS = "arn:\${${ids.partition}}:iam::\${${ids.account}}:root" }`,
      actions: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:CreateGrant',
        'kms:DescribeKey',
      ],
      condition: `{\n  StringEquals = {\n    "kms:ViaService"    = "dynamodb.\${${ids.region}}.amazonaws.com"\n    "kms:CallerAccount" = ${ids.account}\n  }\n}`,
    },
    {
      sid: 'AllowDynamoDBDescribeKey',
      principal: '{ Service = "dynamodb.amazonaws.com" }',
      actions: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
    },
  ]);
}

function fix(ctx: RuleContext) {
  const b = need(ctx);
  const found = reusableTableKey(ctx);
  const keyRef = (addr: string) =>
    setAttrs(
      ctx,
      b,
      ['server_side_encryption'],
      [
        ['enabled', 'true'],
        ['kms_key_arn', `${addr}.arn`],
      ],
    );
  if (found) {
    const addr = found.key.localAddress;
    return patch({
      edits: keyRef(addr),
      explanation: `${EXPLANATION} Reuses the existing customer managed key ${addr} (${found.why}); no new key is created.`,
      changedAttributes: ['server_side_encryption.kms_key_arn'],
      confidence: 'medium',
      additionalRequirements: [
        `Uses the existing key ${addr}: whoever reads the table needs kms:Decrypt on it through DynamoDB (its key policy or IAM policies).`,
      ],
    });
  }
  const label = newLabel(ctx, 'aws_kms_key');
  const ids = identityRefs(ctx);
  const key = kmsKeyBlock(label, `Encrypts ${b.localAddress}`, tableKeyPolicy(ids));
  return patch({
    edits: [...keyRef(`aws_kms_key.${label}`), insertAfterTarget(ctx, [...ids.blocks, key])],
    explanation: `${EXPLANATION} The module has no key to reuse, so it adds the customer managed key aws_kms_key.${label}: automatic rotation on, and a key policy in which the account root administers the key and principals of the account use it only through DynamoDB (kms:ViaService dynamodb.<region>.amazonaws.com).`,
    changedAttributes: ['server_side_encryption.kms_key_arn'],
    confidence: 'medium',
    additionalRequirements: [
      `Adds aws_kms_key.${label}; review its key policy and who may administer it. KMS keys cost about $1/month plus requests.`,
    ],
  });
}

export const rule: Rule = { ...base, fix };
