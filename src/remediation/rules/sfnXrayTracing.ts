/** Step Functions state machines trace executions with AWS X-Ray. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable X-Ray tracing';

export const rule = attrRule({
  id: 'sfn-xray-tracing',
  title: 'Step Functions X-Ray tracing',
  requirement: 'tracing_configuration { enabled = true }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_284'],
  resourceTypes: ['aws_sfn_state_machine'],
  keywords: /(step function|state machine|\bsfn\b).*(x-?ray|trac)/i,
  responseTypes: /state machine|step function/i,
  breaking: false,
  impactNote: 'X-Ray traces are billed; the role needs X-Ray write permissions.',
  settings: [{ path: ['tracing_configuration', 'enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation: 'Traces state machine executions with AWS X-Ray.',
  additionalRequirements: [
    "The state machine's role needs xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules and xray:GetSamplingTargets (e.g. the AWSXrayWriteOnlyAccess policy).",
  ],
});
