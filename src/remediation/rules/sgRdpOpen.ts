/** No security group allows RDP from the internet. */
import { sgRule } from './sgCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Deny public RDP';

export const rule = sgRule(
  {
    id: 'sg-rdp-restricted',
    title: 'Security group RDP not open to the world',
    vantaTestIds: [],
    checkovIds: ['CKV_AWS_25'],
    keywords: /\brdp\b|remote desktop|port 3389/i,
  },
  3389,
  'RDP',
);
