/**
 * Deliver a verified fix: open (or update) its own PR, waiting durably while the PR limits refuse a
 * new one, or hand it to the group PR workflow and wait for the PR it lands in; then record pr_open and
 * follow the PR when asked to.
 */
import { condition, patched, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { VerifiedFix } from '../../contracts';
import { CAPACITY_ERROR_TYPES } from '../../errors';
import { groupKeyOf, groupWorkflowId } from '../../failure/ids';
import { call } from '../calls';
import { SA, recordOf, type RemediationResult } from '../definitions';
import { followUp } from './followUp';
import type { PatchResult } from './generate';
import { LIVE_OUTCOME_PATCH, md, type Run } from './progress';

/** One PR for this failure. */
export async function openOwnPullRequest(run: Run, fix: VerifiedFix): Promise<RemediationResult> {
  const { status, options } = run;
  // The PR limits (PR_CONCURRENT_LIMIT / PR_HOURLY_LIMIT) make the code host refuse a new PR for now;
  // the remediation then waits on a durable timer and tries again, instead of failing or spinning.
  const openPr = () =>
    run.runStage('open_pr', () =>
      call('openPullRequest', 'open or update the pull request', [
        { failure: run.failure, prepared: run.prepared!, target: run.target!, fix },
      ]),
    );
  let pr = await openPr();
  while (!pr.ok && pr.type !== undefined && CAPACITY_ERROR_TYPES.includes(pr.type)) {
    run.setDetails(`waiting for PR capacity: ${md(pr.reason)}`);
    await sleep(options.prLimitWaitMs ?? 15 * 60_000);
    pr = await openPr();
  }
  run.setDetails();
  if (!pr.ok) return run.failStage(pr);
  if (pr.value.action === 'rejected_by_reviewer') {
    status.prUrl = pr.value.url;
    return run.finish('rejected_by_reviewer', {
      reason: 'a TerraFix PR for this failure was closed unmerged',
      recordStatus: 'rejected',
      ttlSeconds: options.rejectedSuppressSeconds,
    });
  }
  status.prUrl = pr.value.url;
  status.prNumber = pr.value.number;
  return recordOpen(run);
}

/** Grouped mode: hand the verified patch to the group PR workflow and wait for the PR it lands in. */
export async function joinGroupAndWait(run: Run, g: PatchResult): Promise<RemediationResult> {
  const { failure, options, info, status, ttl } = run;
  const groupKey = groupKeyOf(run.prepared!, failure.testId);
  const gid = groupWorkflowId(groupKey);
  const joined = await run.runStage('open_pr', () =>
    call('joinGroup', `join group PR ${groupKey}`, [
      {
        groupKey,
        groupWorkflowId: gid,
        testId: failure.testId,
        taskQueue: info.taskQueue,
        member: {
          workflowId: info.workflowId,
          failure,
          prepared: run.prepared!,
          target: run.target!,
          generated: g,
        },
        options: { ...options },
      },
    ]),
  );
  if (!joined.ok) return run.failStage(joined);
  run.setDetails(`group: ${gid}`);
  const waitMs = options.groupWaitMs ?? 6 * 3600_000;
  if (!(await condition(() => run.groupResult !== undefined, waitMs))) {
    return run.finish('failed', {
      reason: `group ${gid} did not write its PR within ${Math.round(waitMs / 60_000)} min`,
      recordStatus: 'failed',
      ttlSeconds: ttl.transient,
    });
  }
  const r = run.groupResult!;
  if (r.status === 'failed')
    return run.finish('failed', {
      reason: `group PR: ${r.reason}`,
      recordStatus: 'failed',
      ttlSeconds: ttl.transient,
    });
  if (r.status === 'excluded')
    return run.finish('fix_rejected', {
      reason: `excluded from the group PR: ${r.reason}`,
      recordStatus: 'fix_rejected',
      ttlSeconds: ttl.notFound,
    });
  status.prUrl = r.pr.url;
  status.prNumber = r.pr.number;
  if (r.status === 'rejected_by_reviewer') {
    return run.finish('rejected_by_reviewer', {
      reason: 'the TerraFix group PR for this test was closed unmerged',
      recordStatus: 'rejected',
      ttlSeconds: options.rejectedSuppressSeconds,
    });
  }
  return recordOpen(run);
}

/** Records pr_open (kept while the PR is followed), then follows the PR or finishes as pr_opened. */
async function recordOpen(run: Run): Promise<RemediationResult> {
  const { status, options, info } = run;
  const following = Boolean(options.followUp) && status.prNumber !== undefined;
  const prOpenRecordSeconds =
    options.prOpenRecordSeconds ??
    Math.ceil(((options.staleAfterMs ?? 30 * 86_400_000) + (options.vantaWaitMs ?? 2 * 86_400_000)) / 1000) +
      86_400;
  // The PR's URL as a search attribute: `terrafix list` and the Web UI's columns show it (never encrypted).
  if (status.prUrl && patched(LIVE_OUTCOME_PATCH))
    upsertSearchAttributes([{ key: SA.prUrl, value: status.prUrl.slice(0, 2000) }]);
  run.enter('record');
  // Followed PRs keep their record until the workflow records the PR's outcome.
  await call('record', 'record pr_open', [
    recordOf(status, info, 'pr_open', following ? prOpenRecordSeconds : undefined),
  ]);
  if (!following) return run.finish('pr_opened');
  // patched: runs that were already following a PR before this search attribute was added replay as before.
  if (patched(LIVE_OUTCOME_PATCH)) run.setLiveOutcome('pr_open');
  return followUp(run, run.prepared!, status.prNumber!);
}
