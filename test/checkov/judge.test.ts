/**
 * Checkov is the judge of the rule catalog. Every rule is run on its fixture
 * (test/fixtures/remediation/rules/<id>/main.tf) and on each of its real-world shapes
 * (rules/<id>/shapes/<shape>/: a small Terraform tree, `target.txt` naming the target address and an
 * optional `failure.json` overriding the failure's fields), and Checkov scans every tree before and
 * after the rule's verified fix. A Checkov id is proven for a rule when, in at least one tree, it fails
 * on a resource before and Checkov evaluates and passes it on that resource after. The judge requires:
 * every fix verifies, no fix adds a finding, the rule claims exactly the ids it proves (minus the few
 * listed in UNCLAIMED with the reason), and `terrafix rules --json` lists exactly those ids.
 * Two Checkov runs in all (one over every "before" tree, one over every "after" tree).
 *
 * The module-input fixtures (test/fixtures/remediation/modules/) are scanned with the "before" trees,
 * but not judged: they call registry modules, which Checkov cannot download offline, so it sees only
 * the module call (CKV_TF_1, "pin the module source to a commit hash") and none of the resources.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  generateWithRules,
  verifyFix,
  RULES,
  type PatchResult,
  type Rule,
} from '../../src/remediation/engine';
import { runRules, type RuleJson } from '../../src/cli/commands/rules';
import { findCheckov, runCheckov, type CheckovReport, type Finding } from '../harness/checkov';
import { FIXTURES, indexAndLocate, writeFiles } from '../remediation/helpers';
import { ALL_CASES, caseKey, copyFixture, failureOf, type RuleCase } from './cases';

jest.setTimeout(300_000);

const MODULE_FIXTURES = path.join(FIXTURES, 'modules');
/** The directory of a module-input fixture in the "before" tree (not a rule id). */
const MODULES_DIR = '_modules';

/**
 * Ids a rule's fix is proven to satisfy in some tree but that the rule deliberately does not claim,
 * with the reason: claiming one would make the rule answer failures it does not fix (a failure
 * matches a rule by its Checkov id). Each entry must stay proven and unclaimed (checked below).
 */
const UNCLAIMED: Record<string, Record<string, string>> = {
  'alb-http-to-https-redirect': {
    CKV_AWS_103:
      'TLS 1.2 on HTTPS/TLS listeners: it passes a redirecting HTTP listener, but a failure on an HTTPS listener with an old ssl_policy would be called compliant by this rule',
    CKV_AWS_378:
      "the target group's protocol: it passes here only because the redirected listener stops forwarding to the HTTP target group",
  },
  'guardduty-enabled': {
    CKV2_AWS_3:
      'also needs an aws_guardduty_organization_configuration (proven only where one exists): the rule never adds one, so an enabled detector without it still fails',
  },
};

/**
 * Findings a fix may add, per tree, with the reason: a new resource the fix must create fails a check
 * that no fix of this rule can satisfy. Each entry must still be added (checked below).
 */
const ACCEPTED_ADDED: Record<string, Record<string, string>> = {
  'guardduty-enabled/main': {
    CKV2_AWS_3:
      'the new detector has no organization configuration, which exists only in the delegated administrator account',
  },
};

const CASES = ALL_CASES;

/** The findings of one tree: files under `<rule>/<case>/`. */
const inTree = (list: Finding[], key: string): Finding[] => list.filter((f) => f.file.startsWith(`${key}/`));
const id = (f: Finding): string => `${f.checkId} ${f.resource}`;

const bin = findCheckov();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-checkov-'));
const fixErrors = new Map<string, string>();
let before: CheckovReport = { failed: [], passed: [] };
let after: CheckovReport = { failed: [], passed: [] };

/** Copies a case to the "before" tree, fixes a scratch copy with the rule and copies it to "after". */
async function prepare(c: RuleCase): Promise<void> {
  copyFixture(c.src, path.join(root, 'before', caseKey(c)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-judge-'));
  try {
    copyFixture(c.src, dir);
    const failure = failureOf(c.rule, dir);
    const { index, target } = await indexAndLocate(dir, failure);
    const gen = generateWithRules(index, target, failure);
    if (gen.status !== 'patch') throw new Error(`no patch: ${JSON.stringify(gen)}`);
    if (gen.ruleId !== c.rule.id) throw new Error(`answered by ${gen.ruleId}, not ${c.rule.id}`);
    const v = await verifyFix(index, target, failure, gen as PatchResult, { terraformValidate: false });
    if (!v.ok) throw new Error(v.errors.join('; '));
    writeFiles(dir, v.fix.files);
    copyFixture(dir, path.join(root, 'after', caseKey(c)));
  } catch (err) {
    fixErrors.set(caseKey(c), (err as Error).message);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  if (!bin) return;
  for (const c of CASES) await prepare(c);
  for (const m of fs.readdirSync(MODULE_FIXTURES))
    copyFixture(path.join(MODULE_FIXTURES, m), path.join(root, 'before', MODULES_DIR, m));
  const t0 = Date.now();
  before = runCheckov(bin, path.join(root, 'before'));
  after = runCheckov(bin, path.join(root, 'after'));
  // The Checkov time, apart from the fixes (reported by `npx jest --ci test/checkov`).
  console.info(`checkov: 2 runs over ${CASES.length} trees in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (process.env.TERRAFIX_JUDGE_REPORT) writeReport(process.env.TERRAFIX_JUDGE_REPORT);
});

/** TERRAFIX_JUDGE_REPORT=file: per tree, what failed before, what the fix proves and what it adds. */
function writeReport(file: string): void {
  const rows = CASES.map((c) => ({
    case: caseKey(c),
    claims: c.rule.checkovIds,
    fixError: fixErrors.get(caseKey(c)),
    failedBefore: inTree(before.failed, caseKey(c)).map(id).sort(),
    ...verdict(c),
  }));
  fs.writeFileSync(file, JSON.stringify(rows, null, 2));
}

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** What Checkov says about one case: the ids it proves and the findings its fix adds. */
function verdict(c: RuleCase): { proves: string[]; added: string[] } {
  const key = caseKey(c);
  const failedBefore = inTree(before.failed, key);
  const passedAfter = new Set(inTree(after.passed, key).map(id));
  const had = new Set(failedBefore.map(id));
  return {
    proves: [...new Set(failedBefore.filter((f) => passedAfter.has(id(f))).map((f) => f.checkId))].sort(),
    added: inTree(after.failed, key)
      .filter((f) => !had.has(id(f)) && !(f.checkId in (ACCEPTED_ADDED[key] ?? {})))
      .map(id)
      .sort(),
  };
}

/** Every id the rule's cases prove, with the cases proving it. */
function proofs(rule: Rule): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of CASES.filter((x) => x.rule === rule))
    for (const p of verdict(c).proves) out.set(p, [...(out.get(p) ?? []), c.name]);
  return out;
}

/** The ids a rule should claim: what it proves, minus the deliberate exceptions. */
const provenClaims = (rule: Rule): string[] =>
  [...proofs(rule).keys()].filter((x) => !(x in (UNCLAIMED[rule.id] ?? {}))).sort();

it('Checkov is installed (scripts/setup.sh puts it in a cached virtual environment)', () => {
  expect(bin).toBeDefined();
});

it('the module-input fixtures are not judged: offline, Checkov sees only the registry module call', () => {
  const seen = inTree(before.failed, MODULES_DIR).concat(inTree(before.passed, MODULES_DIR));
  expect(seen.length).toBeGreaterThan(0);
  // CKV_TF_1/CKV_TF_2: pin the module source to a commit hash / a version tag — the call, not a resource.
  expect([...new Set(seen.map((f) => f.checkId))].filter((c) => !c.startsWith('CKV_TF_'))).toEqual([]);
});

it('every exception is still needed: unclaimed ids stay proven, accepted findings are still added', () => {
  if (!bin) throw new Error('checkov is not installed: run scripts/setup.sh');
  for (const [ruleId, ids] of Object.entries(UNCLAIMED)) {
    const rule = RULES.find((r) => r.id === ruleId)!;
    for (const c of Object.keys(ids))
      expect({ ruleId, c, proven: proofs(rule).has(c), claimed: rule.checkovIds.includes(c) }).toEqual({
        ruleId,
        c,
        proven: true,
        claimed: false,
      });
  }
  for (const [key, ids] of Object.entries(ACCEPTED_ADDED)) {
    const had = new Set(inTree(before.failed, key).map(id));
    const added = inTree(after.failed, key).filter((f) => !had.has(id(f)));
    for (const c of Object.keys(ids))
      expect({ key, c, added: added.some((f) => f.checkId === c) }).toEqual({ key, c, added: true });
  }
});

describe.each(CASES.map((c) => [caseKey(c), c] as const))('%s', (key, c) => {
  it('the fix verifies and adds no Checkov finding', () => {
    if (!bin) throw new Error('checkov is not installed: run scripts/setup.sh');
    expect({ key, fixError: fixErrors.get(key) }).toEqual({ key, fixError: undefined });
    expect({ key, added: verdict(c).added }).toEqual({ key, added: [] });
  });

  it('every claimed check that failed on the target before no longer fails on it (passes, or the target is deleted)', () => {
    if (!bin) throw new Error('checkov is not installed: run scripts/setup.sh');
    const target = fs.readFileSync(path.join(c.src, 'target.txt'), 'utf8').trim();
    // An instance of count/for_each is left out: Checkov's graph checks (CKV2_*, CKV_AWS_145) link a
    // companion's `x[count.index]` / `x[each.key]` to one instance only, which one varying by run.
    if (/\]$/.test(target)) return;
    const claimed = new Set(c.rule.checkovIds);
    const onTarget = (fs_: Finding[]) =>
      inTree(fs_, key)
        .filter((f) => f.resource === target && claimed.has(f.checkId))
        .map(id);
    const failedAfter = new Set(onTarget(after.failed));
    expect({ key, stillFailing: onTarget(before.failed).filter((f) => failedAfter.has(f)) }).toEqual({
      key,
      stillFailing: [],
    });
  });
});

describe.each(RULES.map((r) => [r.id, r] as const))('rule %s', (ruleId, rule) => {
  it('claims exactly the Checkov ids its fix is proven to satisfy', () => {
    if (!bin) throw new Error('checkov is not installed: run scripts/setup.sh');
    const proven = proofs(rule);
    // Every claim fails before and passes after in at least one tree.
    for (const c of rule.checkovIds)
      expect({ check: c, provenBy: proven.get(c) ?? [] }).toEqual({
        check: c,
        provenBy: expect.arrayContaining([expect.any(String)]),
      });
    expect({ rule: ruleId, claims: [...rule.checkovIds].sort() }).toEqual({
      rule: ruleId,
      claims: provenClaims(rule),
    });
  });

  it('terrafix rules --json lists exactly the proven ids', () => {
    if (!bin) throw new Error('checkov is not installed: run scripts/setup.sh');
    const listed = (JSON.parse(runRules({ json: true }).stdout) as RuleJson[]).find((r) => r.id === ruleId);
    expect([...(listed?.checkovIds ?? [])].sort()).toEqual(provenClaims(rule));
  });
});
