/**
 * Load balancers (ALB/NLB and classic ELB) write access logs, to a log bucket the repository already
 * delivers load balancer logs to (its bucket policy already admits the ELB log delivery principal).
 */
import type { HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { moduleBlocks, need, nestedAt, patch, read, result, setAttrs } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Enable access logs';

const TYPES = ['aws_lb', 'aws_alb', 'aws_elb'];

/** Gateway load balancers have no access logs. */
function gateway(ctx: RuleContext): boolean {
  const t = read(ctx, 'load_balancer_type');
  return t.set && t.known && String(t.value) === 'gateway';
}

/** What is wrong with the target's access_logs (classic ELBs enable logs by default once configured). */
function problems(ctx: RuleContext): string[] {
  const b = need(ctx);
  if (!nestedAt(b, ['access_logs'])) return ['access_logs is not configured'];
  const out: string[] = [];
  if (!read(ctx, 'access_logs.bucket').set) out.push('access_logs.bucket is unset');
  const en = read(ctx, 'access_logs.enabled');
  const classic = b.labels[0] === 'aws_elb';
  if (!en.set ? !classic : !(en.known && (en.value === true || en.value === 'true')))
    out.push(`access_logs.enabled is ${en.set ? en.text : 'unset'}, expected true`);
  return out;
}

/** The single bucket (with its prefix) other load balancers of the module deliver access logs to. */
function logBucket(ctx: RuleContext): { bucket: string; prefix?: string } | undefined {
  const b = need(ctx);
  const seen = new Map<string, string | undefined>();
  for (const o of moduleBlocks(ctx)) {
    if (o === b || !TYPES.includes(o.labels[0] ?? '')) continue;
    const logs = nestedAt(o, ['access_logs']);
    const bucket = logs?.attributes.bucket?.exprText.trim();
    if (bucket) seen.set(bucket, logs?.attributes.prefix?.exprText.trim());
  }
  if (seen.size !== 1) return undefined;
  const [[bucket, prefix]] = [...seen];
  return { bucket, prefix };
}

/** The attributes the fix writes into access_logs. */
function values(b: HclBlock, target: { bucket: string; prefix?: string }): [string, string][] {
  const logs = nestedAt(b, ['access_logs']);
  const out: [string, string][] = [];
  if (!logs?.attributes.bucket) {
    out.push(['bucket', target.bucket]);
    if (target.prefix && !logs?.attributes.prefix) out.push(['prefix', target.prefix]);
  }
  out.push(['enabled', 'true']);
  return out;
}

export const rule: Rule = {
  id: 'lb-access-logs',
  title: 'Load balancer access logs',
  requirement: 'access_logs { bucket = <log bucket>, enabled = true } on the load balancer.',
  vantaTestIds: [],
  // CKV_AWS_91: aws_lb / aws_alb; CKV_AWS_92: classic aws_elb.
  checkovIds: ['CKV_AWS_91', 'CKV_AWS_92'],
  resourceTypes: TYPES,
  keywords: /(load balancer|\belb\b|\balb\b|\bnlb\b).*(access )?log/i,
  responseTypes: /load balancer|elb|alb/i,
  breaking: false,
  check(ctx) {
    need(ctx);
    if (gateway(ctx))
      return { status: 'compliant', reasons: ['not applicable: gateway load balancers have no access logs'] };
    return result(problems(ctx), 'access logs are delivered to a bucket');
  },
  fix(ctx) {
    const b = need(ctx);
    const existing = read(ctx, 'access_logs.bucket');
    const target = existing.set ? { bucket: existing.text } : logBucket(ctx);
    if (!target)
      throw new Error(
        "no log bucket to reuse: no other load balancer in the module delivers access logs to a single bucket, and a new bucket needs a policy for the region's ELB log delivery account",
      );
    const vals = values(b, target);
    return patch({
      edits: setAttrs(ctx, b, ['access_logs'], vals),
      explanation: `Writes the load balancer's access logs to ${target.bucket}${target.prefix ? ` (prefix ${target.prefix})` : ''}, the bucket the module's other load balancers already log to. Applied in place. Changed: ${vals.map(([k, v]) => `access_logs.${k} = ${v}`).join(', ')}.`,
      changedAttributes: vals.map(([k]) => `access_logs.${k}`),
      confidence: 'medium',
      additionalRequirements: [
        `The bucket policy of ${target.bucket} must allow log delivery for this load balancer's account and prefix (it already does for the other load balancers); log storage is billed.`,
      ],
    });
  },
};
