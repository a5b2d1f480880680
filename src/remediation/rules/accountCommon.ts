/**
 * Account-level controls (EBS default encryption, IAM password policy, GuardDuty): compliant when a
 * resource of the type anywhere in the repository has the required settings; the fix edits the
 * existing resource in place, or adds one to the file the locator chose when there is none.
 */
import type { PatchEdit } from '../../contracts';
import type { HclBlock } from '../../terraform';
import type { Rule, RuleContext } from '../types';
import { patch, read, setAttrs, show } from './helpers';
import type { Setting } from './attrRule';

export interface AccountRuleSpec extends Omit<Rule, 'check' | 'fix' | 'accountLevel'> {
  type: string;
  settings: Setting[];
  explanation: string;
  breakingChanges?: string[];
}

function problems(ctx: RuleContext, b: HclBlock, settings: Setting[]): string[] {
  const out: string[] = [];
  for (const s of settings) {
    const r = read(ctx, s.path.join('.'), b);
    if (!r.set ? !s.unsetOk : !r.known || !s.ok(r.value))
      out.push(`${s.path.join('.')} is ${show(r)}, expected ${s.expect}`);
  }
  return out;
}

/** Builds an account-level rule. */
export function accountRule(spec: AccountRuleSpec): Rule {
  const { type, settings, explanation, breakingChanges, ...meta } = spec;
  const existing = (ctx: RuleContext): HclBlock[] => {
    if (ctx.block && ctx.block.labels[0] === type) return [ctx.block];
    return ctx.index.blocks.filter((b) => b.kind === 'resource' && b.labels[0] === type);
  };
  return {
    ...meta,
    accountLevel: true,
    check(ctx) {
      const all = existing(ctx);
      if (!all.length) return { status: 'non_compliant', reasons: [`no ${type} in the repository`] };
      for (const b of all)
        if (problems(ctx, b, settings).length === 0)
          return { status: 'compliant', reasons: [`${b.address} is configured`] };
      return {
        status: 'non_compliant',
        reasons: all.flatMap((b) => problems(ctx, b, settings).map((p) => `${b.address}: ${p}`)),
      };
    },
    fix(ctx) {
      const all = existing(ctx);
      let edits: PatchEdit[];
      let how: string;
      if (all.length) {
        const b = all[0];
        const bad = settings.filter((s) => problems(ctx, b, [s]).length > 0);
        const groups = new Map<string, [string, string][]>();
        for (const s of bad) {
          const k = s.path.slice(0, -1).join('.');
          groups.set(k, [...(groups.get(k) ?? []), [s.path[s.path.length - 1], s.value]]);
        }
        edits = [...groups].flatMap(([k, v]) => setAttrs(ctx, b, k ? k.split('.') : [], v));
        how = `Updates the existing ${b.localAddress}.`;
      } else {
        const body = settings.map((s) => `  ${s.path.join('.')} = ${s.value}`).join('\n');
        edits = [
          {
            kind: 'insert_after',
            file: ctx.target.file,
            afterAddress: null,
            text: `resource "${type}" "this" {\n${body}\n}`,
          },
        ];
        how = `Adds ${type}.this to ${ctx.target.file}.`;
      }
      return patch({
        edits,
        explanation: `${explanation} ${how}`,
        changedAttributes: settings.map((s) => s.path.join('.')),
        confidence: all.length ? 'high' : 'medium',
        breakingChanges: breakingChanges ?? [],
        additionalRequirements: all.length
          ? []
          : [
              `The new ${type}.this applies to the account/region of the provider configured for ${ctx.target.file}; add it once per region where needed.`,
            ],
      });
    },
  };
}
