/** Redshift clusters are not reachable from the internet. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Disable public access';

export const rule = attrRule({
  id: 'redshift-not-publicly-accessible',
  title: 'Redshift cluster not publicly accessible',
  requirement: 'publicly_accessible = false on the Redshift cluster.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_87'],
  resourceTypes: ['aws_redshift_cluster'],
  keywords: /redshift.*public|public.*redshift/i,
  responseTypes: /redshift|warehouse/i,
  breaking: true,
  impactNote: 'Clients outside the VPC lose access.',
  settings: [{ path: ['publicly_accessible'], ok: eq(false), value: 'false', expect: 'false' }],
  explanation: 'Removes the public endpoint of the cluster so it is reachable only from inside the VPC.',
  breakingChanges: [
    'Clients connecting over the internet (BI tools, laptops) lose access; they must connect through the VPC (VPN, bastion or PrivateLink).',
  ],
});
