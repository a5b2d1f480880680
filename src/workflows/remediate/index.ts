/**
 * remediateFailureWorkflow, the spine: claim → prepare → analyze → generate and verify → deliver →
 * follow up. Each step lives in its own module; this file reads like the flow. Deterministic: no I/O.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import { call } from '../calls';
import { SA, type RemediateInput, type RemediationResult } from '../definitions';
import { joinGroupAndWait, openOwnPullRequest } from './deliver';
import { generateAndVerify } from './generate';
import { Run } from './progress';

export { remediationStartMetadata } from './progress';

export async function remediateFailureWorkflow(input: RemediateInput): Promise<RemediationResult> {
  const { failure } = input;
  const run = new Run(failure, input.options ?? {});
  const { status, info } = run;

  // Claim: the Redis record decides whether this failure may be worked on now.
  run.enter('claim');
  const claim = await call('claim', `claim ${failure.key}`, [
    { failureKey: failure.key, workflowId: info.workflowId, runId: info.runId },
  ]);
  if (!claim.claimed) {
    const e = claim.existing;
    return run.finish('skipped', {
      reason: `record exists: ${e.status}${e.prUrl ? ` (${e.prUrl})` : ''} since ${e.updatedAt}`,
    });
  }

  // Prepare: the repository and its base commit.
  const prep = await run.runStage('prepare', () =>
    call('prepare', 'resolve repository and base commit', [failure]),
  );
  if (!prep.ok) return run.failStage(prep);
  const prepared = (run.prepared = prep.value);
  status.repo = `${prepared.repo.owner}/${prepared.repo.name}`;
  status.sha = prepared.baseSha;
  upsertSearchAttributes([{ key: SA.repo, value: status.repo }]);

  // Analyze: the Terraform block of the failing resource.
  const analysis = await run.runStage('analyze', () =>
    call('analyze', `locate resource at ${prepared.baseSha.slice(0, 12)}`, [{ failure, prepared }]),
  );
  if (!analysis.ok) return run.failStage(analysis);
  if (analysis.value.status === 'not_found')
    return run.finish('not_found', {
      reason: analysis.value.reason,
      recordStatus: 'not_found',
      ttlSeconds: run.ttl.notFound,
    });
  const target = (run.target = analysis.value.target);
  status.target = `${target.file}: ${target.address}`;

  // Generate and verify: rules first, the LLM for the rest, one repair round.
  const gen = await generateAndVerify(run);
  if (gen.kind === 'done') return gen.result;

  // Deliver: its own PR, or a share of the group PR for its test; then follow the PR.
  if (run.options.groupBy === 'test') return joinGroupAndWait(run, gen.generated);
  return openOwnPullRequest(run, gen.fix);
}
