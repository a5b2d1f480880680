/**
 * A factory for the many controls that are "these attributes must have these values" on one resource:
 * the check reads resolved values; the fix edits the existing attribute in place or adds it (and any
 * missing nested block) — never a duplicate.
 */
import type { Impact } from '../../contracts';
import type { HclValue } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { need, patch, read, result, setAttrs, show } from './helpers';

export interface Setting {
  /** Nested block types then attribute name. */
  path: string[];
  /** Accepts a resolved value. */
  ok: (v: HclValue) => boolean;
  /** HCL text written by the fix. */
  value: string;
  /** Compliant when the attribute is not set (the provider default is compliant). */
  unsetOk?: boolean;
  /** Resource types the setting applies to (default: all of the rule's types). */
  types?: string[];
  /** Human description of the requirement, e.g. "storage_encrypted = true". */
  expect: string;
}

export interface AttrRuleSpec extends Omit<Rule, 'check' | 'fix'> {
  settings: Setting[];
  explanation: string;
  breakingChanges?: string[] | ((ctx: RuleContext) => string[]);
  additionalRequirements?: string[];
  /** Structured impact of the fix (cost, downtime, replacement), shown as a callout in the PR. */
  impact?: Impact;
  confidence?: 'high' | 'medium' | 'low';
  /** Resources the rule does not apply to (e.g. asymmetric KMS keys); returns the reason. */
  notApplicable?: (ctx: RuleContext) => string | null;
}

function applicable(ctx: RuleContext, spec: AttrRuleSpec): Setting[] {
  const type = ctx.block?.labels[0] ?? ctx.target.resourceType;
  return spec.settings.filter((s) => !s.types || s.types.includes(type));
}

function failing(ctx: RuleContext, spec: AttrRuleSpec): { s: Setting; got: string }[] {
  const out: { s: Setting; got: string }[] = [];
  for (const s of applicable(ctx, spec)) {
    const r = read(ctx, s.path.join('.'));
    if (!r.set) {
      if (!s.unsetOk) out.push({ s, got: 'unset' });
    } else if (!r.known || !s.ok(r.value)) out.push({ s, got: show(r) });
  }
  return out;
}

/** Builds a Rule from attribute settings. */
export function attrRule(spec: AttrRuleSpec): Rule {
  const {
    settings: _s,
    explanation,
    breakingChanges,
    additionalRequirements,
    impact,
    confidence,
    notApplicable,
    ...meta
  } = spec;
  return {
    ...meta,
    check(ctx) {
      need(ctx);
      const na = notApplicable?.(ctx);
      if (na) return { status: 'compliant', reasons: [`not applicable: ${na}`] };
      return result(
        failing(ctx, spec).map((f) => `${f.s.path.join('.')} is ${f.got}, expected ${f.s.expect}`),
        `${applicable(ctx, spec)
          .map((s) => s.expect)
          .join(', ')}`,
      );
    },
    fix(ctx) {
      const b = need(ctx);
      const bad = failing(ctx, spec);
      // Group by nested path so a missing nested block is added once with all its attributes.
      const groups = new Map<string, [string, string][]>();
      for (const f of bad) {
        const key = f.s.path.slice(0, -1).join('\u0000');
        const list = groups.get(key) ?? [];
        list.push([f.s.path[f.s.path.length - 1], f.s.value]);
        groups.set(key, list);
      }
      const edits = [...groups].flatMap(([k, vals]) => setAttrs(ctx, b, k ? k.split('\u0000') : [], vals));
      const breaking = typeof breakingChanges === 'function' ? breakingChanges(ctx) : (breakingChanges ?? []);
      return patch({
        edits,
        explanation: `${explanation} Changed: ${bad.map((f) => `${f.s.path.join('.')} (${f.got} → ${f.s.value})`).join(', ')}.`,
        changedAttributes: bad.map((f) => f.s.path.join('.')),
        confidence: confidence ?? (breaking.length ? 'medium' : 'high'),
        breakingChanges: breaking,
        additionalRequirements: additionalRequirements ?? [],
        ...(impact ? { impact } : {}),
      });
    },
  };
}

export const eq =
  (x: HclValue) =>
  (v: HclValue): boolean =>
    v === x || String(v) === String(x);
export const atLeast =
  (n: number) =>
  (v: HclValue): boolean =>
    Number(v) >= n;
