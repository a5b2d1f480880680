/** API Gateway stages trace requests with AWS X-Ray. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable X-Ray tracing';

export const rule = attrRule({
  id: 'apigw-stage-xray-tracing',
  title: 'API Gateway stage X-Ray tracing',
  requirement: 'xray_tracing_enabled = true on the stage.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_73'],
  resourceTypes: ['aws_api_gateway_stage'],
  keywords: /(api gateway|apigw|\bstage\b).*(x-?ray|trac)/i,
  responseTypes: /api gateway|stage/i,
  breaking: false,
  impactNote: 'X-Ray traces are billed per trace recorded.',
  settings: [{ path: ['xray_tracing_enabled'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Traces requests through the stage with AWS X-Ray (sampled; X-Ray traces are billed per trace).',
});
