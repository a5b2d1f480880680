/** EKS API endpoints are private. */
import { attrRule, eq } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Make the API endpoint private';

export const rule = attrRule({
  id: 'eks-private-endpoint',
  title: 'EKS private API endpoint',
  requirement: 'vpc_config { endpoint_private_access = true, endpoint_public_access = false }.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_39', 'CKV_AWS_38'],
  resourceTypes: ['aws_eks_cluster'],
  keywords: /\beks\b.*(endpoint|public|private)/i,
  responseTypes: /eks|kubernetes/i,
  breaking: true,
  settings: [
    { path: ['vpc_config', 'endpoint_private_access'], ok: eq(true), value: 'true', expect: 'true' },
    { path: ['vpc_config', 'endpoint_public_access'], ok: eq(false), value: 'false', expect: 'false' },
  ],
  explanation: 'Makes the Kubernetes API reachable only from inside the VPC.',
  breakingChanges: [
    'kubectl, CI pipelines and tools outside the VPC lose access to the cluster API. Make sure they reach it through a VPN, bastion or in-VPC runners before merging.',
  ],
});
