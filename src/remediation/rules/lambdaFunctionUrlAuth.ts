/** Lambda function URLs require IAM authentication. */
import { attrRule } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Require IAM auth';

export const rule = attrRule({
  id: 'lambda-function-url-iam-auth',
  title: 'Lambda function URL requires IAM authentication',
  requirement: 'authorization_type = "AWS_IAM" on the Lambda function URL.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_258'],
  resourceTypes: ['aws_lambda_function_url'],
  keywords: /function url/i,
  responseTypes: /lambda|function/i,
  breaking: true,
  settings: [
    {
      path: ['authorization_type'],
      ok: (v) => v !== 'NONE',
      value: '"AWS_IAM"',
      expect: '"AWS_IAM"',
    },
  ],
  explanation:
    'Makes the function URL accept only SigV4-signed requests from principals allowed by IAM, instead of anyone on the internet. Applied in place.',
  breakingChanges: [
    'Unsigned callers (browsers, webhooks, third parties) get 403 Forbidden: they must sign requests with IAM credentials, or the URL must be fronted by something that does (API Gateway, CloudFront with origin access control).',
  ],
});
