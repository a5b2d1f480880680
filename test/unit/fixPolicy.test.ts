/** The fix policy (engine choice and the one LLM repair round), shared by the workflow and `terrafix fix`. */
import type { GenerateResult, PatchResult, VerifyResult } from '../../src/contracts';
import { generateAndVerifyFix, type FixSteps } from '../../src/fixPolicy';

const patch = (engine: 'rule' | 'llm', explanation: string): PatchResult => ({
  status: 'patch',
  engine,
  ruleId: engine === 'rule' ? 's3-versioning' : undefined,
  patch: {
    edits: [],
    explanation,
    changedAttributes: [],
    confidence: 'medium',
    breakingChanges: [],
    additionalRequirements: [],
  },
  tokens: null,
});
const fixOf = (g: PatchResult): VerifyResult => ({
  ok: true,
  fix: {
    engine: g.engine,
    files: [],
    diff: g.patch.explanation,
    explanation: g.patch.explanation,
    changedAttributes: [],
    confidence: 'medium',
    breakingChanges: [],
    additionalRequirements: [],
    warnings: [],
    validation: { ran: [], skipped: [] },
    tokens: null,
  },
});

/** Steps scripted by engine answers and verdicts by explanation; `log` lists every step in order. */
function steps(answers: Record<string, GenerateResult[]>, reject: Record<string, string[]>) {
  const log: string[] = [];
  const s: FixSteps = {
    stage: async (name, work) => {
      log.push(`stage:${name}`);
      return work();
    },
    generate: async (engine, repair) => {
      log.push(`generate:${engine}${repair ? `(repair: ${repair.errors.join(',')})` : ''}`);
      return answers[engine]!.shift()!;
    },
    verify: async (g) => {
      log.push(`verify:${g.patch.explanation}`);
      const errors = reject[g.patch.explanation];
      return errors ? { ok: false, errors } : fixOf(g);
    },
    onPatch: (g) => log.push(`patch:${g.engine}`),
  };
  return { s, log };
}

it('auto: a rule that matches is used and verified; the LLM is not asked', async () => {
  const { s, log } = steps({ rules: [patch('rule', 'r1')] }, {});
  const r = await generateAndVerifyFix('auto', s);
  expect(r.kind).toBe('fixed');
  expect(log).toEqual(['stage:generate', 'generate:rules', 'patch:rule', 'stage:validate', 'verify:r1']);
});

it('auto: no rule → the LLM, inside the same generate stage', async () => {
  const { s, log } = steps({ rules: [{ status: 'no_rule', reason: 'none' }], llm: [patch('llm', 'l1')] }, {});
  const r = await generateAndVerifyFix('auto', s);
  expect(r).toMatchObject({ kind: 'fixed', generated: { engine: 'llm' } });
  expect(log.slice(0, 3)).toEqual(['stage:generate', 'generate:rules', 'generate:llm']);
});

it('rules: no rule is no_fix; already compliant is reported with the rule', async () => {
  const none = steps({ rules: [{ status: 'no_rule', reason: 'no rule for this' }] }, {});
  expect(await generateAndVerifyFix('rules', none.s)).toEqual({ kind: 'no_fix', reason: 'no rule for this' });
  expect(none.log).not.toContain('generate:llm');
  const ok = steps({ rules: [{ status: 'already_compliant', ruleId: 'x', reason: 'set' }] }, {});
  expect(await generateAndVerifyFix('auto', ok.s)).toEqual({
    kind: 'already_compliant',
    ruleId: 'x',
    reason: 'set',
  });
});

it('a rejected rule patch is final: no repair round', async () => {
  const { s, log } = steps({ rules: [patch('rule', 'r1')] }, { r1: ['bad'] });
  expect(await generateAndVerifyFix('auto', s)).toMatchObject({ kind: 'rejected', errors: ['bad'] });
  expect(log.filter((l) => l.startsWith('generate'))).toEqual(['generate:rules']);
});

it('a rejected LLM patch gets one repair round with its errors; a fixed repair names the first attempt', async () => {
  const { s, log } = steps({ llm: [patch('llm', 'l1'), patch('llm', 'l2')] }, { l1: ['parse error'] });
  const r = await generateAndVerifyFix('llm', s);
  expect(r).toMatchObject({
    kind: 'fixed',
    generated: { patch: { explanation: 'l2' } },
    first: { errors: ['parse error'] },
  });
  expect(log).toEqual([
    'stage:generate',
    'generate:llm',
    'patch:llm',
    'stage:validate',
    'verify:l1',
    'stage:generate',
    'generate:llm(repair: parse error)',
    'stage:validate',
    'verify:l2',
  ]);
});

it('a second rejection, or no repair patch, is final', async () => {
  const twice = steps({ llm: [patch('llm', 'l1'), patch('llm', 'l2')] }, { l1: ['a'], l2: ['b'] });
  expect(await generateAndVerifyFix('llm', twice.s)).toMatchObject({
    kind: 'rejected',
    errors: ['a'],
    repair: { errors: ['b'] },
  });
  const none = steps(
    { llm: [patch('llm', 'l1'), { status: 'no_fix', reason: 'LLM: refused' }] },
    { l1: ['a'] },
  );
  expect(await generateAndVerifyFix('llm', none.s)).toMatchObject({
    kind: 'rejected',
    errors: ['a'],
    repair: { reason: 'LLM: refused' },
  });
});
