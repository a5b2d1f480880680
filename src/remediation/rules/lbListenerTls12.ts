/** HTTPS and TLS listeners of load balancers negotiate at least TLS 1.2. */
import type { Rule, RuleContext } from '../types';
import { need, patch, read, result, setAttr } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enforce a modern TLS policy';

/** Policy prefixes Checkov (CKV_AWS_103) accepts as TLS 1.2 or later. */
const TLS12 = ['ELBSecurityPolicy-FS-1-2', 'ELBSecurityPolicy-TLS-1-2', 'ELBSecurityPolicy-TLS13'];
/** AWS's recommended policy (TLS 1.3 with TLS 1.2 fallback), the console default for new listeners. */
const POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** Whether the listener redirects to HTTPS (the HTTP-to-HTTPS rule's job, compliant here). */
function redirectsToHttps(ctx: RuleContext): boolean {
  const t = read(ctx, 'default_action.type');
  const p = read(ctx, 'default_action.redirect.protocol');
  return t.set && t.known && t.value === 'redirect' && p.set && p.known && String(p.value) === 'HTTPS';
}

/** The listener's problems: none for TCP/UDP and redirecting listeners. */
function problems(ctx: RuleContext): { problems: string[]; fixable: boolean } {
  const proto = read(ctx, 'protocol');
  const value = proto.set && proto.known ? String(proto.value).toUpperCase() : undefined;
  if (value && ['TCP', 'UDP', 'TCP_UDP'].includes(value)) return { problems: [], fixable: true };
  if (value === 'HTTPS' || value === 'TLS') {
    const pol = read(ctx, 'ssl_policy');
    const ok = pol.set && pol.known && TLS12.some((x) => String(pol.value).startsWith(x));
    return {
      problems: ok
        ? []
        : [`ssl_policy is ${pol.set ? pol.text : 'unset (ELBSecurityPolicy-2016-08, TLS 1.0)'}`],
      fixable: true,
    };
  }
  if (redirectsToHttps(ctx)) return { problems: [], fixable: true };
  return {
    problems: [`the listener is ${value ?? 'not HTTPS/TLS'} and does not redirect to HTTPS`],
    fixable: false,
  };
}

export const rule: Rule = {
  id: 'lb-listener-tls12',
  title: 'Load balancer listener requires TLS 1.2',
  requirement: `HTTPS/TLS listeners use an ssl_policy of TLS 1.2 or later (${POLICY}).`,
  vantaTestIds: [],
  // CKV_AWS_103: TLS 1.2 or later; CKV2_AWS_74: no weak-cipher policy (every policy accepted here is strong).
  checkovIds: ['CKV_AWS_103', 'CKV2_AWS_74'],
  resourceTypes: ['aws_lb_listener', 'aws_alb_listener'],
  keywords: /tls ?1\.2|ssl.?policy|(listener|load balancer).*tls/i,
  responseTypes: /load balancer|listener|elb/i,
  breaking: true,
  check(ctx) {
    need(ctx);
    return result(
      problems(ctx).problems,
      'the listener negotiates TLS 1.2 or later (or is TCP/UDP or redirects)',
    );
  },
  fix(ctx) {
    const b = need(ctx);
    const p = problems(ctx);
    if (!p.fixable)
      throw new Error(
        'a plain HTTP listener meets TLS 1.2 only by redirecting to HTTPS: that is the alb-http-to-https-redirect rule (it needs an HTTPS listener first)',
      );
    const old = read(ctx, 'ssl_policy');
    return patch({
      edits: [setAttr(ctx, b, ['ssl_policy'], JSON.stringify(POLICY))],
      explanation: `Sets the listener's security policy to ${POLICY} (TLS 1.3 and 1.2 only, forward-secret ciphers), AWS's recommended policy; applied in place without dropping connections. Changed: ssl_policy (${old.set ? old.text : 'unset'} → "${POLICY}").`,
      changedAttributes: ['ssl_policy'],
      confidence: 'medium',
      breakingChanges: [
        'Clients that support only TLS 1.0/1.1 or older ciphers (very old browsers, Java 7, legacy embedded devices) can no longer connect; check the load balancer access logs (ssl_protocol) before merging.',
      ],
      additionalRequirements: [],
    });
  },
};
