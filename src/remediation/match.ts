/**
 * Matching a failure to a rule: by Vanta test id, by Checkov id (so Checkov findings can be fed in as
 * failures), or by keywords on the test name/description together with the resource type. For a
 * resource created by a registry module (target.module), the matched rule is the module-input version
 * of the catalog rule (src/remediation/moduleRules.ts), or none when the module table does not map it.
 */
import type { Failure, Target } from '../contracts';
import { moduleNoRuleReason, moduleRule } from './moduleRules';
import { RULES } from './rules';
import type { Rule } from './types';

export { RULES };

type MatchTarget = Pick<Target, 'resourceType'> & Partial<Pick<Target, 'module'>>;

/** The catalog rule answering a failure (for the target's resource type when known), or undefined. */
export function catalogRule(failure: Failure, target?: MatchTarget): Rule | undefined {
  const type = target?.resourceType || '';
  const typeOk = (r: Rule) => !type || r.resourceTypes.includes(type);
  const id = failure.testId.trim();
  const byId = RULES.filter((r) => r.vantaTestIds.includes(id) || r.checkovIds.includes(id.toUpperCase()));
  const idMatch = byId.find(typeOk) ?? (type ? undefined : byId[0]);
  if (idMatch) return idMatch;
  if (byId.length && !type) return byId[0];
  const text = `${failure.testName ?? ''} ${failure.description ?? ''} ${id.replace(/[-_]/g, ' ')}`;
  const rt = failure.resource.responseType ?? '';
  return RULES.find(
    (r) =>
      r.keywords.test(text) &&
      (type ? r.resourceTypes.includes(type) : Boolean(rt && r.responseTypes?.test(rt))),
  );
}

/** The rule answering a failure on a target (module targets: through the module's inputs), or undefined. */
export function findRule(failure: Failure, target?: MatchTarget): Rule | undefined {
  const rule = catalogRule(failure, target);
  return rule && target?.module ? moduleRule(rule, target.module) : rule;
}

/** Why findRule answers nothing for this failure and target (names the module for module targets). */
export function noRuleReason(failure: Failure, target: Target): string {
  if (target.module) return moduleNoRuleReason(catalogRule(failure, target), failure, target);
  return `no rule matches test "${failure.testId}" on ${target.resourceType || 'this resource'}`;
}

/** A rule by id (for a module target: its module-input version, undefined when the module does not map it). */
export function ruleById(id: string, target?: MatchTarget): Rule | undefined {
  const rule = RULES.find((r) => r.id === id);
  return rule && target?.module ? moduleRule(rule, target.module) : rule;
}
