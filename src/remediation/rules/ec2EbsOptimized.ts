/** EC2 instances are EBS-optimised (dedicated bandwidth to EBS). */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable EBS optimisation';

export const rule = attrRule({
  id: 'ec2-ebs-optimized',
  title: 'EC2 instance EBS-optimised',
  requirement: 'ebs_optimized = true on the EC2 instance.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_135'],
  resourceTypes: ['aws_instance'],
  keywords: /ebs.optimi[sz]/i,
  responseTypes: /ec2|instance/i,
  breaking: true,
  settings: [{ path: ['ebs_optimized'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Gives the instance dedicated bandwidth to its EBS volumes (already the default, at no cost, on current generation types such as t3, m5, c6i).',
  breakingChanges: [
    'On instance types where EBS optimisation is optional (older generations such as m4, c4, r4) the instance is stopped and started to apply it, and billed for it; types that do not support it at all (t2, m3) make the apply fail — check instance_type before merging.',
  ],
});
