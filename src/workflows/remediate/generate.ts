/**
 * Generate and verify a fix: the engine choice (rules, else the LLM when `auto`) and the one LLM repair
 * round with the validation errors. Returns the verified fix, or the finished result when there is none.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { GenerateResult } from '../../activities/types';
import type { VerifiedFix } from '../../contracts';
import { call } from '../calls';
import { SA, type RemediationResult } from '../definitions';
import type { Run } from './progress';

export type PatchResult = Extract<GenerateResult, { status: 'patch' }>;

export type GenerateOutcome =
  { kind: 'fix'; fix: VerifiedFix; generated: PatchResult } | { kind: 'done'; result: RemediationResult };

/** One generate call: the rule catalog, the LLM, or the LLM's repair round. */
function generate(run: Run, eng: 'rules' | 'llm', previousErrors?: string[], previousPatch?: GenerateResult) {
  const summary =
    eng === 'llm'
      ? previousErrors
        ? 'LLM repair round'
        : 'generate fix with the LLM'
      : 'generate fix with the rule catalog';
  return call(
    'generate',
    summary,
    [
      {
        failure: run.failure,
        prepared: run.prepared!,
        target: run.target!,
        engine: eng,
        previousErrors,
        previousPatch: previousPatch?.status === 'patch' ? previousPatch.patch : undefined,
      },
    ],
    eng === 'llm' ? 'generateLlm' : undefined,
  );
}

function validateOnce(run: Run, g: PatchResult) {
  return run.runStage('validate', () =>
    call('validate', `verify ${g.engine} fix`, [
      { failure: run.failure, prepared: run.prepared!, target: run.target!, generated: g },
    ]),
  );
}

const done = async (result: Promise<RemediationResult>): Promise<GenerateOutcome> => ({
  kind: 'done',
  result: await result,
});

/** Generates a patch with the chosen engine and verifies it (with one LLM repair round). */
export async function generateAndVerify(run: Run): Promise<GenerateOutcome> {
  const engine = run.options.engine ?? 'auto';
  const { status, ttl } = run;
  const gen = await run.runStage('generate', async () => {
    if (engine === 'llm') return generate(run, 'llm');
    const byRule = await generate(run, 'rules');
    if (byRule.status === 'no_rule' && engine === 'auto') return generate(run, 'llm');
    return byRule;
  });
  if (!gen.ok) return done(run.failStage(gen));
  let generated = gen.value;
  if (generated.status === 'already_compliant') {
    status.ruleId = generated.ruleId;
    return done(
      run.finish('already_compliant', { reason: generated.reason, recordStatus: 'already_compliant' }),
    );
  }
  if (generated.status !== 'patch')
    return done(
      run.finish('no_fix', { reason: generated.reason, recordStatus: 'no_fix', ttlSeconds: ttl.notFound }),
    );
  status.engine = generated.engine;
  status.ruleId = generated.ruleId;
  if (generated.ruleId) upsertSearchAttributes([{ key: SA.ruleId, value: generated.ruleId }]);

  let validation = await validateOnce(run, generated);
  if (!validation.ok) return done(run.failStage(validation));
  if (!validation.value.ok && generated.engine === 'llm') {
    // One repair round-trip with the validation errors.
    const errors = validation.value.errors;
    const repaired = await run.runStage('generate', () => generate(run, 'llm', errors, generated));
    if (!repaired.ok) return done(run.failStage(repaired));
    if (repaired.value.status !== 'patch')
      return done(
        run.finish('fix_rejected', {
          reason: errors.join('; '),
          recordStatus: 'fix_rejected',
          ttlSeconds: ttl.notFound,
        }),
      );
    generated = repaired.value;
    validation = await validateOnce(run, generated);
    if (!validation.ok) return done(run.failStage(validation));
  }
  if (!validation.value.ok)
    return done(
      run.finish('fix_rejected', {
        reason: validation.value.errors.join('; '),
        recordStatus: 'fix_rejected',
        ttlSeconds: ttl.notFound,
      }),
    );
  return { kind: 'fix', fix: validation.value.fix, generated };
}
