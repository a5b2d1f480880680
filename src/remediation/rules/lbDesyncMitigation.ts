/** Load balancers mitigate HTTP desync (request smuggling) in defensive or strictest mode. */
import { attrRule } from './attrRule';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Use defensive desync mitigation';

export const rule = attrRule({
  id: 'lb-desync-mitigation',
  title: 'Load balancer desync mitigation mode',
  requirement: 'desync_mitigation_mode is "defensive" (the AWS default) or "strictest", not "monitor".',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_328'],
  resourceTypes: ['aws_lb', 'aws_alb', 'aws_elb'],
  keywords: /desync/i,
  responseTypes: /load balancer|elb|alb/i,
  breaking: false,
  settings: [
    {
      path: ['desync_mitigation_mode'],
      ok: (v) => v === 'defensive' || v === 'strictest',
      value: '"defensive"',
      unsetOk: true,
      expect: '"defensive" or "strictest" (or unset: defensive)',
    },
  ],
  explanation:
    'Returns the load balancer to the AWS default "defensive" desync mitigation mode, which blocks ambiguous requests that could be used for HTTP request smuggling and passes compliant ones. Applied in place.',
});
