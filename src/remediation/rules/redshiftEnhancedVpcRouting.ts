/** Redshift clusters route COPY/UNLOAD traffic through the VPC. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable enhanced VPC routing';

export const rule = attrRule({
  id: 'redshift-enhanced-vpc-routing',
  title: 'Redshift enhanced VPC routing',
  requirement: 'enhanced_vpc_routing = true on the Redshift cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_321'],
  resourceTypes: ['aws_redshift_cluster'],
  keywords: /enhanced vpc routing/i,
  responseTypes: /redshift|warehouse/i,
  breaking: true,
  impactNote: 'COPY/UNLOAD need a route to S3 from the VPC; the cluster restarts.',
  settings: [{ path: ['enhanced_vpc_routing'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Forces COPY and UNLOAD traffic between the cluster and S3 through the VPC, where security groups, endpoint policies and flow logs apply.',
  breakingChanges: [
    'With enhanced VPC routing, COPY/UNLOAD need a route to S3 from the cluster subnets (an S3 gateway VPC endpoint or a NAT gateway); without one they fail. The change restarts the cluster: apply in a maintenance window.',
  ],
});
