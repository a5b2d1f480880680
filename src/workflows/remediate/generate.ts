/**
 * Generate and verify a fix: the fix policy (src/fixPolicy.ts, shared with the offline `terrafix fix`:
 * rules, else the LLM when `auto`, and one LLM repair round) run over the generate and validate
 * activities as tracked stages. Returns the verified fix, or the finished result when there is none.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { Patch, PatchResult, VerifiedFix } from '../../contracts';
import { generateAndVerifyFix, type FixOutcome } from '../../fixPolicy';
import { call } from '../calls';
import { SA, type RemediationResult } from '../definitions';
import type { Run } from './progress';

export type { PatchResult } from '../../contracts';

export type GenerateOutcome =
  { kind: 'fix'; fix: VerifiedFix; generated: PatchResult } | { kind: 'done'; result: RemediationResult };

/** One generate call: the rule catalog, the LLM, or the LLM's repair round. */
function generate(run: Run, eng: 'rules' | 'llm', repair?: { errors: string[]; patch: Patch }) {
  const summary =
    eng === 'llm'
      ? repair
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
        previousErrors: repair?.errors,
        previousPatch: repair?.patch,
      },
    ],
    eng === 'llm' ? 'generateLlm' : undefined,
  );
}

const done = async (result: Promise<RemediationResult>): Promise<GenerateOutcome> => ({
  kind: 'done',
  result: await result,
});

/** A stage that failed (its retries ran out, or its error is permanent): ends the run with failStage. */
class StageFailed {
  constructor(readonly result: { reason: string; type?: string }) {}
}

/** Runs `work` as a tracked stage of the run; a failure is thrown as StageFailed. */
async function stage<T>(run: Run, name: 'generate' | 'validate', work: () => Promise<T>): Promise<T> {
  const r = await run.runStage(name, work);
  if (!r.ok) throw new StageFailed(r);
  return r.value;
}

/** Generates a patch with the chosen engine and verifies it (the fix policy, with one LLM repair round). */
export async function generateAndVerify(run: Run): Promise<GenerateOutcome> {
  const { status, ttl } = run;
  let r: FixOutcome;
  try {
    r = await generateAndVerifyFix(run.options.engine ?? 'auto', {
      stage: (name, work) => stage(run, name, work),
      generate: (engine, repair) => generate(run, engine, repair),
      verify: (g) =>
        call('validate', `verify ${g.engine} fix`, [
          { failure: run.failure, prepared: run.prepared!, target: run.target!, generated: g },
        ]),
      onPatch: (g) => {
        status.engine = g.engine;
        status.ruleId = g.ruleId;
        if (g.ruleId) upsertSearchAttributes([{ key: SA.ruleId, value: g.ruleId }]);
      },
    });
  } catch (err) {
    if (err instanceof StageFailed) return done(run.failStage(err.result));
    throw err;
  }
  switch (r.kind) {
    case 'fixed':
      return { kind: 'fix', fix: r.fix, generated: r.generated };
    case 'already_compliant':
      status.ruleId = r.ruleId;
      return done(run.finish('already_compliant', { reason: r.reason, recordStatus: 'already_compliant' }));
    case 'no_fix':
      return done(
        run.finish('no_fix', { reason: r.reason, recordStatus: 'no_fix', ttlSeconds: ttl.notFound }),
      );
    case 'rejected':
      return done(
        run.finish('fix_rejected', {
          reason: (r.repair?.errors ?? r.errors).join('; '),
          recordStatus: 'fix_rejected',
          ttlSeconds: ttl.notFound,
        }),
      );
  }
}
