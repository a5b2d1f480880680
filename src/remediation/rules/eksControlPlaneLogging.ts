/** EKS clusters send every control plane log type to CloudWatch Logs. */
import type { HclValue } from '../../terraform';
import { attrRule } from './attrRule';

/** The control plane log types Checkov requires, all of them. */
const LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

const allTypes = (v: HclValue): boolean => Array.isArray(v) && LOG_TYPES.every((t) => v.includes(t));

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable control plane logging';

export const rule = attrRule({
  id: 'eks-control-plane-logging',
  title: 'EKS control plane logging for all log types',
  requirement: `enabled_cluster_log_types lists ${LOG_TYPES.join(', ')}.`,
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_37'],
  resourceTypes: ['aws_eks_cluster'],
  keywords: /\beks\b.*(control plane|log)|control plane log/i,
  responseTypes: /eks|kubernetes/i,
  breaking: false,
  impactNote: 'CloudWatch Logs ingestion and storage for five log types (billed per GB).',
  settings: [
    {
      path: ['enabled_cluster_log_types'],
      ok: allTypes,
      value: `[${LOG_TYPES.map((t) => JSON.stringify(t)).join(', ')}]`,
      expect: 'all five control plane log types',
    },
  ],
  explanation:
    'Sends the API server, audit, authenticator, controller manager and scheduler logs to CloudWatch Logs (/aws/eks/<cluster>/cluster).',
  additionalRequirements: [
    'CloudWatch Logs ingestion and storage are billed; EKS creates the log group with no expiry unless a aws_cloudwatch_log_group named /aws/eks/<cluster>/cluster sets a retention.',
  ],
});
