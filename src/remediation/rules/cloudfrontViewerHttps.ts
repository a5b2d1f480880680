/**
 * CloudFront distributions never serve viewers over plain HTTP: no cache behavior (the default one
 * nor any ordered one) uses viewer_protocol_policy = "allow-all". The fix redirects HTTP to HTTPS.
 */
import type { PatchEdit } from '../../contracts';
import type { Rule, RuleContext } from '../types';
import { local, need, nestedAll, patch, read, result } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Redirect HTTP viewers to HTTPS';

/** Path segments of each cache behavior whose viewer policy allows HTTP. */
function allowingHttp(ctx: RuleContext): string[] {
  const b = need(ctx);
  const out: string[] = [];
  const one = (seg: string, holder: (typeof b.blocks)[number]) => {
    const a = holder.attributes.viewer_protocol_policy;
    if (!a) return;
    // The default behavior's value is resolved (variables, locals); ordered ones are read literally.
    const r = seg === 'default_cache_behavior' ? read(ctx, `${seg}.viewer_protocol_policy`) : undefined;
    const text = r?.set && r.known ? String(r.value) : a.exprText.replace(/^"|"$/g, '');
    if (text === 'allow-all') out.push(seg);
  };
  const def = nestedAll(b, 'default_cache_behavior');
  if (def[0]) one('default_cache_behavior', def[0]);
  nestedAll(b, 'ordered_cache_behavior').forEach((o, i) => one(`ordered_cache_behavior[${i}]`, o));
  return out;
}

export const rule: Rule = {
  id: 'cloudfront-viewer-https',
  title: 'CloudFront viewers use HTTPS',
  requirement: 'No cache behavior has viewer_protocol_policy = "allow-all" (use "redirect-to-https").',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_34'],
  resourceTypes: ['aws_cloudfront_distribution'],
  keywords: /cloudfront.*(https|viewer protocol|in transit|plain http)/i,
  responseTypes: /cloudfront|distribution/i,
  breaking: true,
  impactNote: 'HTTP viewers get a 301 to HTTPS.',
  check(ctx) {
    return result(
      allowingHttp(ctx).map((s) => `${s}.viewer_protocol_policy is "allow-all"`),
      'every cache behavior requires or redirects to HTTPS',
    );
  },
  fix(ctx) {
    const b = need(ctx);
    const segs = allowingHttp(ctx);
    const edits: PatchEdit[] = segs.map((s) => ({
      kind: 'set_attribute',
      file: b.file,
      address: local(b),
      path: [s, 'viewer_protocol_policy'],
      value: '"redirect-to-https"',
    }));
    return patch({
      edits,
      explanation: `Redirects viewers that connect over HTTP to HTTPS (301) instead of serving them in plain text. Changed: ${segs.map((s) => `${s}.viewer_protocol_policy (allow-all → redirect-to-https)`).join(', ')}.`,
      changedAttributes: segs.map((s) => `${s}.viewer_protocol_policy`),
      confidence: 'medium',
      breakingChanges: [
        'HTTP clients that do not follow redirects (some devices, webhooks, health checks using http://) stop getting content. Check that they use https:// before merging.',
      ],
    });
  },
};
