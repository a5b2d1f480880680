/**
 * VPCs have flow logs. The fix sends them where the module already sends flow logs (another VPC's
 * aws_flow_log destination and role), else to an existing flow-log log group, else to a new log group
 * that is itself compliant: encrypted with a KMS key (an existing one CloudWatch Logs may use, or a new
 * rotating key with a policy for logs.<region>.amazonaws.com) and kept 365 days, written by a role
 * (an existing flow-log role, or a new one limited to that log group).
 */
import type { HclBlock } from '../../terraform';
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
  q,
  read,
  referencing,
  single,
  type IdentityRefs,
} from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable flow logs';

/** Attributes of an existing aws_flow_log that say where it delivers and as whom. */
const DESTINATION_ATTRS = ['log_destination_type', 'log_destination', 'log_group_name', 'iam_role_arn'];

/** An expression that means the same in another block (no each/count/self). */
const portable = (text: string): boolean => !/\b(each|count|self)\./.test(text);

/** What the new flow log writes to, the blocks it needs, and what a reviewer is told. */
interface Plan {
  /** Attribute lines of the new aws_flow_log besides vpc_id/traffic_type. */
  attrs: string[];
  blocks: string[];
  reused: string[];
  created: string[];
}

/** Another VPC's flow log whose destination (and role) can be shared. */
function existingFlowLog(ctx: RuleContext): HclBlock | undefined {
  return moduleBlocks(ctx).find(
    (f) =>
      f.labels[0] === 'aws_flow_log' &&
      single(f) &&
      (f.attributes.log_destination || f.attributes.log_group_name) &&
      DESTINATION_ATTRS.every((a) => !f.attributes[a] || portable(f.attributes[a].exprText)),
  );
}

/** Labels and names of flow-log log groups: flow, flow_logs, /vpc/flow-logs/…, vpc-flow (not "workflow"). */
const FLOW_NAME = /(^|[\s/_-])flow([\s/_-]|$)|flow[-_]?logs?/i;

/** A log group of the module named for flow logs. */
function existingLogGroup(ctx: RuleContext): HclBlock | undefined {
  return moduleBlocks(ctx).find((g) => {
    if (g.labels[0] !== 'aws_cloudwatch_log_group' || !single(g)) return false;
    const name = read(ctx, 'name', g);
    const text = `${g.labels[1]} ${name.set ? (name.known ? String(name.value) : name.text) : ''}`;
    return FLOW_NAME.test(text);
  });
}

/** A role of the module that VPC Flow Logs may assume. */
function existingRole(ctx: RuleContext): HclBlock | undefined {
  return moduleBlocks(ctx).find(
    (r) =>
      r.labels[0] === 'aws_iam_role' &&
      single(r) &&
      /vpc-flow-logs\.amazonaws\.com/.test(policyText(ctx, r, 'assume_role_policy')),
  );
}

/** A key CloudWatch Logs may already use for any log group of the account. */
function existingLogsKey(ctx: RuleContext): HclBlock | undefined {
  const keys = moduleBlocks(ctx).filter((k) => k.labels[0] === 'aws_kms_key' && single(k));
  const usedByLogGroup = keys.find((k) =>
    moduleBlocks(ctx).some(
      (g) =>
        g.labels[0] === 'aws_cloudwatch_log_group' &&
        new RegExp(`\\b${k.localAddress.replace('.', '\\.')}\\.arn\\b`).test(
          g.attributes.kms_key_id?.exprText ?? '',
        ),
    ),
  );
  if (usedByLogGroup) return usedByLogGroup;
  return keys.find((k) => {
    const p = policyText(ctx, k, 'policy');
    const scoped = /aws:logs:arn/.test(p) && !/log-group:\*/.test(p);
    return /logs\.[^"\s]*amazonaws\.com/.test(p) && !scoped;
  });
}

/** Key policy of a new flow-log key: the account administers it; CloudWatch Logs uses it for the log group. */
function logsKeyPolicy(ids: IdentityRefs, logGroupPrefix: string): string {
  const arn = `arn:\${${ids.partition}}:logs:\${${ids.region}}:\${${ids.account}}:log-group:${logGroupPrefix}*`;
  return kmsKeyPolicy(ids, [
    {
      sid: 'AllowCloudWatchLogs',
      principal: `{ Service = "logs.\${${ids.region}}.amazonaws.com" }`,
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      condition: `{\n  ArnLike = {\n    "kms:EncryptionContext:aws:logs:arn" = "${arn}"\n  }\n}`,
    },
  ]);
}

/**
 * A policy letting a role write to one log group, and (when `newRole` names a label) the role VPC Flow
 * Logs assumes for this account's flow logs only. `role`: the role's address.
 */
function roleBlocks(
  ctx: RuleContext,
  ids: IdentityRefs,
  role: { addr: string; newLabel?: string },
  lg: string,
): { blocks: string[]; policy: string } {
  const b = need(ctx);
  const roleBlock = `resource "aws_iam_role" "${role.newLabel ?? ''}" {
  name_prefix = ${q(`${b.labels[1].slice(0, 20)}-flow-logs-`)}
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = ${ids.account} }
        ArnLike      = { "aws:SourceArn" = "arn:\${${ids.partition}}:ec2:\${${ids.region}}:\${${ids.account}}:vpc-flow-log/*" }
      }
    }]
  })
}`;
  const policyLabel = newLabel(ctx, 'aws_iam_role_policy', '_flow_logs');
  const policy = `resource "aws_iam_role_policy" "${policyLabel}" {
  role = ${role.addr}.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteFlowLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = [aws_cloudwatch_log_group.${lg}.arn, "\${aws_cloudwatch_log_group.${lg}.arn}:*"]
      },
      {
        Sid      = "FindLogGroups"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = "arn:\${${ids.partition}}:logs:\${${ids.region}}:\${${ids.account}}:log-group:*"
      }
    ]
  })
}`;
  return {
    blocks: role.newLabel ? [roleBlock, policy] : [policy],
    policy: `aws_iam_role_policy.${policyLabel}`,
  };
}

/** Plan with a new log group (KMS-encrypted, 365 days) and the role that writes to it. */
function newLogGroupPlan(ctx: RuleContext): Plan {
  const b = need(ctx);
  const ids = identityRefs(ctx);
  const lg = newLabel(ctx, 'aws_cloudwatch_log_group', '_flow_logs');
  const prefix = `/vpc/flow-logs/${b.labels[1]}-`;
  const plan: Plan = { attrs: [], blocks: [...ids.blocks], reused: [], created: [] };
  const key = existingLogsKey(ctx);
  let keyRef: string;
  if (key) {
    keyRef = `${key.localAddress}.arn`;
    plan.reused.push(`the KMS key ${key.localAddress} (CloudWatch Logs already uses it)`);
  } else {
    const kl = newLabel(ctx, 'aws_kms_key', '_flow_logs');
    plan.blocks.push(
      kmsKeyBlock(kl, `Encrypts the flow logs of ${b.localAddress}`, logsKeyPolicy(ids, prefix)),
    );
    keyRef = `aws_kms_key.${kl}.arn`;
    plan.created.push(
      `aws_kms_key.${kl} (rotation on; policy: account root administers, CloudWatch Logs uses it)`,
    );
  }
  plan.blocks.push(
    `resource "aws_cloudwatch_log_group" "${lg}" {\n  name_prefix       = ${q(prefix)}\n  retention_in_days = 365\n  kms_key_id        = ${keyRef}\n}`,
  );
  plan.created.push(`aws_cloudwatch_log_group.${lg} (KMS-encrypted, kept 365 days)`);
  const role = existingRole(ctx);
  const roleLabel = role ? undefined : newLabel(ctx, 'aws_iam_role', '_flow_logs');
  const roleAddr = role ? role.localAddress : `aws_iam_role.${roleLabel}`;
  const r = roleBlocks(ctx, ids, { addr: roleAddr, newLabel: roleLabel }, lg);
  plan.blocks.push(...r.blocks);
  if (role) plan.reused.push(`the flow-log role ${roleAddr} (given write access to the new log group)`);
  else plan.created.push(`${roleAddr} (assumable by VPC Flow Logs of this account only)`);
  plan.created.push(`${r.policy} (writes to this log group only)`);
  plan.attrs.push(`log_destination = aws_cloudwatch_log_group.${lg}.arn`, `iam_role_arn = ${roleAddr}.arn`);
  return plan;
}

/** Where the flow log goes: what the module already has first, new compliant companions last. */
function plan(ctx: RuleContext): Plan {
  const other = existingFlowLog(ctx);
  if (other) {
    const attrs = DESTINATION_ATTRS.filter((a) => other.attributes[a]).map(
      (a) => `${a} = ${other.attributes[a].exprText}`,
    );
    const what = other.attributes.iam_role_arn ? 'destination and role' : 'destination';
    return { attrs, blocks: [], reused: [`the ${what} of ${other.localAddress}`], created: [] };
  }
  const lg = existingLogGroup(ctx);
  if (!lg) return newLogGroupPlan(ctx);
  const role = existingRole(ctx);
  if (role)
    return {
      attrs: [`log_destination = ${lg.localAddress}.arn`, `iam_role_arn = ${role.localAddress}.arn`],
      blocks: [],
      reused: [`the log group ${lg.localAddress}`, `the flow-log role ${role.localAddress}`],
      created: [],
    };
  const ids = identityRefs(ctx);
  const roleLabel = newLabel(ctx, 'aws_iam_role', '_flow_logs');
  const roleAddr = `aws_iam_role.${roleLabel}`;
  const r = roleBlocks(ctx, ids, { addr: roleAddr, newLabel: roleLabel }, lg.labels[1]);
  return {
    attrs: [`log_destination = ${lg.localAddress}.arn`, `iam_role_arn = ${roleAddr}.arn`],
    blocks: [...ids.blocks, ...r.blocks],
    reused: [`the log group ${lg.localAddress}`],
    created: [
      `${roleAddr} (assumable by VPC Flow Logs of this account only)`,
      `${r.policy} (writes to this log group only)`,
    ],
  };
}

export const rule: Rule = {
  id: 'vpc-flow-logs',
  title: 'VPC flow logs enabled',
  requirement: 'An aws_flow_log references the VPC.',
  vantaTestIds: ['flow-logs-on-config'],
  checkovIds: ['CKV2_AWS_11'],
  resourceTypes: ['aws_vpc'],
  keywords: /flow log/i,
  responseTypes: /vpc/i,
  breaking: false,
  check(ctx) {
    const logs = referencing(ctx, 'aws_flow_log', 'vpc_id', '__none__');
    return logs.length
      ? { status: 'compliant', reasons: [`flow log ${logs[0].localAddress} covers the VPC`] }
      : { status: 'non_compliant', reasons: ['no aws_flow_log references this VPC'] };
  },
  fix(ctx) {
    const b = need(ctx);
    const label = newLabel(ctx, 'aws_flow_log');
    const own = b.localAddress;
    const vpcRef = b.attributes.for_each
      ? 'each.value.id'
      : b.attributes.count
        ? `${own}[count.index].id`
        : `${own}.id`;
    const meta = b.attributes.for_each
      ? `  for_each = ${own}\n`
      : b.attributes.count
        ? `  count = length(${own})\n`
        : '';
    const p = plan(ctx);
    const flowLog = `resource "aws_flow_log" "${label}" {\n${meta}  vpc_id       = ${vpcRef}\n  traffic_type = "ALL"\n${p.attrs.map((a) => `  ${a}\n`).join('')}}`;
    const reused = p.reused.length ? ` Reuses ${p.reused.join(' and ')}.` : '';
    const created = p.created.length ? ` Adds ${p.created.join(', ')}.` : '';
    return patch({
      edits: [insertAfterTarget(ctx, [...p.blocks, flowLog])],
      explanation: `Enables VPC flow logs for ${own}: all traffic is recorded.${reused}${created}`,
      changedAttributes: ['aws_flow_log'],
      confidence: p.reused.length ? 'medium' : 'high',
      additionalRequirements: [
        ...(p.created.length ? [`Adds ${p.created.join(', ')}; CloudWatch ingestion is billed per GB.`] : []),
        ...(p.reused.length
          ? [`Reuses ${p.reused.join(' and ')}: confirm the role may write to that destination.`]
          : []),
      ],
    });
  },
};
