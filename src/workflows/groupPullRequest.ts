/**
 * groupPullRequestWorkflow (GROUP_BY=test): one PR per (repository, test). Remediations join it by
 * signal (signalWithStart from the joinGroup activity); after a quiet period the group rebuilds the
 * combined fix and creates or updates its one PR, then tells every member which PR carries its fix.
 * Members that were resolved elsewhere leave and their fix is dropped from the PR; when none is left
 * the PR is closed. The group lives as long as its PR: it ends when the PR is merged, closed or stale.
 * Deterministic: no I/O, no Node APIs.
 */
import {
  ActivityFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TerraFixActivities } from '../activities/types';
import type { PreparedRepo, PullRequestResult } from '../contracts';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { queueName } from '../temporal/queues';
import {
  groupJoinSignal,
  groupLeaveSignal,
  groupPrResultSignal,
  groupStatusQuery,
  type GroupInput,
  type GroupMember,
  type GroupPrResult,
  type GroupResult,
  type GroupStatus,
} from './definitions';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 10,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

/** History length after which the group continues as new (carrying its members). */
const MAX_HISTORY_EVENTS = 2_000;

export async function groupPullRequestWorkflow(input: GroupInput): Promise<GroupResult> {
  const options = input.options ?? {};
  const info = workflowInfo();
  const github = queueName(info.taskQueue, 'github');
  const act = proxyActivities<TerraFixActivities>({
    taskQueue: github,
    startToCloseTimeout: '10m',
    heartbeatTimeout: '1m',
    retry,
  });
  const debounceMs = options.groupDebounceMs ?? 30_000;
  const checkEvery = options.prCheckIntervalMs ?? 4 * 3600_000;
  const staleAt = input.carried?.staleAt ?? Date.now() + (options.staleAfterMs ?? 30 * 24 * 3600_000);

  /** The fixes the PR carries, by failure key (insertion order = join order). */
  const members = new Map<string, GroupMember>((input.carried?.members ?? []).map((m) => [m.failure.key, m]));
  const notified: Record<string, 'included' | 'excluded'> = { ...(input.carried?.notified ?? {}) };
  let pr: PullRequestResult | undefined = input.carried?.pr;
  /** The base the PR was last written on (the newest member's). */
  let lastPrepared: PreparedRepo | undefined = input.carried?.members.at(-1)?.prepared;
  let writes = input.carried?.writes ?? 0;
  let dirty = false;
  let arrivals = 0;
  let resolvedElsewhere = 0;
  let state: GroupStatus['state'] = 'collecting';

  setHandler(groupJoinSignal, (m) => {
    members.set(m.failure.key, m);
    delete notified[m.failure.key];
    arrivals += 1;
    dirty = true;
  });
  setHandler(groupLeaveSignal, (l) => {
    // Only a member resolved elsewhere changes the PR; one that merely finished keeps its fix in it.
    if (!l.updatePr || !members.has(l.failureKey)) return;
    members.delete(l.failureKey);
    delete notified[l.failureKey];
    resolvedElsewhere += 1;
    dirty = true;
  });
  const snapshot = (): GroupStatus => ({
    groupKey: input.groupKey,
    testId: input.testId,
    members: [...members.values()].map((m) => ({
      failureKey: m.failure.key,
      workflowId: m.workflowId,
      notified: notified[m.failure.key],
    })),
    pr,
    writes,
    state,
  });
  setHandler(groupStatusQuery, snapshot);
  const details = () =>
    setCurrentDetails(
      [
        `**Group ${input.groupKey}** — ${members.size} resource(s)`,
        `state: ${state} · PR writes: ${writes}`,
        pr?.url ? `PR: ${pr.url}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );

  const tell = async (m: GroupMember, r: GroupPrResult) => {
    try {
      await getExternalWorkflowHandle(m.workflowId).signal(groupPrResultSignal, r);
    } catch {
      // The member's workflow is gone (terminated, or finished): its fix stays in the PR regardless.
    }
  };
  const done = (outcome: GroupResult['outcome']): GroupResult => {
    state = 'done';
    details();
    return { groupKey: input.groupKey, outcome, pr, writes };
  };

  for (;;) {
    if (members.size === 0 && !dirty) {
      if (pr?.number !== undefined && lastPrepared && resolvedElsewhere > 0) {
        await act.closePullRequest.executeWithOptions(
          {
            taskQueue: github,
            startToCloseTimeout: '2m',
            retry,
            summary: 'close group PR: all fixed elsewhere',
          },
          [
            {
              prepared: lastPrepared,
              number: pr.number,
              comment:
                'Vanta no longer reports any of the failures in this PR, so they were fixed elsewhere. TerraFix is closing this PR.',
            },
          ],
        );
        return done('closed_resolved_elsewhere');
      }
      return done('empty');
    }
    if (dirty) {
      // Debounce: wait until no member has joined for debounceMs.
      for (;;) {
        const seen = arrivals;
        if (!(await condition(() => arrivals !== seen, debounceMs))) break;
      }
      dirty = false;
      if (members.size === 0) continue;
      state = 'writing';
      details();
      const list = [...members.values()];
      lastPrepared = list[list.length - 1]!.prepared;
      let r: Awaited<ReturnType<TerraFixActivities['openGroupPullRequest']>>;
      try {
        r = await act.openGroupPullRequest.executeWithOptions(
          {
            taskQueue: github,
            startToCloseTimeout: '15m',
            heartbeatTimeout: '1m',
            retry,
            summary: `write group PR with ${list.length} fix(es)`,
          },
          [{ groupKey: input.groupKey, testId: input.testId, prepared: lastPrepared, members: list }],
        );
      } catch (err) {
        // Members still waiting end as failed (a later poll retries them); members already in the PR stay.
        const reason = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        for (const m of list) {
          if (notified[m.failure.key] === 'included') continue;
          members.delete(m.failure.key);
          await tell(m, { status: 'failed', reason, groupWorkflowId: info.workflowId });
        }
        state = pr ? 'open' : 'collecting';
        continue;
      }
      writes += 1;
      if (r.pr) pr = r.pr;
      const groupWorkflowId = info.workflowId;
      for (const ex of r.excluded) {
        const m = members.get(ex.failureKey);
        if (!m) continue;
        members.delete(ex.failureKey);
        delete notified[ex.failureKey];
        await tell(m, { status: 'excluded', reason: ex.reason, groupWorkflowId });
      }
      if (r.pr?.action === 'rejected_by_reviewer') {
        for (const m of members.values())
          await tell(m, { status: 'rejected_by_reviewer', pr: r.pr, groupWorkflowId });
        return done('rejected_by_reviewer');
      }
      if (r.pr) {
        for (const key of r.included) {
          const m = members.get(key);
          if (!m || notified[key] === 'included') continue;
          notified[key] = 'included';
          await tell(m, { status: 'included', pr: r.pr, groupWorkflowId });
        }
      }
      state = 'open';
      details();
      continue;
    }
    // Idle with an open PR: wake up on a change, or check the PR's state now and then.
    const changed = await condition(
      () => dirty || members.size === 0,
      Math.max(1, Math.min(checkEvery, staleAt - Date.now())),
    );
    if (!changed && pr?.number !== undefined && lastPrepared) {
      const s = await act.checkPullRequest.executeWithOptions(
        { taskQueue: github, startToCloseTimeout: '1m', retry, summary: 'check group PR state' },
        [{ prepared: lastPrepared, number: pr.number }],
      );
      if (s === 'merged') return done('merged');
      if (s === 'closed' || s === 'missing') return done('closed');
    }
    if (!changed && Date.now() >= staleAt) return done('stale');
    const now = workflowInfo();
    if (!dirty && (now.historyLength > MAX_HISTORY_EVENTS || now.continueAsNewSuggested)) {
      return continueAsNew<typeof groupPullRequestWorkflow>({
        ...input,
        carried: { members: [...members.values()], notified, pr, writes, staleAt },
      });
    }
  }
}
