/** CloudFront distributions are protected by a WAF web ACL the repository already has. */
import type { HclBlock } from '../../terraform';
import type { RuleContext } from '../types';
import { refRule, soleResource, str, type Found } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Attach the WAF web ACL';

/** The module's only CloudFront-scoped WAFv2 web ACL (else a classic WAF web ACL). */
function webAcl(ctx: RuleContext): Found | null {
  const v2 = soleResource(ctx, 'aws_wafv2_web_acl', (b: HclBlock) => str(ctx, b, 'scope') === 'CLOUDFRONT');
  if (v2) return { block: v2, why: 'the only CloudFront-scoped WAFv2 web ACL of the module' };
  const classic = soleResource(ctx, 'aws_waf_web_acl');
  return classic ? { block: classic, why: 'the only (global) WAF Classic web ACL of the module' } : null;
}

export const rule = refRule({
  id: 'cloudfront-waf',
  title: 'CloudFront distribution protected by WAF',
  requirement: 'web_acl_id is set to a CloudFront-scoped web ACL.',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_68'],
  resourceTypes: ['aws_cloudfront_distribution'],
  keywords: /cloudfront.*(waf|web acl|firewall)/i,
  responseTypes: /cloudfront|distribution/i,
  breaking: true,
  prerequisites: 'An existing CloudFront-scoped web ACL in the module.',
  impactNote: 'WAF request charges; blocking rules now apply to viewers.',
  path: ['web_acl_id'],
  find: webAcl,
  teamChoice: {
    suffix: 'web_acl_arn',
    what: 'WAFv2 web ACL (scope CLOUDFRONT)',
    values: (ref) => [['web_acl_id', ref]],
  },
  values: (acl) => [
    ['web_acl_id', `${acl.localAddress}.${acl.labels[0] === 'aws_wafv2_web_acl' ? 'arn' : 'id'}`],
  ],
  missing:
    "the module has no CloudFront-scoped web ACL: which WAF rules protect the distribution is the team's choice",
  explanation: "Puts the distribution behind the repository's WAF web ACL.",
  breakingChanges: [
    "The web ACL's rules now apply to this distribution's viewers: a blocking rule (rate limit, geo, managed rule group) can reject legitimate traffic. Review its rules, or start them in count mode.",
  ],
  additionalRequirements: (acl) => [
    `WAF bills ${acl.localAddress} per request it inspects for this distribution too.`,
  ],
});
