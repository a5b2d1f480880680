/**
 * The fix policy, written once: the engine choice (the rule catalog first; the LLM when no rule matches
 * and the engine is `auto`, or always with `llm`) and the one LLM repair round (an LLM patch that fails
 * verification goes back to the model once with the errors; a second failure is final). Pure: the
 * remediation workflow runs it over activities, the offline `terrafix fix` over the engine directly.
 */
import type { GenerateResult, Patch, PatchResult, VerifiedFix, VerifyResult } from './contracts';

/** How the policy generates and verifies; `stage` lets the workflow track each step as a stage. */
export interface FixSteps {
  stage<T>(name: 'generate' | 'validate', work: () => Promise<T>): Promise<T>;
  generate(engine: 'rules' | 'llm', repair?: { errors: string[]; patch: Patch }): Promise<GenerateResult>;
  verify(generated: PatchResult): Promise<VerifyResult>;
  /** Called with the first patch, before it is verified (the workflow tags the run with its rule). */
  onPatch?(generated: PatchResult): void;
}

export type FixOutcome =
  | {
      kind: 'fixed';
      fix: VerifiedFix;
      generated: PatchResult;
      /** When the repair round produced the fix: the first patch and why it was rejected. */
      first?: { generated: PatchResult; errors: string[] };
    }
  | { kind: 'already_compliant'; ruleId: string; reason: string }
  | { kind: 'no_fix'; reason: string }
  | {
      kind: 'rejected';
      /** The first patch, verified and rejected. */
      generated: PatchResult;
      /** Why the first patch was rejected. */
      errors: string[];
      /** The repair round: the model gave no patch (reason), or its patch was rejected too (errors). */
      repair?: { reason?: string; generated?: PatchResult; errors?: string[] };
    };

/** Generates a patch with the chosen engine and verifies it, with the one LLM repair round. */
export async function generateAndVerifyFix(
  engine: 'auto' | 'rules' | 'llm',
  steps: FixSteps,
): Promise<FixOutcome> {
  const first = await steps.stage('generate', async () => {
    if (engine === 'llm') return steps.generate('llm');
    const byRule = await steps.generate('rules');
    return byRule.status === 'no_rule' && engine === 'auto' ? steps.generate('llm') : byRule;
  });
  if (first.status === 'already_compliant')
    return { kind: 'already_compliant', ruleId: first.ruleId, reason: first.reason };
  if (first.status !== 'patch') return { kind: 'no_fix', reason: first.reason };
  steps.onPatch?.(first);
  const v1 = await steps.stage('validate', () => steps.verify(first));
  if (v1.ok) return { kind: 'fixed', fix: v1.fix, generated: first };
  if (first.engine !== 'llm') return { kind: 'rejected', generated: first, errors: v1.errors };
  const again = await steps.stage('generate', () =>
    steps.generate('llm', { errors: v1.errors, patch: first.patch }),
  );
  if (again.status !== 'patch')
    return { kind: 'rejected', generated: first, errors: v1.errors, repair: { reason: again.reason } };
  const v2 = await steps.stage('validate', () => steps.verify(again));
  if (v2.ok)
    return { kind: 'fixed', fix: v2.fix, generated: again, first: { generated: first, errors: v1.errors } };
  return {
    kind: 'rejected',
    generated: first,
    errors: v1.errors,
    repair: { generated: again, errors: v2.errors },
  };
}
