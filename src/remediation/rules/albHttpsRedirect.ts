/** Load balancer HTTP listeners redirect to HTTPS. */
import type { Patch, PatchEdit } from '../../contracts';
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
  const c = ctx.index.blocks.find(
    (x) => (x.kind === 'resource' || x.kind === 'data') && CERTS.includes(x.labels[0] ?? ''),
  );
  return c ? `${c.kind === 'data' ? 'data.' : ''}${c.localAddress}` : undefined;
}

const CERTS = ['aws_acm_certificate', 'aws_iam_server_certificate'];

/**
 * The certificate ARN expression an added HTTPS listener can use: a certificate of the listener's own
 * module, the validated one first (aws_acm_certificate_validation waits until ACM issued it).
 */
function moduleCertificate(ctx: RuleContext, b: HclBlock): string | undefined {
  const same = ctx.index.blocks.filter(
    (x) => x.moduleDir === b.moduleDir && (x.kind === 'resource' || x.kind === 'data'),
  );
  const validation = same.find(
    (x) => x.kind === 'resource' && x.labels[0] === 'aws_acm_certificate_validation',
  );
  if (validation) return `${validation.localAddress}.certificate_arn`;
  const cert = same.find((x) => CERTS.includes(x.labels[0] ?? ''));
  return cert ? `${cert.kind === 'data' ? 'data.' : ''}${cert.localAddress}.arn` : undefined;
}

/** The load balancer the listener belongs to, when it is a block of the module (aws_lb.web.arn). */
function loadBalancer(ctx: RuleContext, b: HclBlock): HclBlock | undefined {
  const m = /^(aws_lb|aws_alb)\.([\w-]+)\.(arn|id)$/.exec(norm(b.attributes.load_balancer_arn?.exprText));
  if (!m) return undefined;
  return ctx.index.blocks.find(
    (x) =>
      x.kind === 'resource' && x.moduleDir === b.moduleDir && x.labels[0] === m[1] && x.labels[1] === m[2],
  );
}

/** Why an HTTPS listener cannot be added for the listener, or undefined when it can. */
function cannotAddListener(ctx: RuleContext, b: HclBlock, cert: string | undefined): string | undefined {
  if (!cert)
    return 'no certificate is declared in its module (aws_acm_certificate or aws_iam_server_certificate)';
  if ('count' in b.attributes || 'for_each' in b.attributes)
    return 'the listener has count/for_each, and the HTTPS listener would have to follow it';
  const lb = loadBalancer(ctx, b);
  if (!lb) return 'its load_balancer_arn is not a load balancer of the same module';
  const type = lb.attributes.load_balancer_type?.value;
  if (type && (!type.known || String(type.value) !== 'application'))
    return `${lb.localAddress} is not an application load balancer (HTTPS listeners are for ALBs)`;
  if (ctx.index.blocks.some((x) => x.moduleDir === b.moduleDir && x.localAddress === httpsName(b)))
    return `${httpsName(b)} already exists`;
  if (!b.blocks.some((x) => x.type === 'default_action'))
    return 'the listener has no default_action to serve over HTTPS';
  return undefined;
}

const httpsName = (b: HclBlock): string => `${b.labels[0]}.${b.labels[1]}_https`;

/** The new HTTPS listener: same load balancer and default action as the HTTP one, TLS 1.2+ policy. */
function httpsListenerText(ctx: RuleContext, b: HclBlock, cert: string): string {
  const src = ctx.index.files[b.file]!.text;
  const actions = b.blocks
    .filter((x) => x.type === 'default_action')
    .map((x) => src.slice(x.range.startByte, x.range.endByte));
  return [
    `resource "${b.labels[0]}" "${b.labels[1]}_https" {`,
    `  load_balancer_arn = ${b.attributes.load_balancer_arn!.exprText}`,
    '  port              = 443',
    '  protocol          = "HTTPS"',
    '  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"',
    `  certificate_arn   = ${cert}`,
    '',
    ...actions.map((a) => `  ${a.replace(/\r\n/g, '\n')}`),
    '}',
  ].join('\n');
}

/** Replaces the listener's default actions with the redirect (to `port`, the HTTPS listener's). */
function redirectEdits(b: HclBlock, port: string): PatchEdit[] {
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
    text: `default_action {\n  type = "redirect"\n\n  redirect {\n    port        = ${port}\n    protocol    = "HTTPS"\n    status_code = "HTTP_301"\n  }\n}`,
  });
  return edits;
}

/**
 * No HTTPS listener yet, but the module declares a certificate: the fix adds the HTTPS listener
 * (serving what HTTP served) and redirects to it. A prerequisite only partly met: a draft PR.
 */
function fixWithNewListener(ctx: RuleContext, b: HclBlock, cert: string): Patch {
  const name = httpsName(b);
  return patch({
    edits: [
      {
        kind: 'insert_after',
        file: b.file,
        afterAddress: b.localAddress,
        text: httpsListenerText(ctx, b, cert),
      },
      ...redirectEdits(b, `${name}.port`),
    ],
    explanation: `${b.attributes.load_balancer_arn!.exprText} has no HTTPS listener, and the module declares the certificate ${cert.replace(/\.(arn|certificate_arn)$/, '')}: adds ${name} (port 443, TLS 1.2+ policy ELBSecurityPolicy-TLS13-1-2-2021-06, certificate ${cert}) serving the HTTP listener's default action, and redirects HTTP to it (301).`,
    changedAttributes: ['default_action'],
    confidence: 'medium',
    breakingChanges: [
      `Plain-HTTP clients are redirected to the new ${name}: clients that cannot follow redirects (health checkers, old integrations) must switch to HTTPS before merging.`,
    ],
    additionalRequirements: [
      `Check that ${cert} covers every host name clients use for this load balancer, and that its security groups allow port 443.`,
    ],
    reviewReasons: [
      `the prerequisite is only partly met: there was no HTTPS listener on ${b.attributes.load_balancer_arn!.exprText}; this PR adds ${name} with the certificate ${cert}`,
    ],
  });
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
  prerequisites:
    'an HTTPS listener with a certificate on the same load balancer; without one, a certificate in the module (the fix then adds the HTTPS listener in a draft PR), else no fix naming the missing fact',
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
      // Redirecting to a port nothing listens on would take the site down: add the HTTPS listener
      // when the module has a certificate for it, else no fix, naming the missing fact.
      const cert = moduleCertificate(ctx, b);
      const why = cannotAddListener(ctx, b, cert);
      if (!why) return fixWithNewListener(ctx, b, cert!);
      const lb = b.attributes.load_balancer_arn?.exprText ?? 'its load balancer';
      const anywhere = certificate(ctx);
      throw new Error(
        `no HTTPS listener with a certificate on ${lb}: add one (protocol HTTPS, port 443) before redirecting HTTP to it; TerraFix cannot add it because ${why}${
          anywhere && !cert ? ` (the repository declares the certificate ${anywhere} in another module)` : ''
        }`,
      );
    }
    const edits = redirectEdits(b, '"443"');
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
