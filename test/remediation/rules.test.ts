import fs from 'node:fs';
import path from 'node:path';
import { generateWithRules, verifyFix, RULES, type PatchResult } from '../../src/remediation/engine';
import { findRule } from '../../src/remediation/match';
import { FIXTURES, failureFor, indexAndLocate, scratchRepo, writeFiles } from './helpers';

const RULE_FIXTURES = path.join(FIXTURES, 'rules');

describe('rule catalog', () => {
  it('has at least 30 rules with unique ids, Checkov or Vanta ids and resource types', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.resourceTypes.length).toBeGreaterThan(0);
      expect(r.vantaTestIds.length + r.checkovIds.length + (r.keywords ? 1 : 0)).toBeGreaterThan(0);
    }
  });

  it('every rule has a fixture', () => {
    for (const r of RULES) expect(fs.existsSync(path.join(RULE_FIXTURES, r.id, 'main.tf'))).toBe(true);
  });
});

describe.each(RULES.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
  it('fixes the non-compliant fixture: check passes, re-parses, only the target region changes, second run is a no-op', async () => {
    const dir = scratchRepo(path.join(RULE_FIXTURES, id));
    const address = fs.readFileSync(path.join(dir, 'target.txt'), 'utf8').trim();
    const testId = rule.vantaTestIds[0] ?? rule.checkovIds[0] ?? `custom-${id}`;
    const failure = failureFor(
      testId,
      { testName: rule.title },
      {
        terraformAddress: address,
        file: 'main.tf',
        responseType: rule.accountLevel ? 'AWS Account' : undefined,
      },
    );
    const { index, target } = await indexAndLocate(dir, failure);
    expect(findRule(failure, target)?.id).toBe(id);
    const gen = generateWithRules(index, target, failure);
    expect(gen).toMatchObject({ status: 'patch', ruleId: id });
    const v = await verifyFix(index, target, failure, gen as PatchResult);
    if (!v.ok) throw new Error(v.errors.join('\n'));
    expect(v.fix.diff).toContain('+++ b/main.tf');
    expect(v.fix.validation.ran).toContain(`check:${id}`);
    expect(v.fix.breakingChanges.length > 0).toBe(rule.breaking || v.fix.breakingChanges.length > 0);
    if (rule.breaking) expect(v.fix.breakingChanges.length).toBeGreaterThan(0);
    // Only the target region changed: the bytes before the target block are identical.
    const before = index.files['main.tf'].text;
    const after = v.fix.files.find((f) => f.path === 'main.tf')!.content;
    expect(after.slice(0, target.startByte)).toBe(before.slice(0, target.startByte));
    expect(v.fix.files.map((f) => f.path)).toEqual(['main.tf']);
    // Second run: already compliant, no patch.
    writeFiles(dir, v.fix.files);
    const again = await indexAndLocate(dir, failure);
    const second = generateWithRules(again.index, again.target, failure);
    expect(second).toMatchObject({ status: 'already_compliant', ruleId: id });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
