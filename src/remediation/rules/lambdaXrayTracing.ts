/** Lambda functions send traces to AWS X-Ray. */
import { attrRule } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable X-Ray tracing';

export const rule = attrRule({
  id: 'lambda-xray-tracing',
  title: 'Lambda X-Ray tracing',
  requirement: 'tracing_config { mode = "Active" } (or "PassThrough") on the Lambda function.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_50'],
  resourceTypes: ['aws_lambda_function'],
  keywords: /x-?ray|lambda.*tracing/i,
  responseTypes: /lambda|function/i,
  breaking: false,
  settings: [
    {
      path: ['tracing_config', 'mode'],
      ok: (v) => v === 'Active' || v === 'PassThrough',
      value: '"Active"',
      expect: '"Active" or "PassThrough"',
    },
  ],
  explanation:
    'Turns on active X-Ray tracing for the function (sampled requests are traced). Applied in place.',
  confidence: 'medium',
  additionalRequirements: [
    "The function's execution role needs xray:PutTraceSegments and xray:PutTelemetryRecords (e.g. the AWSXRayDaemonWriteAccess managed policy); without them the update is rejected.",
    'X-Ray traces beyond the free tier are billed.',
  ],
});
