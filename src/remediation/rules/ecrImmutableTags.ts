/** ECR repositories use immutable tags. */
import type { HclValue } from '../../terraform';
import { attrRule } from './attrRule';

const immutable = (v: HclValue) => v === 'IMMUTABLE' || v === 'IMMUTABLE_WITH_EXCLUSION';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Make image tags immutable';

export const rule = attrRule({
  id: 'ecr-immutable-tags',
  title: 'ECR immutable image tags',
  requirement: 'image_tag_mutability = "IMMUTABLE".',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_51'],
  resourceTypes: ['aws_ecr_repository'],
  keywords: /\becr\b.*(immutab|mutab)|tag immutab/i,
  responseTypes: /ecr|repositor/i,
  breaking: true,
  settings: [{ path: ['image_tag_mutability'], ok: immutable, value: '"IMMUTABLE"', expect: '"IMMUTABLE"' }],
  explanation: 'Makes image tags immutable so a tag always names the same image.',
  breakingChanges: [
    'Pipelines that push the same tag twice (e.g. "latest") will fail; switch them to unique tags (commit SHA) before merging.',
  ],
});
