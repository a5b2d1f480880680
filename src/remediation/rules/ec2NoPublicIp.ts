/** EC2 instances and launch templates do not get a public IP address. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Remove the public IP address';

export const rule = attrRule({
  id: 'ec2-no-public-ip',
  title: 'EC2 instance without a public IP address',
  requirement:
    'associate_public_ip_address is not true (instances; the first network_interfaces block of launch templates).',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_88'],
  resourceTypes: ['aws_instance', 'aws_launch_template'],
  keywords: /public ip/i,
  responseTypes: /ec2|instance|launch template/i,
  breaking: true,
  settings: [
    {
      path: ['associate_public_ip_address'],
      ok: eq(false),
      value: 'false',
      unsetOk: true,
      types: ['aws_instance'],
      expect: 'false or unset',
    },
    {
      path: ['network_interfaces', 'associate_public_ip_address'],
      ok: eq(false),
      value: 'false',
      unsetOk: true,
      types: ['aws_launch_template'],
      expect: 'false or unset',
    },
  ],
  explanation:
    'Stops assigning a public IPv4 address, so the instance is reachable only from inside the VPC (or through a load balancer, NAT or VPN).',
  breakingChanges: [
    'On an aws_instance the change replaces the instance (new instance, new private IP, local data on instance store lost); instances from a launch template lose the public address on their next launch. Anything reaching the instance over its public IP, and outbound internet access without a NAT gateway, stops working.',
  ],
});
