/** VPCs have flow logs. */
import type { Rule } from '../types';
import { insertAfterTarget, need, newLabel, patch, q, referencing } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable flow logs';

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
    const counted = b.attributes.count ? `${own}[0]` : own;
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
    const lg = newLabel(ctx, 'aws_cloudwatch_log_group', '_flow_logs');
    const role = newLabel(ctx, 'aws_iam_role', '_flow_logs');
    const blocks = [
      `resource "aws_cloudwatch_log_group" "${lg}" {\n  name_prefix       = ${q(`/vpc/flow-logs/${b.labels[1]}-`)}\n  retention_in_days = 365\n}`,
      `resource "aws_iam_role" "${role}" {\n  name_prefix = ${q(`${b.labels[1].slice(0, 20)}-flow-logs-`)}\n  assume_role_policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Principal = { Service = "vpc-flow-logs.amazonaws.com" }\n      Action    = "sts:AssumeRole"\n    }]\n  })\n}`,
      `resource "aws_iam_role_policy" "${role}" {\n  role = aws_iam_role.${role}.id\n  policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{\n      Effect   = "Allow"\n      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"]\n      Resource = "\${aws_cloudwatch_log_group.${lg}.arn}:*"\n    }]\n  })\n}`,
      `resource "aws_flow_log" "${label}" {\n${meta}  vpc_id          = ${vpcRef}\n  traffic_type    = "ALL"\n  log_destination = aws_cloudwatch_log_group.${lg}.arn\n  iam_role_arn    = aws_iam_role.${role}.arn\n}`,
    ];
    void counted;
    return patch({
      edits: [insertAfterTarget(ctx, blocks)],
      explanation: `Enables VPC flow logs for ${own}: all traffic is recorded to a CloudWatch log group kept for 365 days, written by a dedicated IAM role.`,
      changedAttributes: ['aws_flow_log'],
      confidence: 'high',
      additionalRequirements: [
        `Adds aws_cloudwatch_log_group.${lg}, aws_iam_role.${role} and aws_iam_role_policy.${role} for the flow log; CloudWatch ingestion is billed per GB.`,
      ],
    });
  },
};
