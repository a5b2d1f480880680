/** API Gateway REST API stages are protected by a regional WAF web ACL the module already has. */
import type { HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { hasCompanion, blockText, insertAfterTarget, instanceRef, newLabel, patch } from './helpers';
import { soleResource, str } from './platformCommon';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Attach the WAF web ACL';

/** The stage has a web ACL association. */
function associated(ctx: RuleContext): boolean {
  return hasCompanion(
    ctx,
    ['aws_wafv2_web_acl_association', 'aws_wafregional_web_acl_association'],
    'resource_arn',
  );
}

/**
 * Managed rule groups Checkov's CKV2_AWS_77 requires of a web ACL attached to an API: attaching one
 * without them would trade this finding for that one, so such an ACL is not reused.
 */
const REQUIRED_GROUPS = ['AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAnonymousIpList'];

/** The module's only regional web ACL that has the required managed rule groups. */
const regionalAcl = (ctx: RuleContext): HclBlock | null =>
  soleResource(
    ctx,
    'aws_wafv2_web_acl',
    (b: HclBlock) =>
      str(ctx, b, 'scope') === 'REGIONAL' && REQUIRED_GROUPS.every((g) => blockText(ctx, b).includes(g)),
  );

export const rule: Rule = {
  id: 'apigw-waf',
  title: 'API Gateway stage protected by WAF',
  requirement: 'An aws_wafv2_web_acl_association attaches a regional web ACL to the stage.',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_29'],
  resourceTypes: ['aws_api_gateway_stage'],
  keywords: /(api gateway|apigw).*(waf|web acl|firewall)/i,
  responseTypes: /api gateway|stage/i,
  breaking: true,
  prerequisites:
    'An existing regional WAFv2 web ACL with the Known Bad Inputs and Anonymous IP managed rule groups.',
  impactNote: 'WAF request charges; blocking rules now apply to API callers.',
  check(ctx) {
    return associated(ctx)
      ? { status: 'compliant', reasons: ['a web ACL is associated with the stage'] }
      : { status: 'non_compliant', reasons: ['no WAF web ACL is associated with the stage'] };
  },
  fix(ctx) {
    const acl = regionalAcl(ctx);
    if (!acl)
      throw new Error(
        `the module has no single regional WAFv2 web ACL with the ${REQUIRED_GROUPS.join(' and ')} managed rule groups: which WAF rules protect the API is the team's choice`,
      );
    const label = newLabel(ctx, 'aws_wafv2_web_acl_association');
    const { meta, ref } = instanceRef(ctx);
    const text = [
      `resource "aws_wafv2_web_acl_association" "${label}" {`,
      ...(meta ? [`  ${meta.trimEnd()}`] : []),
      `  resource_arn = ${ref}.arn`,
      `  web_acl_arn  = ${acl.localAddress}.arn`,
      '}',
    ].join('\n');
    return patch({
      edits: [insertAfterTarget(ctx, [text])],
      explanation: `Associates the existing regional web ACL ${acl.localAddress} with the stage (aws_wafv2_web_acl_association.${label}).`,
      changedAttributes: [],
      confidence: 'medium',
      breakingChanges: [
        `The rules of ${acl.localAddress} now apply to the API's callers: a blocking rule can reject legitimate requests. Review its rules, or start them in count mode.`,
      ],
      additionalRequirements: [`WAF bills ${acl.localAddress} per request it inspects for this API too.`],
    });
  },
};
