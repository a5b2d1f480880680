/** Lambda functions validate code signatures with a code-signing configuration the repository has. */
import { onlyResourceArn, reuseRule, usedBySiblings } from './computeCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable code signing';

export const rule = reuseRule({
  id: 'lambda-code-signing',
  title: 'Lambda code signing',
  requirement: 'code_signing_config_arn is set on the Lambda function.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_272'],
  resourceTypes: ['aws_lambda_function'],
  keywords: /code.signing/i,
  responseTypes: /lambda|function/i,
  breaking: true,
  path: ['code_signing_config_arn'],
  choose: (ctx) =>
    usedBySiblings(ctx, ['code_signing_config_arn']) ??
    onlyResourceArn(ctx, ['aws_lambda_code_signing_config']),
  teamChoice: { suffix: 'code_signing_config_arn', what: 'Lambda code signing configuration' },
  missing:
    "no code-signing configuration to reuse: the module has no single aws_lambda_code_signing_config (with the team's signing profiles) and no other function sets code_signing_config_arn",
  explanation:
    'Makes Lambda validate the signature of every deployment package against the signing profiles of the code-signing configuration.',
  breakingChanges: [
    'With untrusted_artifact_on_deployment = "Enforce", deployments of unsigned or differently signed packages are rejected: the pipeline must sign the package with an allowed signing profile first.',
  ],
  additionalRequirements: [
    'The build pipeline signs deployment packages with AWS Signer using a profile the configuration allows.',
  ],
});
