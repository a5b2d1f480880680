/** Lambda environment variables are encrypted with a customer managed KMS key the repository has. */
import type { RuleContext } from '../types';
import { reuseRule, usedBySiblings } from './computeCommon';
import { need } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt environment variables with KMS';

/** Without environment variables there is nothing to encrypt (Checkov does not evaluate it). */
function noEnvironment(ctx: RuleContext): string | null {
  return need(ctx).blocks.some((n) => n.type === 'environment')
    ? null
    : 'the function has no environment variables';
}

export const rule = reuseRule({
  id: 'lambda-env-kms',
  title: 'Lambda environment variables encrypted with a customer managed key',
  requirement: 'kms_key_arn is set on a Lambda function that has environment variables.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_173'],
  resourceTypes: ['aws_lambda_function'],
  keywords: /lambda.*(environment|env).*(kms|encrypt)/i,
  responseTypes: /lambda|function/i,
  breaking: true,
  path: ['kms_key_arn'],
  notApplicable: noEnvironment,
  choose: (ctx) => usedBySiblings(ctx, ['kms_key_arn']),
  teamChoice: { suffix: 'kms_key_arn', what: 'customer managed KMS key' },
  missing:
    "no KMS key to reuse: no other Lambda function in the module sets kms_key_arn, and which customer managed key (and key policy) protects these variables is the team's choice",
  explanation:
    "Encrypts the function's environment variables at rest with the customer managed key the module's other functions use.",
  breakingChanges: [
    "The function's execution role must be allowed kms:Decrypt on the key (key policy or IAM); otherwise invocations fail with KMSAccessDeniedException.",
  ],
  additionalRequirements: ["Allow the function's execution role kms:Decrypt on the key before merging."],
});
