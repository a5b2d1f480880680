import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateWithRules, verifyFix, RULES, type PatchResult } from '../../src/remediation/engine';
import { findRule } from '../../src/remediation/match';
import { ALL_CASES, RULE_FIXTURES, caseKey, copyFixture, failureOf } from '../checkov/cases';
import { indexAndLocate, writeFiles } from './helpers';

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

// Each rule on its fixture and on every shape of it (rules/<id>/shapes/<shape>/, see ../checkov/cases.ts).
describe.each(ALL_CASES.map((c) => [caseKey(c), c] as const))('rule %s', (_key, c) => {
  it('fixes the non-compliant fixture: check passes, re-parses, only the target region changes, second run is a no-op', async () => {
    const { rule } = c;
    const id = rule.id;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-rem-'));
    copyFixture(c.src, dir);
    const failure = failureOf(rule, dir);
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
    const before = index.files['main.tf'].text;
    const after = v.fix.files.find((f) => f.path === 'main.tf')!.content;
    expect(v.fix.files.map((f) => f.path)).toEqual(['main.tf']);
    if ((gen as PatchResult).patch.removes?.length) {
      // A deletion: the target block (and the comment lines on it) is cut out, every other byte stays.
      const rest = before.slice(target.endByte).replace(/^\n\n?/, '');
      expect(after.endsWith(rest)).toBe(true);
      expect(before.startsWith(after.slice(0, after.length - rest.length))).toBe(true);
      expect(after).not.toContain(before.slice(target.startByte, target.endByte));
      writeFiles(dir, v.fix.files);
      // Second run: the resource is gone, nothing is located and nothing is fixed.
      await expect(indexAndLocate(dir, failure)).rejects.toThrow(/not located/);
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    }
    // Only the target region changed: the bytes before the target block are identical.
    expect(after.slice(0, target.startByte)).toBe(before.slice(0, target.startByte));
    // Second run: already compliant, no patch.
    writeFiles(dir, v.fix.files);
    const again = await indexAndLocate(dir, failure);
    const second = generateWithRules(again.index, again.target, failure);
    expect(second).toMatchObject({ status: 'already_compliant', ruleId: id });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
