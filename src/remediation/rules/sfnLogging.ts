/** Step Functions state machines log execution history (with input/output) to an existing log group. */
import type { Rule } from '../types';
import { eq } from './attrRule';
import { holds, need, nestedAt, patch, result, setAttrs } from './helpers';
import { existingLogGroup } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable execution logging';

const REQS = (dest: string) => [
  `The state machine's role needs logs:CreateLogDelivery, logs:GetLogDelivery, logs:UpdateLogDelivery, logs:DeleteLogDelivery, logs:ListLogDeliveries, logs:PutResourcePolicy, logs:DescribeResourcePolicies and logs:DescribeLogGroups to deliver to ${dest}.`,
  'include_execution_data writes execution input and output to the logs: make sure they hold no secrets, or restrict who reads the log group.',
];

export const rule: Rule = {
  id: 'sfn-execution-logging',
  title: 'Step Functions execution history logging',
  requirement: 'logging_configuration { log_destination, include_execution_data = true, level = "ALL" }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_285'],
  resourceTypes: ['aws_sfn_state_machine'],
  keywords: /(step function|state machine|\bsfn\b).*(log|execution history)/i,
  responseTypes: /state machine|step function/i,
  breaking: false,
  prerequisites: 'An existing log group named for state machine logs (or an existing log destination).',
  impactNote: 'CloudWatch Logs ingestion; execution input and output are logged.',
  check(ctx) {
    need(ctx);
    const ok = holds(ctx, 'logging_configuration.include_execution_data', eq(true));
    return result(
      ok ? [] : ['logging_configuration.include_execution_data is not true'],
      'execution history is logged',
    );
  },
  fix(ctx) {
    const b = need(ctx);
    const cfg = nestedAt(b, ['logging_configuration']);
    const values: [string, string][] = [['include_execution_data', 'true']];
    let dest = 'its log destination';
    if (!cfg?.attributes.log_destination) {
      const found = existingLogGroup(ctx, /state|sfn|step|workflow/i);
      if (!found)
        throw new Error(
          "the module has no log group for state machine logs (label or name naming states/sfn/step): which log group receives them is the team's choice",
        );
      dest = found.block.localAddress;
      values.unshift(['log_destination', `"\${${dest}.arn}:*"`]);
      if (!cfg?.attributes.level) values.push(['level', '"ALL"']);
    }
    return patch({
      edits: setAttrs(ctx, b, ['logging_configuration'], values),
      explanation: `Logs the state machine's execution history, with input and output, to ${dest}. Changed: ${values.map(([k]) => `logging_configuration.${k}`).join(', ')}.`,
      changedAttributes: values.map(([k]) => `logging_configuration.${k}`),
      confidence: 'medium',
      additionalRequirements: REQS(dest),
    });
  },
};
