/**
 * Matching a failure to a rule: by Vanta test id, by Checkov id (so Checkov findings can be fed in as
 * failures), or by keywords on the test name/description together with the resource type.
 */
import type { Failure, Target } from '../contracts';
import { RULES } from './rules';
import type { Rule } from './types';

export { RULES };

/** The rule answering a failure (for the target's resource type when known), or undefined. */
export function findRule(failure: Failure, target?: Pick<Target, 'resourceType'>): Rule | undefined {
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

/** A rule by id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
