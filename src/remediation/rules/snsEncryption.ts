/** SNS topics encrypt messages at rest. */
import { attrRule } from './attrRule';
import { nonEmptyString as nonEmpty } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable KMS encryption';

export const rule = attrRule({
  id: 'sns-encryption',
  title: 'SNS topic encryption',
  requirement: 'kms_master_key_id is set on the topic.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_26'],
  resourceTypes: ['aws_sns_topic'],
  keywords: /\bsns\b.*encrypt|encrypt.*\b(sns|topic)/i,
  responseTypes: /sns|topic/i,
  breaking: false,
  settings: [{ path: ['kms_master_key_id'], ok: nonEmpty, value: '"alias/aws/sns"', expect: 'a KMS key' }],
  explanation:
    'Encrypts messages at rest with the AWS managed key for SNS (alias/aws/sns). Publishers that are AWS services (CloudWatch alarms, S3 events) need a customer managed key with a policy instead; switch to one if they must publish.',
  additionalRequirements: [
    'AWS services that publish to this topic (EventBridge, CloudWatch alarms, S3 notifications) cannot use alias/aws/sns; give them a customer managed key if they publish here.',
  ],
  confidence: 'medium',
});
