/**
 * A factory for storage controls satisfied by a customer managed KMS key (EFS, EBS, FSx, Backup
 * vaults, snapshot copies, table replicas): the check accepts any key reference; the fix points the
 * resource at a key the module already has (one a sibling of the same type uses, one named for the
 * service, else a general-purpose key). Which key protects the data is the team's choice, so without
 * a reusable key the fix asks for it: a variable for the key's ARN, in a draft PR (no key is invented).
 */
import { collectRefs, type HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import {
  blockText,
  moduleBlocks,
  need,
  nonEmptyString,
  patch,
  policyText,
  read,
  setAttrs,
  stringAttr,
  askTeamPatch,
  usableKmsKeys,
  withTeamChoice,
  type TeamAsk,
} from './helpers';

/** What a customer-managed-key storage rule declares: the key attribute, its companions and the service words. */
export interface CmkRuleSpec extends Omit<Rule, 'check' | 'fix'> {
  /** Attribute holding the key (kms_key_id, kms_key_arn). */
  attribute: string;
  /** Key output the attribute takes: "arn" (most resources) or "key_id". */
  keyOutput?: 'arn' | 'key_id';
  /** Other attributes the key needs alongside it (e.g. encrypted = true). */
  with?: [string, string][];
  /** Words in a key's label, description or policy that name this service (e.g. /efs|file/). */
  serviceWords: RegExp;
  explanation: string;
  breakingChanges: string[];
}

/** Words (of a key's label or description) naming a service: such a key is reused only for it. */
const SERVICE_WORDS = new Set(
  'trail cloudtrail log logs cloudwatch sns sqs topic queue ebs volume rds aurora s3 bucket lambda secret secrets eks efs ecr backup ssm fsx dynamodb table snapshot'.split(
    ' ',
  ),
);

/** The words of a key's label and description. */
const words = (ctx: RuleContext, k: HclBlock): string[] =>
  `${k.labels[1]} ${stringAttr(ctx, k, 'description')}`
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** The key a sibling resource of the same type already uses, with that sibling. */
function siblingKey(
  ctx: RuleContext,
  attribute: string,
  keys: HclBlock[],
): { key: HclBlock; why: string } | null {
  const own = need(ctx);
  const byAddr = new Map(keys.map((k) => [k.localAddress, k]));
  for (const t of moduleBlocks(ctx)) {
    if (t.labels[0] !== own.labels[0] || t.localAddress === own.localAddress) continue;
    const a = t.attributes[attribute];
    const ref = a && collectRefs(a.expr).find((r) => byAddr.has(r.split('.').slice(0, 2).join('.')));
    if (ref)
      return {
        key: byAddr.get(ref.split('.').slice(0, 2).join('.'))!,
        why: `it already encrypts ${t.localAddress}`,
      };
  }
  return null;
}

/** The existing key the resource should use and why, else null. */
export function reusableKey(
  ctx: RuleContext,
  attribute: string,
  serviceWords: RegExp,
): { key: HclBlock; why: string } | null {
  const keys = usableKmsKeys(ctx, { sameProvider: true });
  const sibling = siblingKey(ctx, attribute, keys);
  if (sibling) return sibling;
  const named = keys.find((k) =>
    serviceWords.test(`${words(ctx, k).join(' ')} ${policyText(ctx, k, 'policy')}`),
  );
  if (named) return { key: named, why: 'its name, description or key policy is for this service' };
  const general = keys.find((k) => {
    const policy = policyText(ctx, k, 'policy');
    const generalPolicy = !policy || (/:root/.test(policy) && !/Service/.test(policy));
    return generalPolicy && !words(ctx, k).some((w) => SERVICE_WORDS.has(w));
  });
  return general
    ? { key: general, why: 'a general-purpose key whose policy leaves its use to the account IAM policies' }
    : null;
}

/** What a key rule asks the team for: the key's ARN, or its id where the attribute takes one. */
const keyAsk = (keyOutput: CmkRuleSpec['keyOutput']): TeamAsk =>
  keyOutput === 'key_id'
    ? { suffix: 'kms_key_id', what: 'customer managed KMS key', valueKind: 'ID' }
    : { suffix: 'kms_key_arn', what: 'customer managed KMS key', valueKind: 'ARN' };

/** Builds a rule that points a storage resource at an existing customer managed KMS key. */
export function cmkRule(spec: CmkRuleSpec): Rule {
  const { attribute, keyOutput, with: extra, serviceWords, explanation, breakingChanges, ...meta } = spec;
  return {
    ...meta,
    prerequisites: withTeamChoice(meta.prerequisites, keyAsk(keyOutput)),
    check(ctx) {
      const r = read(ctx, attribute);
      const ok = r.set && (!r.known || nonEmptyString(r.value));
      return ok
        ? { status: 'compliant', reasons: [`${attribute} is set (${r.set ? r.text : ''})`] }
        : { status: 'non_compliant', reasons: [`${attribute} is not set: no customer managed KMS key`] };
    },
    fix(ctx) {
      const b = need(ctx);
      const found = reusableKey(ctx, attribute, serviceWords);
      const extraEdits = (extra ?? []).filter(([k, v]) => {
        const r = read(ctx, k);
        return !(r.set && r.known && String(r.value) === v);
      });
      if (!found) {
        // Which key protects this data (and its key policy) is the team's choice: ask for it.
        return askTeamPatch(ctx, b, keyAsk(keyOutput), {
          explanation,
          name: attribute,
          write: (ref) => setAttrs(ctx, b, [], [...extraEdits, [attribute, ref]]),
          changedAttributes: [...extraEdits.map(([k]) => k), attribute],
          breakingChanges,
          additionalRequirements: [
            "The key's policy must let the service and whoever reads the data use it (kms:Decrypt, and kms:CreateGrant where the service uses grants).",
          ],
          lacks: 'customer managed key',
          chosen: 'the key',
        });
      }
      const addr = found.key.localAddress;
      return patch({
        edits: setAttrs(ctx, b, [], [...extraEdits, [attribute, `${addr}.${keyOutput ?? 'arn'}`]]),
        explanation: `${explanation} Reuses the existing customer managed key ${addr} (${found.why}); no new key is created.`,
        changedAttributes: [...extraEdits.map(([k]) => k), attribute],
        confidence: 'medium',
        breakingChanges,
        additionalRequirements: [
          `Uses the existing key ${addr}: the service and whoever reads the data need kms:Decrypt (and kms:CreateGrant where the service uses grants) on it, through its key policy or IAM policies.`,
        ],
      });
    },
  };
}

/** The Checkov id the block skips in code (`#checkov:skip=ID:reason`), with its reason, else undefined. */
export function skippedInCode(ctx: RuleContext, checkovId: string): string | undefined {
  if (!ctx.block) return undefined;
  const m = new RegExp(`checkov:skip=${checkovId}(?::([^\\n]*))?`).exec(blockText(ctx, ctx.block));
  return m ? (m[1] ?? '').trim() || 'no reason given' : undefined;
}
