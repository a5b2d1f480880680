/**
 * Shared pieces of the platform-family rules: finding a resource the module already has (a KMS key,
 * a log group, a web ACL, a rotation Lambda) that a fix may reference, and a factory for rules whose
 * fix points the target at such a resource. A value only the team can choose is never invented: with
 * no suitable resource, the fix asks for it as a variable in a draft PR (`teamChoice`), or answers
 * no_fix with the reason.
 */
import { collectRefs, type HclBlock, type HclValue } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import {
  moduleBlocks,
  need,
  nonEmptyString,
  patch,
  policyText,
  read,
  setAttrs,
  single,
  stringAttr,
  askTeamPatch,
  usableKmsKeys,
  withTeamChoice,
  type TeamAsk,
} from './helpers';

/** A resolved string attribute of a block, or '' (the rules of this family import it from here). */
export const str = stringAttr;

/** An existing resource to reference and why it was chosen. */
export interface Found {
  block: HclBlock;
  why: string;
}

/** Words of a key's label or description naming one service. */
const SERVICE_WORDS =
  'trail cloudtrail log logs cloudwatch sns sqs topic queue ebs volume rds aurora db s3 bucket lambda secret secrets eks efs ecr backup ssm dynamo dynamodb kinesis stream codebuild'.split(
    ' ',
  );

/** The first reference in `b`'s attribute (dotted path through first nested blocks) to one of `addrs`. */
function refTo(b: HclBlock, path: string[], addrs: Set<string>): string | undefined {
  let holder: { attributes: HclBlock['attributes']; blocks: HclBlock['blocks'] } | undefined = b;
  for (const t of path.slice(0, -1)) holder = holder?.blocks.find((n) => n.type === t);
  const a = holder?.attributes[path[path.length - 1]];
  if (!a) return undefined;
  return collectRefs(a.expr)
    .map((r) => r.split('.').slice(0, 2).join('.'))
    .find((r) => addrs.has(r));
}

/**
 * A customer managed key of the module the target may use: one another resource of the same type
 * already uses (at `path`), else one whose label, description or policy names the service (`service`),
 * else the module's only key when its name names no other service. Null when none fits.
 */
export function existingKey(ctx: RuleContext, path: string[], service: RegExp): Found | null {
  const b = need(ctx);
  const keys = usableKmsKeys(ctx);
  const byAddr = new Map(keys.map((k) => [k.localAddress, k]));
  for (const other of moduleBlocks(ctx)) {
    if (other.labels[0] !== b.labels[0] || other.localAddress === b.localAddress) continue;
    const ref = refTo(other, path, new Set(byAddr.keys()));
    if (ref) return { block: byAddr.get(ref)!, why: `it already encrypts ${other.localAddress}` };
  }
  const text = (k: HclBlock) => `${k.labels[1]} ${stringAttr(ctx, k, 'description')}`;
  const named = keys.find((k) => service.test(`${text(k)} ${policyText(ctx, k, 'policy')}`));
  if (named) return { block: named, why: 'its name, description or key policy is for this service' };
  const words = (k: HclBlock) =>
    text(k)
      .toLowerCase()
      .split(/[^a-z0-9]+/);
  const general = keys.filter((k) => !words(k).some((w) => SERVICE_WORDS.includes(w)));
  if (keys.length === 1 && general.length === 1)
    return { block: general[0], why: "it is the module's only customer managed key, for no other service" };
  return null;
}

/** The only resource of `type` in the target's module (single object) accepted by `ok`, else null. */
export function soleResource(
  ctx: RuleContext,
  type: string,
  ok: (b: HclBlock) => boolean = () => true,
): HclBlock | null {
  const all = moduleBlocks(ctx).filter((b) => b.labels[0] === type && single(b) && ok(b));
  return all.length === 1 ? all[0] : null;
}

export interface RefRuleSpec extends Omit<Rule, 'check' | 'fix'> {
  /** Nested block types then the attribute that must be set. */
  path: string[];
  /** Accepts a resolved value of the attribute (default: a non-empty string). Unknown values pass. */
  ok?: (v: HclValue) => boolean;
  /** Resources the rule does not apply to; returns the reason. */
  notApplicable?: (ctx: RuleContext) => string | null;
  /** The existing resource the fix references. */
  find: (ctx: RuleContext) => Found | null;
  /** Attributes written into the nested block of `path` (or the resource), given the found block. */
  values: (found: HclBlock, ctx: RuleContext) => [string, string][];
  /** Why there is no fix when `find` answers null (and the rule asks for no team choice). */
  missing: string;
  /**
   * With nothing to reuse, ask the team: a variable `<label>_<suffix>` for the value (see teamChoice)
   * and the attributes written with its reference; the PR is a draft.
   */
  teamChoice?: TeamAsk & { values: (ref: string) => [string, string][] };
  explanation: string;
  breakingChanges?: string[];
  additionalRequirements: (found: HclBlock) => string[];
}

/** Builds a rule whose fix points the target at a resource the module already has. */
export function refRule(spec: RefRuleSpec): Rule {
  const {
    path,
    ok,
    notApplicable,
    find,
    values,
    missing,
    teamChoice: ask,
    explanation,
    breakingChanges,
    additionalRequirements,
    ...meta
  } = spec;
  const name = path.join('.');
  const accepts = ok ?? nonEmptyString;
  return {
    ...meta,
    ...(ask ? { prerequisites: withTeamChoice(meta.prerequisites, ask) } : {}),
    check(ctx) {
      need(ctx);
      const na = notApplicable?.(ctx);
      if (na) return { status: 'compliant', reasons: [`not applicable: ${na}`] };
      const r = read(ctx, name);
      if (r.set && (!r.known || accepts(r.value)))
        return { status: 'compliant', reasons: [`${name} is set (${r.text})`] };
      return { status: 'non_compliant', reasons: [`${name} is ${r.set ? r.text : 'unset'}`] };
    },
    fix(ctx) {
      const b = need(ctx);
      const found = find(ctx);
      if (!found && ask)
        return askTeamPatch(ctx, b, ask, {
          explanation,
          name,
          write: (ref) => setAttrs(ctx, b, path.slice(0, -1), ask.values(ref)),
          changedAttributes: [name],
          breakingChanges: breakingChanges ?? [],
        });
      if (!found) throw new Error(missing);
      const addr = found.block.localAddress;
      return patch({
        edits: setAttrs(ctx, b, path.slice(0, -1), values(found.block, ctx)),
        explanation: `${explanation} Uses the existing ${addr} (${found.why}); nothing new is created.`,
        changedAttributes: [name],
        confidence: 'medium',
        breakingChanges: breakingChanges ?? [],
        additionalRequirements: additionalRequirements(found.block),
      });
    },
  };
}

/**
 * A CloudWatch log group of the module a fix may send logs to: one whose label or name matches
 * `purpose`, when exactly one does. Null otherwise (which group is then the team's choice).
 */
export function existingLogGroup(ctx: RuleContext, purpose: RegExp): Found | null {
  const b = soleResource(ctx, 'aws_cloudwatch_log_group', (g) =>
    purpose.test(`${g.labels[1]} ${stringAttr(ctx, g, 'name')}`),
  );
  return b ? { block: b, why: 'its name says it is for these logs' } : null;
}
