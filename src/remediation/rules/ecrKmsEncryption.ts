/** ECR repositories are encrypted with a customer managed KMS key the module already has. */
import { eq } from './attrRule';
import { existingKey, refRule } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Encrypt with KMS';

export const rule = refRule({
  id: 'ecr-kms-encryption',
  title: 'ECR repository encrypted with KMS',
  requirement: 'encryption_configuration { encryption_type = "KMS", kms_key = <existing CMK> }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_136'],
  resourceTypes: ['aws_ecr_repository'],
  keywords: /\becr\b.*(kms|encrypt)/i,
  responseTypes: /ecr|repositor/i,
  breaking: true,
  prerequisites: 'An existing customer managed KMS key in the module (none is created).',
  impactNote: 'Replaces the repository: its images are deleted.',
  path: ['encryption_configuration', 'encryption_type'],
  ok: eq('KMS'),
  find: (ctx) => existingKey(ctx, ['encryption_configuration', 'kms_key'], /ecr|registry|container|image/i),
  values: (key) => [
    ['encryption_type', '"KMS"'],
    ['kms_key', `${key.localAddress}.arn`],
  ],
  teamChoice: {
    suffix: 'kms_key_arn',
    what: 'customer managed KMS key',
    values: (ref) => [
      ['encryption_type', '"KMS"'],
      ['kms_key', ref],
    ],
  },
  missing:
    'the module has no customer managed KMS key for ECR to reuse; which key encrypts the images is the team\'s choice (add one, or set encryption_type = "KMS" with its ARN)',
  explanation: "Encrypts the repository's images with a customer managed KMS key instead of AES256.",
  breakingChanges: [
    'Changing encryption_configuration replaces the repository: its images are deleted. Push them again (or copy them to a new repository) before merging.',
  ],
  additionalRequirements: (key) => [
    `Principals that push or pull need kms:Decrypt / kms:GenerateDataKey on ${key.localAddress} (key policy or IAM).`,
  ],
});
