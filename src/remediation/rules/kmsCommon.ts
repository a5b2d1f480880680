/**
 * Controls satisfied by encrypting with a customer managed KMS key: the check accepts any key
 * reference; the fix adds a rotating key (with a policy for the service when it needs one) named
 * after the resource, in the same module, and points the resource at it.
 */
import type { Rule, RuleContext } from '../types';
import {
  identityDataBlocks,
  insertAfterTarget,
  kmsKeyBlock,
  kmsPolicyFor,
  moduleBlocks,
  need,
  newLabel,
  nonEmptyString,
  patch,
  read,
  setAttrs,
} from './helpers';

export interface KmsRuleSpec extends Omit<Rule, 'check' | 'fix' | 'breaking'> {
  /** Nested block path and attribute holding the key, e.g. [["server_side_encryption"], "kms_key_arn"]. */
  nested: string[];
  attribute: string;
  /** Other attributes to set in the same nested block (e.g. enabled = true). */
  with?: [string, string][];
  /** Service principal that must use the key (adds a key policy), or a function of the context. */
  servicePrincipal?: string;
  needsRegion?: boolean;
  explanation: string;
  breakingChanges?: string[];
}

/** Builds a rule that points a resource at a customer managed KMS key. */
export function kmsRule(spec: KmsRuleSpec): Rule {
  const {
    nested,
    attribute,
    with: extra,
    servicePrincipal,
    needsRegion,
    explanation,
    breakingChanges,
    ...meta
  } = spec;
  const path = [...nested, attribute].join('.');
  return {
    ...meta,
    breaking: Boolean(breakingChanges?.length),
    check(ctx) {
      const r = read(ctx, path);
      const ok = r.set && (!r.known || nonEmptyString(r.value));
      return ok
        ? { status: 'compliant', reasons: [`${path} is set (${r.set ? r.text : ''})`] }
        : { status: 'non_compliant', reasons: [`${path} is not set: no customer managed KMS key`] };
    },
    fix(ctx: RuleContext) {
      const b = need(ctx);
      const label = newLabel(ctx, 'aws_kms_key');
      const blocks: string[] = [];
      if (servicePrincipal) {
        blocks.push(...identityDataBlocks(ctx));
        const hasRegion = moduleBlocks(ctx, 'data').some((x) => x.localAddress === 'data.aws_region.current');
        if (needsRegion && !hasRegion) blocks.push('data "aws_region" "current" {}');
      }
      blocks.push(
        kmsKeyBlock(
          label,
          `Encrypts ${b.localAddress}`,
          servicePrincipal ? kmsPolicyFor(servicePrincipal) : undefined,
        ),
      );
      const edits = [
        ...setAttrs(ctx, b, nested, [...(extra ?? []), [attribute, `aws_kms_key.${label}.arn`]]),
        insertAfterTarget(ctx, blocks),
      ];
      return patch({
        edits,
        explanation: `${explanation} Adds the customer managed key aws_kms_key.${label} (automatic rotation on).`,
        changedAttributes: [path],
        confidence: 'medium',
        breakingChanges: breakingChanges ?? [],
        additionalRequirements: [
          `Adds aws_kms_key.${label}; review its key policy and who may administer it. KMS keys cost about $1/month plus requests.`,
        ],
      });
    },
  };
}
