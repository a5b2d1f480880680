/** Load balancer HTTP listeners redirect to HTTPS. */
import type { PatchEdit } from '../../contracts';
import type { Rule, RuleContext } from '../types';
import type { HclBlock } from '../../terraform';
import { need, patch, read } from './helpers';

function status(ctx: RuleContext): string[] {
  const b = need(ctx);
  const proto = read(ctx, 'protocol');
  const port = read(ctx, 'port');
  const isHttp = proto.set
    ? proto.known && String(proto.value).toUpperCase() === 'HTTP'
    : port.set && port.known && Number(port.value) === 80;
  if (!isHttp) return [];
  const actions = b.blocks.filter((n) => n.type === 'default_action');
  const redirect = actions.find((a) => {
    const t = a.attributes.type;
    const r = a.blocks.find((x) => x.type === 'redirect');
    const p = r?.attributes.protocol;
    return (
      t?.value.known &&
      t.value.value === 'redirect' &&
      p?.value.known &&
      String(p.value.value).toUpperCase() === 'HTTPS'
    );
  });
  return redirect ? [] : ['the HTTP listener does not redirect to HTTPS'];
}

const LISTENERS = ['aws_lb_listener', 'aws_alb_listener'];
const norm = (t: string | undefined) => (t ?? '').replace(/\s+/g, '');

/**
 * The prerequisite, read from the repository: an HTTPS listener with a certificate on the same load
 * balancer (same `load_balancer_arn`), which the redirect will send clients to.
 */
function httpsListener(ctx: RuleContext): HclBlock | undefined {
  const b = need(ctx);
  const lb = norm(b.attributes.load_balancer_arn?.exprText);
  if (!lb) return undefined;
  return ctx.index.blocks.find((x) => {
    if (x === b || x.kind !== 'resource' || !LISTENERS.includes(x.labels[0] ?? '')) return false;
    if (x.moduleDir !== b.moduleDir || norm(x.attributes.load_balancer_arn?.exprText) !== lb) return false;
    const proto = x.attributes.protocol?.value;
    const https = proto?.known && String(proto.value).toUpperCase() === 'HTTPS';
    return https && Boolean(x.attributes.certificate_arn);
  });
}

/** A certificate the repository declares (for the message when the HTTPS listener is missing). */
function certificate(ctx: RuleContext): string | undefined {
  const types = ['aws_acm_certificate', 'aws_iam_server_certificate'];
  const c = ctx.index.blocks.find(
    (x) => (x.kind === 'resource' || x.kind === 'data') && types.includes(x.labels[0] ?? ''),
  );
  return c ? `${c.kind === 'data' ? 'data.' : ''}${c.localAddress}` : undefined;
}

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Redirect HTTP to HTTPS';

export const rule: Rule = {
  id: 'alb-http-to-https-redirect',
  title: 'Load balancer redirects HTTP to HTTPS',
  requirement: 'HTTP listeners have a default_action of type redirect to protocol HTTPS.',
  vantaTestIds: ['load-balancer-http-to-https'],
  // CKV2_AWS_20: the load balancer's HTTP listener redirects; CKV_AWS_2: the listener is not plain HTTP.
  checkovIds: ['CKV2_AWS_20', 'CKV_AWS_2'],
  resourceTypes: ['aws_lb_listener', 'aws_alb_listener'],
  keywords: /(load balancer|\balb\b|\belb\b).*(https|redirect)|http.to.https/i,
  responseTypes: /load balancer|listener|elb/i,
  breaking: true,
  prerequisites: 'an HTTPS listener with a certificate on the same load balancer (else no fix, naming it)',
  impactNote: 'plain-HTTP clients are redirected (301) to HTTPS',
  check(ctx) {
    const p = status(ctx);
    return p.length
      ? { status: 'non_compliant', reasons: p }
      : { status: 'compliant', reasons: ['HTTP is redirected to HTTPS (or the listener is not HTTP)'] };
  },
  fix(ctx) {
    const b = need(ctx);
    const https = httpsListener(ctx);
    if (!https) {
      // Redirecting to a port nothing listens on would take the site down: no fix until HTTPS exists.
      const lb = b.attributes.load_balancer_arn?.exprText ?? 'its load balancer';
      const cert = certificate(ctx);
      throw new Error(
        `no HTTPS listener with a certificate on ${lb}: add one (protocol HTTPS, port 443) before redirecting HTTP to it${
          cert
            ? `; the repository declares the certificate ${cert}`
            : '; no certificate is declared in the repository'
        }`,
      );
    }
    const n = b.blocks.filter((x) => x.type === 'default_action').length;
    const edits: PatchEdit[] = [];
    for (let i = n - 1; i >= 0; i--)
      edits.push({
        kind: 'remove_nested_block',
        file: b.file,
        address: b.localAddress,
        path: [n > 1 ? `default_action[${i}]` : 'default_action'],
      });
    edits.push({
      kind: 'add_nested_block',
      file: b.file,
      address: b.localAddress,
      path: [],
      text: 'default_action {\n  type = "redirect"\n\n  redirect {\n    port        = "443"\n    protocol    = "HTTPS"\n    status_code = "HTTP_301"\n  }\n}',
    });
    return patch({
      edits,
      explanation: `Replaces the HTTP listener's default action with a permanent (301) redirect to HTTPS on port 443, served by ${https.localAddress} (certificate ${https.attributes.certificate_arn!.exprText}).`,
      changedAttributes: ['default_action'],
      confidence: 'medium',
      breakingChanges: [
        `Plain-HTTP clients are redirected to ${https.localAddress}: clients that cannot follow redirects (health checkers, old integrations) must switch to HTTPS before merging.`,
      ],
      additionalRequirements: [],
    });
  },
};
