/** Application load balancers drop HTTP headers with invalid names. */
import type { RuleContext } from '../types';
import { attrRule, eq } from './attrRule';
import { read } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Drop invalid HTTP headers';

/** Only application load balancers have the setting (network and gateway load balancers do not). */
function notApplication(ctx: RuleContext): string | null {
  const t = read(ctx, 'load_balancer_type');
  if (!t.set || !t.known || String(t.value) === 'application') return null;
  return `load_balancer_type ${String(t.value)} has no HTTP header handling`;
}

export const rule = attrRule({
  id: 'lb-drop-invalid-headers',
  title: 'Load balancer drops invalid HTTP headers',
  requirement: 'drop_invalid_header_fields = true on the application load balancer.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_131'],
  resourceTypes: ['aws_lb', 'aws_alb'],
  keywords: /(invalid|http) header/i,
  responseTypes: /load balancer|elb|alb/i,
  breaking: false,
  settings: [{ path: ['drop_invalid_header_fields'], ok: eq(true), value: 'true', expect: 'true' }],
  explanation:
    'Makes the load balancer remove HTTP headers whose names are not valid (a request-smuggling vector) before forwarding; valid requests are unchanged. Applied in place.',
  notApplicable: notApplication,
});
