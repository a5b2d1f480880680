/**
 * A factory for DocumentDB cluster parameter group controls ("parameter <name> must have an accepted
 * value"): the check reads the group's literal `parameter` blocks; the fix replaces a wrong block in
 * place (same position) or adds the parameter — never a duplicate.
 */
import type { PatchEdit } from '../../contracts';
import type { Rule, RuleContext } from '../types';
import { need, patch, result } from './helpers';

export interface DocdbParameterSpec extends Omit<Rule, 'check' | 'fix' | 'resourceTypes'> {
  /** The parameter's name, e.g. "tls". */
  parameter: string;
  /** Values that comply. */
  accepted: string[];
  /** The value the fix writes. */
  value: string;
  /** Compliant when the parameter is absent (the engine default complies). */
  absentOk: boolean;
  explanation: string;
  breakingChanges: string[];
}

/** A parameter block's name and value when both are string literals. */
function literal(text: string | undefined): string | undefined {
  const m = text?.trim().match(/^"([^"\\$%]*)"$/);
  return m ? m[1] : undefined;
}

/** Index (among `parameter` blocks) and literal value of the named parameter, if the group sets it. */
function find(ctx: RuleContext, name: string): { index: number; value: string | undefined } | undefined {
  const params = need(ctx).blocks.filter((n) => n.type === 'parameter');
  const index = params.findIndex((p) => literal(p.attributes.name?.exprText) === name);
  return index < 0 ? undefined : { index, value: literal(params[index].attributes.value?.exprText) };
}

/** Builds the rule for one parameter of aws_docdb_cluster_parameter_group. */
export function docdbParameterRule(spec: DocdbParameterSpec): Rule {
  const { parameter, accepted, value, absentOk, explanation, breakingChanges, ...meta } = spec;
  const problem = (ctx: RuleContext): string | null => {
    const p = find(ctx, parameter);
    if (!p) return absentOk ? null : `parameter ${parameter} is not set, expected ${value}`;
    return p.value !== undefined && accepted.includes(p.value)
      ? null
      : `parameter ${parameter} is ${p.value ?? 'not a literal'}, expected ${accepted.join(' or ')}`;
  };
  return {
    ...meta,
    resourceTypes: ['aws_docdb_cluster_parameter_group'],
    check(ctx) {
      const p = problem(ctx);
      return result(p ? [p] : [], `parameter ${parameter} complies`);
    },
    fix(ctx) {
      const b = need(ctx);
      const found = find(ctx, parameter);
      const text = `parameter {\n  name  = "${parameter}"\n  value = "${value}"\n}`;
      // An existing block has its value set in place (its other attributes kept); else the parameter is added.
      const edits: PatchEdit[] = found
        ? [
            {
              kind: 'set_attribute',
              file: b.file,
              address: b.localAddress,
              path: [`parameter[${found.index}]`, 'value'],
              value: `"${value}"`,
            },
          ]
        : [{ kind: 'add_nested_block', file: b.file, address: b.localAddress, path: [], text }];
      return patch({
        edits,
        explanation: `${explanation} Changed: parameter ${parameter} (${found ? (found.value ?? 'expression') : 'unset'} → ${value}).`,
        changedAttributes: ['parameter'],
        confidence: breakingChanges.length ? 'medium' : 'high',
        breakingChanges,
      });
    },
  };
}
