/** No security group allows SSH from the internet. */
import { sgRule } from './sgCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Deny public SSH';

export const rule = sgRule(
  {
    id: 'sg-ssh-restricted',
    title: 'Security group SSH not open to the world',
    vantaTestIds: ['firewall-config-server'],
    checkovIds: ['CKV_AWS_24'],
    keywords: /\bssh\b|port 22\b|(security group|firewall).*(0\.0\.0\.0|internet|world|unrestricted)/i,
  },
  22,
  'SSH',
);
