/** CodeBuild projects encrypt their artifacts with a customer managed KMS key the module already has. */
import { existingKey, refRule, str } from './platformCommon';
import { need, nestedAt } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with a customer managed key';

export const rule = refRule({
  id: 'codebuild-cmk',
  title: 'CodeBuild project encrypted with a customer managed key',
  requirement: 'encryption_key is set on projects that produce artifacts.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_147'],
  resourceTypes: ['aws_codebuild_project'],
  keywords: /codebuild.*(kms|cmk|customer managed)/i,
  responseTypes: /codebuild|build project/i,
  breaking: false,
  prerequisites: 'An existing customer managed KMS key in the module (none is created).',
  impactNote: 'The service role and artifact consumers need access to the key.',
  path: ['encryption_key'],
  notApplicable: (ctx) => {
    const b = need(ctx);
    if (!nestedAt(b, ['artifacts'])) return 'the project declares no artifacts';
    return str(ctx, b, 'artifacts.type') === 'NO_ARTIFACTS' ? 'the project produces no artifacts' : null;
  },
  find: (ctx) => existingKey(ctx, ['encryption_key'], /codebuild|build|artifact|pipeline/i),
  values: (key) => [['encryption_key', `${key.localAddress}.arn`]],
  teamChoice: {
    suffix: 'kms_key_arn',
    what: 'customer managed KMS key',
    values: (ref) => [['encryption_key', ref]],
  },
  missing:
    "the module has no customer managed KMS key for build artifacts to reuse; which key is the team's choice",
  explanation:
    'Encrypts the build artifacts with a customer managed KMS key instead of the AWS managed key for S3.',
  additionalRequirements: (key) => [
    `The project's service role needs kms:GenerateDataKey* / kms:Decrypt on ${key.localAddress}, and consumers of the artifacts kms:Decrypt.`,
  ],
});
