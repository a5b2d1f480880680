/**
 * The closed loop after a PR is opened: wait for its outcome (webhook signal or periodic check), then
 * for Vanta to report the entity passing; closed → rejected, no outcome → stale with a reminder,
 * fixed elsewhere first → the PR is closed (or the group asked to drop this fix).
 */
import { condition, getExternalWorkflowHandle, patched } from '@temporalio/workflow';
import type { PreparedRepo } from '../../contracts';
import { groupKeyOf, groupWorkflowId } from '../../failure/ids';
import { call } from '../calls';
import { GROUP_FOLLOW_UP_PATCH, groupLeaveSignal, type RemediationResult } from '../definitions';
import { LIVE_OUTCOME_PATCH, reasonOf, type Run } from './progress';

/** Waits for the PR outcome, then for Vanta's re-check. */
export async function followUp(run: Run, prep: PreparedRepo, prNumber: number): Promise<RemediationResult> {
  const { options, failure } = run;
  const checkEvery = options.prCheckIntervalMs ?? 4 * 3600_000;
  const staleAfter = options.staleAfterMs ?? 30 * 24 * 3600_000;
  run.enter('awaiting_merge');
  // A grouped PR is followed by its group workflow, which signals the outcome (prOutcome).
  const byGroup = options.groupBy === 'test' && patched(GROUP_FOLLOW_UP_PATCH);
  const deadline = Date.now() + staleAfter;
  let prState: string = 'open';
  while (Date.now() < deadline) {
    await condition(
      () => run.prSignal !== undefined || run.resolvedElsewhere,
      Math.min(checkEvery, Math.max(1, deadline - Date.now())),
    );
    if (run.resolvedElsewhere && options.groupBy === 'test') {
      // The group PR carries other fixes: ask the group to drop this one (it closes the PR when empty).
      try {
        await getExternalWorkflowHandle(groupWorkflowId(groupKeyOf(prep, failure.testId))).signal(
          groupLeaveSignal,
          {
            failureKey: failure.key,
            reason: 'resolved elsewhere',
            updatePr: true,
          },
        );
      } catch {
        // The group already ended (its PR was merged or closed): nothing left to update.
      }
      return run.finish('resolved_elsewhere', { recordStatus: 'resolved_elsewhere' });
    }
    if (run.resolvedElsewhere) {
      await call('closePullRequest', 'close PR: fixed elsewhere', [
        {
          prepared: prep,
          number: prNumber,
          comment:
            'Vanta no longer reports this failure, so it was fixed elsewhere. TerraFix is closing this PR.',
        },
      ]);
      return run.finish('resolved_elsewhere', { recordStatus: 'resolved_elsewhere' });
    }
    prState =
      run.prSignal?.state ??
      (byGroup
        ? 'open'
        : await call('checkPullRequest', 'check PR state', [{ prepared: prep, number: prNumber }]));
    run.prSignal = undefined;
    if (prState === 'merged' || prState === 'closed' || prState === 'missing') break;
    const stillFailing = await call('failureStillPresent', 'is the failure still reported by Vanta?', [
      { failure },
    ]);
    if (!stillFailing) run.resolvedElsewhere = true;
  }
  if (prState === 'closed' || prState === 'missing') {
    return run.finish('rejected', {
      reason: 'PR closed without merge',
      recordStatus: 'rejected',
      ttlSeconds: options.rejectedSuppressSeconds,
    });
  }
  if (prState !== 'merged') return stale(run, prep, prNumber, staleAfter, !byGroup);
  return awaitVanta(run, checkEvery);
}

/** No outcome in time: remind the reviewers on the PR (unless the group does) and end as stale. */
async function stale(
  run: Run,
  prep: PreparedRepo,
  prNumber: number,
  staleAfter: number,
  remind: boolean,
): Promise<RemediationResult> {
  const reason = `no PR outcome within ${Math.round(staleAfter / 3600_000)} h`;
  // The group reminds the reviewers of a group PR once, not each member.
  if (remind)
    try {
      await call('remindPullRequest', 'remind reviewers: PR is stale', [
        {
          prepared: prep,
          number: prNumber,
          comment: `TerraFix opened this PR ${Math.round(staleAfter / 86_400_000)} day(s) ago and it has had no review outcome since. The compliance failure is still open in Vanta: please review, merge or close it.`,
        },
      ]);
    } catch (err) {
      run.status.lastError = `stale reminder failed: ${reasonOf(err)}`;
    }
  return run.finish('stale', { reason, recordStatus: 'stale' });
}

/** Merged: wait for Vanta to stop reporting the failure. */
async function awaitVanta(run: Run, checkEvery: number): Promise<RemediationResult> {
  const vantaWait = run.options.vantaWaitMs ?? 2 * 24 * 3600_000;
  run.enter('awaiting_vanta');
  if (patched(LIVE_OUTCOME_PATCH)) run.setLiveOutcome('awaiting_vanta');
  const vantaDeadline = Date.now() + vantaWait;
  while (Date.now() < vantaDeadline) {
    const still = await call('failureStillPresent', 'is the failure still reported by Vanta?', [
      { failure: run.failure },
    ]);
    if (!still) return run.finish('resolved', { recordStatus: 'resolved' });
    await condition(
      () => run.resolvedElsewhere,
      Math.min(checkEvery, Math.max(1, vantaDeadline - Date.now())),
    );
    if (run.resolvedElsewhere) return run.finish('resolved', { recordStatus: 'resolved' });
  }
  return run.finish('stale', {
    reason: 'merged, but Vanta still reports the failure',
    recordStatus: 'stale',
  });
}
