/**
 * Shared by the compute-family rules whose fix points the target at something the team already has
 * (a KMS key, a dead-letter queue, a code-signing configuration): the value is reused from the
 * repository, never invented; with no single choice the rule asks the team for it as a variable in a
 * draft PR (`teamChoice`), or answers no fix.
 */
import type { HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import {
  moduleBlocks,
  need,
  patch,
  read,
  result,
  setAttr,
  show,
  askTeamPatch,
  withTeamChoice,
  type TeamAsk,
} from './helpers';

/** The single distinct expression other resources of the target's type use for `path`, if any. */
export function usedBySiblings(ctx: RuleContext, path: string[]): string | undefined {
  const b = need(ctx);
  const seen = new Set<string>();
  for (const o of moduleBlocks(ctx)) {
    if (o === b || o.labels[0] !== b.labels[0]) continue;
    const r = read(ctx, path.join('.'), o);
    if (r.set && r.text.trim() && r.text.trim() !== '""' && r.text.trim() !== 'null') seen.add(r.text.trim());
  }
  return seen.size === 1 ? [...seen][0] : undefined;
}

/** `<type>.<name>.arn` of the only resource of one of `types` in the module accepted by `pick`. */
export function onlyResourceArn(
  ctx: RuleContext,
  types: string[],
  pick: (b: HclBlock) => boolean = () => true,
): string | undefined {
  const found = moduleBlocks(ctx).filter((o) => types.includes(o.labels[0] ?? '') && pick(o));
  if (found.length !== 1) return undefined;
  const o = found[0];
  const ref = o.attributes.count ? `${o.localAddress}[0]` : o.localAddress;
  return o.attributes.for_each ? undefined : `${ref}.arn`;
}

export interface ReuseSpec extends Omit<Rule, 'check' | 'fix'> {
  /** Nested block types then the attribute that must be set. */
  path: string[];
  /** The value the repository already has, or undefined (then the fix throws `missing`). */
  choose: (ctx: RuleContext) => string | undefined;
  /** Why there is no fix when `choose` finds nothing (and the rule asks for no team choice). */
  missing: string;
  /** With nothing to reuse, ask the team: a variable `<label>_<suffix>` for the value, in a draft PR. */
  teamChoice?: TeamAsk;
  /** Resources the rule does not apply to; returns the reason. */
  notApplicable?: (ctx: RuleContext) => string | null;
  explanation: string;
  breakingChanges?: string[];
  additionalRequirements: string[];
}

/** A rule requiring `path` to be set (non-empty), fixed with a value chosen from the repository. */
export function reuseRule(spec: ReuseSpec): Rule {
  const {
    path,
    choose,
    missing,
    teamChoice: ask,
    notApplicable,
    explanation,
    breakingChanges,
    additionalRequirements,
    ...meta
  } = spec;
  const name = path.join('.');
  const problem = (ctx: RuleContext): string | undefined => {
    const r = read(ctx, name);
    if (!r.set) return `${name} is unset`;
    if (r.known && (r.value === '' || r.value === null)) return `${name} is ${show(r)}`;
    return undefined;
  };
  return {
    ...meta,
    ...(ask ? { prerequisites: withTeamChoice(meta.prerequisites, ask) } : {}),
    check(ctx) {
      need(ctx);
      const na = notApplicable?.(ctx);
      if (na) return { status: 'compliant', reasons: [`not applicable: ${na}`] };
      const p = problem(ctx);
      return result(p ? [p] : [], `${name} is set`);
    },
    fix(ctx) {
      const b = need(ctx);
      const value = choose(ctx);
      if (!value && ask)
        return askTeamPatch(ctx, b, ask, {
          explanation,
          name,
          write: (ref) => [setAttr(ctx, b, path, ref)],
          changedAttributes: [name],
          breakingChanges: breakingChanges ?? [],
          additionalRequirements,
        });
      if (!value) throw new Error(missing);
      const breaking = breakingChanges ?? [];
      return patch({
        edits: [setAttr(ctx, b, path, value)],
        explanation: `${explanation} Sets ${name} = ${value}, which the repository already uses.`,
        changedAttributes: [name],
        confidence: 'medium',
        breakingChanges: breaking,
        additionalRequirements,
      });
    },
  };
}
