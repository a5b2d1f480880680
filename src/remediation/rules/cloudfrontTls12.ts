/**
 * CloudFront distributions accept viewers only over TLS 1.2 or newer. That needs a custom certificate
 * (ACM or IAM): with the default *.cloudfront.net certificate the minimum is fixed at TLSv1, so the
 * fix answers no_fix — the certificate is the team's choice.
 */
import type { HclValue } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { attrRule } from './attrRule';
import { holds, isTrue } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Require TLS 1.2';

const secure = (v: HclValue): boolean => typeof v === 'string' && /^TLSv1\.(?:2|3)_\d{4}$/.test(v);

const base = attrRule({
  id: 'cloudfront-tls12',
  title: 'CloudFront viewer TLS 1.2 or newer',
  requirement:
    'viewer_certificate uses a custom certificate with minimum_protocol_version TLSv1.2_2021 (or newer).',
  vantaTestIds: [],
  checkovIds: ['CKV_AWS_174'],
  resourceTypes: ['aws_cloudfront_distribution'],
  keywords: /cloudfront.*(tls|ssl|protocol version|cipher)/i,
  responseTypes: /cloudfront|distribution/i,
  breaking: true,
  prerequisites: 'A custom viewer certificate (ACM/IAM); no fix with the default CloudFront certificate.',
  impactNote: 'Viewers limited to TLS 1.0/1.1 can no longer connect.',
  settings: [
    {
      path: ['viewer_certificate', 'minimum_protocol_version'],
      ok: secure,
      value: '"TLSv1.2_2021"',
      expect: 'TLSv1.2_2021 or newer',
    },
  ],
  explanation: 'Refuses viewer connections below TLS 1.2 (security policy TLSv1.2_2021).',
  breakingChanges: [
    "Viewers that only speak TLS 1.0/1.1 (very old browsers, embedded clients) can no longer connect. Check the distribution's viewer TLS metrics before merging.",
  ],
});

/** The distribution uses the default *.cloudfront.net certificate. */
const defaultCert = (ctx: RuleContext): boolean =>
  holds(ctx, 'viewer_certificate.cloudfront_default_certificate', isTrue);

export const rule: Rule = {
  ...base,
  check(ctx) {
    if (defaultCert(ctx))
      return {
        status: 'non_compliant',
        reasons: ['viewer_certificate uses the default CloudFront certificate, whose minimum is TLSv1'],
      };
    return base.check(ctx);
  },
  fix(ctx) {
    if (defaultCert(ctx))
      throw new Error(
        "the distribution uses the default *.cloudfront.net certificate, which cannot require TLS 1.2: a custom domain and ACM certificate (the team's choice) are needed",
      );
    return base.fix(ctx);
  },
};
