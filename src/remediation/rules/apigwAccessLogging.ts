/** API Gateway stages write access logs to a CloudWatch log group the module already has. */
import { existingLogGroup, refRule } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable access logging';

/** One JSON line per request with the fields access reviews need. */
const FORMAT =
  'jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp", requestTime = "$context.requestTime", httpMethod = "$context.httpMethod", resourcePath = "$context.resourcePath", status = "$context.status", protocol = "$context.protocol", responseLength = "$context.responseLength" })';

export const rule = refRule({
  id: 'apigw-access-logging',
  title: 'API Gateway stage access logging',
  requirement: 'access_log_settings { destination_arn = <existing log group>, format }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_76'],
  resourceTypes: ['aws_api_gateway_stage', 'aws_apigatewayv2_stage'],
  keywords: /(api gateway|apigw|\bstage\b).*(access log|logging)/i,
  responseTypes: /api gateway|stage/i,
  breaking: false,
  prerequisites: 'An existing log group named for API access logs; the account API Gateway CloudWatch role.',
  impactNote: 'CloudWatch Logs ingestion per request.',
  path: ['access_log_settings', 'destination_arn'],
  find: (ctx) => existingLogGroup(ctx, /api|gateway|gw|access/i),
  teamChoice: {
    suffix: 'access_log_group_arn',
    what: 'CloudWatch log group for API access logs',
    values: (ref) => [
      ['destination_arn', ref],
      ['format', FORMAT],
    ],
  },
  values: (group) => [
    ['destination_arn', `${group.localAddress}.arn`],
    ['format', FORMAT],
  ],
  missing:
    "the module has no log group for API access logs (label or name naming api/gateway/access): which log group receives them is the team's choice",
  explanation: 'Writes one JSON access-log line per request (request id, source IP, method, path, status).',
  additionalRequirements: (group) => [
    `REST APIs log through the account's API Gateway CloudWatch role (aws_api_gateway_account.cloudwatch_role_arn); make sure the region has one, with permission to write to ${group.localAddress}.`,
  ],
});
