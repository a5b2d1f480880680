/**
 * The trees each rule is tested and judged on: its fixture test/fixtures/remediation/rules/<id>/
 * ("main") and its real-world shapes rules/<id>/shapes/<shape>/. Each tree holds `target.txt` (the
 * target address) and may hold `failure.json` (fields overriding the failure built for the rule).
 * A main fixture is always copied without its `shapes/` directory: each shape is its own repository.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Failure } from '../../src/contracts';
import { RULES, type Rule } from '../../src/remediation/engine';
import { FIXTURES, failureFor } from '../remediation/helpers';

export const RULE_FIXTURES = path.join(FIXTURES, 'rules');

/** One tree a rule is run on. */
export interface RuleCase {
  rule: Rule;
  /** "main" or the shape's directory name. */
  name: string;
  src: string;
}

/** The main fixture and every shape of a rule, shapes by name. */
export function casesOf(rule: Rule): RuleCase[] {
  const main: RuleCase = { rule, name: 'main', src: path.join(RULE_FIXTURES, rule.id) };
  const shapesDir = path.join(main.src, 'shapes');
  const shapes = fs.existsSync(shapesDir)
    ? fs
        .readdirSync(shapesDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => ({ rule, name: d.name, src: path.join(shapesDir, d.name) }))
        .sort((a, b) => a.name.localeCompare(b.name))
    : [];
  return [main, ...shapes];
}

/** Every case of every rule, in catalog order. */
export const ALL_CASES: RuleCase[] = RULES.flatMap(casesOf);

/** "<rule id>/<case name>". */
export const caseKey = (c: RuleCase): string => `${c.rule.id}/${c.name}`;

/** Copies a fixture tree into dest, leaving out a main fixture's `shapes/`. */
export function copyFixture(src: string, dest: string): void {
  fs.cpSync(src, dest, { recursive: true, filter: (p) => path.relative(src, p) !== 'shapes' });
}

/** The failure a case's fix answers: the rule's first id on the target, with failure.json's overrides. */
export function failureOf(rule: Rule, dir: string): Failure {
  const address = fs.readFileSync(path.join(dir, 'target.txt'), 'utf8').trim();
  const testId = rule.vantaTestIds[0] ?? rule.checkovIds[0] ?? `custom-${rule.id}`;
  const base = failureFor(
    testId,
    { testName: rule.title },
    {
      terraformAddress: address,
      file: 'main.tf',
      responseType: rule.accountLevel ? 'AWS Account' : undefined,
    },
  );
  const overridePath = path.join(dir, 'failure.json');
  if (!fs.existsSync(overridePath)) return base;
  const o = JSON.parse(fs.readFileSync(overridePath, 'utf8')) as Partial<Failure>;
  return { ...base, ...o, resource: { ...base.resource, ...o.resource } };
}
