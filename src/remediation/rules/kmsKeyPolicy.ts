/**
 * KMS keys declare their key policy in Terraform. The fix writes the policy AWS gives a key created
 * without one (the account root administers the key; use is left to the account's IAM policies), so
 * access stays what it is for keys whose policy was never edited outside Terraform.
 */
import type { Rule, RuleContext } from '../types';
import { hasCompanion, identityRefs, insertAfterTarget, kmsKeyPolicy, need, patch, setAttr } from './helpers';

/** What the fix does, for the PR title and commit subject ("<prAction> on <kind> <name>"). */
export const prAction = 'Declare the key policy';

/** An aws_kms_key_policy of the module manages the key's policy. */
function separatePolicy(ctx: RuleContext): boolean {
  return hasCompanion(ctx, ['aws_kms_key_policy'], 'key_id');
}

export const rule: Rule = {
  id: 'kms-key-policy',
  title: 'KMS key policy defined',
  requirement: 'policy is set on the key (or an aws_kms_key_policy manages it).',
  vantaTestIds: [],
  checkovIds: ['CKV2_AWS_64'],
  resourceTypes: ['aws_kms_key'],
  keywords: /kms.*key policy|key policy.*(kms|defined)/i,
  responseTypes: /kms|key/i,
  breaking: true,
  impactNote: 'Terraform now owns the key policy: one edited outside Terraform is replaced by the default.',
  check(ctx) {
    const b = need(ctx);
    if (b.attributes.policy) return { status: 'compliant', reasons: ['policy is set'] };
    if (separatePolicy(ctx))
      return { status: 'compliant', reasons: ['an aws_kms_key_policy manages the policy'] };
    return { status: 'non_compliant', reasons: ['the key has no policy in Terraform'] };
  },
  fix(ctx) {
    const b = need(ctx);
    const ids = identityRefs(ctx, ['account', 'partition']);
    const edits = [setAttr(ctx, b, ['policy'], kmsKeyPolicy(ids, []).replace(/\n {2}/g, '\n'))];
    if (ids.blocks.length) edits.push(insertAfterTarget(ctx, ids.blocks));
    return patch({
      edits,
      explanation:
        "Declares the key policy AWS applies to keys created without one: the account root may do everything with the key, so the account's IAM policies decide who uses it.",
      changedAttributes: ['policy'],
      confidence: 'medium',
      breakingChanges: [
        'Terraform now owns the key policy: a policy edited outside Terraform (console, a service integration, another stack) is replaced by this default. Compare with `aws kms get-key-policy` before merging.',
      ],
    });
  },
};
