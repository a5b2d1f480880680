/** Load balancers are protected against deletion. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable deletion protection';

export const rule = attrRule({
  id: 'lb-deletion-protection',
  title: 'Load balancer deletion protection',
  requirement: 'enable_deletion_protection = true on the load balancer.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_150'],
  resourceTypes: ['aws_lb', 'aws_alb'],
  keywords:
    /(load balancer|\balb\b|\belb\b|\bnlb\b).*deletion protection|deletion protection.*load balancer/i,
  responseTypes: /load balancer|elb|alb/i,
  breaking: false,
  settings: [{ path: ['enable_deletion_protection'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Turns on deletion protection so the load balancer cannot be deleted by accident (API, console or terraform destroy). Applied in place.',
  additionalRequirements: [
    'Deleting or replacing the load balancer later needs enable_deletion_protection = false applied first.',
  ],
});
