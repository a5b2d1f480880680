/** Lambda functions send failed asynchronous invocations to a dead-letter queue the repository has. */
import type { HclBlock } from '../../terraform';
import { onlyResourceArn, reuseRule, usedBySiblings } from './computeCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Configure a dead-letter queue';

/** A queue or topic whose label or name says it is a dead-letter target. */
const isDeadLetter = (b: HclBlock): boolean => {
  const n = b.attributes.name?.value;
  const name = n?.known ? String(n.value) : '';
  return /dlq|dead.?letter/i.test(`${b.labels[1] ?? ''} ${name}`);
};

export const rule = reuseRule({
  id: 'lambda-dlq',
  title: 'Lambda dead-letter queue',
  requirement: 'dead_letter_config { target_arn } is set on the Lambda function.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_116'],
  resourceTypes: ['aws_lambda_function'],
  keywords: /dead.?letter|\bdlq\b/i,
  responseTypes: /lambda|function/i,
  breaking: false,
  path: ['dead_letter_config', 'target_arn'],
  choose: (ctx) =>
    usedBySiblings(ctx, ['dead_letter_config', 'target_arn']) ??
    onlyResourceArn(ctx, ['aws_sqs_queue', 'aws_sns_topic'], isDeadLetter),
  teamChoice: { suffix: 'dead_letter_target_arn', what: 'dead-letter SQS queue or SNS topic' },
  missing:
    'no dead-letter queue to reuse: the module has no single SQS queue or SNS topic named as a dead-letter target and no other function sets dead_letter_config',
  explanation:
    "Sends asynchronous invocations that fail after Lambda's retries to the dead-letter queue instead of dropping them.",
  additionalRequirements: [
    "The function's execution role needs sqs:SendMessage (queue) or sns:Publish (topic) on the target, and a KMS-encrypted target needs kms:GenerateDataKey/Decrypt; Lambda rejects the change without them.",
  ],
});
