/** ECR repositories scan images on push. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable image scanning on push';

export const rule = attrRule({
  id: 'ecr-scan-on-push',
  title: 'ECR image scanning on push',
  requirement: 'image_scanning_configuration { scan_on_push = true }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_163'],
  resourceTypes: ['aws_ecr_repository'],
  keywords: /\becr\b.*scan|image scan|vulnerabilit.*(container|image)/i,
  responseTypes: /ecr|repositor/i,
  breaking: false,
  settings: [
    { path: ['image_scanning_configuration', 'scan_on_push'], ok: eq(true), value: 'true', expect: 'true' },
  ],
  explanation: 'Scans every pushed image for known vulnerabilities.',
});
