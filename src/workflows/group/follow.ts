/**
 * Following the group PR while no member joins or leaves: check its state every checkEvery until it
 * is merged, closed or stale, and tell the members (the group is the one owner of its PR's follow-up);
 * close it when every member was fixed elsewhere; continue as new when the history grows long.
 * Deterministic: no I/O.
 */
import { condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { groupCall } from '../calls';
import { GROUP_FOLLOW_UP_PATCH, type GroupResult } from '../definitions';
import type { groupPullRequestWorkflow } from './index';
import type { Group } from './state';

/**
 * The group owns the follow-up of its PR (patch GROUP_FOLLOW_UP_PATCH): it tells its members the PR's
 * outcome (they no longer check the PR themselves) and reminds the reviewers once when it goes stale.
 */
async function ended(g: Group, outcome: 'merged' | 'closed' | 'stale'): Promise<GroupResult> {
  if (!patched(GROUP_FOLLOW_UP_PATCH)) return g.done(outcome);
  const { pr, lastPrepared } = g;
  if (outcome === 'stale' && pr?.number !== undefined && lastPrepared) {
    try {
      await groupCall('remindPullRequest', 'remind reviewers: group PR is stale', [
        { prepared: lastPrepared, number: pr.number, comment: staleComment(g) },
      ]);
    } catch {
      // A reminder is a courtesy: the group still ends stale.
    }
  }
  if (outcome !== 'stale') await g.tellOutcome(outcome);
  return g.done(outcome);
}

function staleComment(g: Group): string {
  const days = Math.round((g.input.options?.staleAfterMs ?? 30 * 24 * 3600_000) / 86_400_000);
  return `TerraFix opened this PR ${days} day(s) ago and it has had no review outcome since. The compliance failures it fixes are still open in Vanta: please review, merge or close it.`;
}

/** History length after which the group continues as new (carrying its members). */
const MAX_HISTORY_EVENTS = 2_000;

/** No member left: the group ends, closing its PR when all its fixes were made elsewhere. */
export async function closeWhenEmpty(g: Group): Promise<GroupResult> {
  const { pr, lastPrepared } = g;
  if (pr?.number !== undefined && lastPrepared && g.resolvedElsewhere > 0) {
    await groupCall('closePullRequest', 'close group PR: all fixed elsewhere', [
      {
        prepared: lastPrepared,
        number: pr.number,
        comment:
          'Vanta no longer reports any of the failures in this PR, so they were fixed elsewhere. TerraFix is closing this PR.',
      },
    ]);
    return g.done('closed_resolved_elsewhere');
  }
  return g.done('empty');
}

/**
 * Idle with an open PR: wakes up on a change, or checks the PR's state now and then. Returns the
 * group's result when the PR was merged, closed or went stale; otherwise undefined (or continues as new).
 */
export async function followPullRequest(g: Group): Promise<GroupResult | undefined> {
  const changed = await condition(
    () => g.dirty || g.members.size === 0,
    Math.max(1, Math.min(g.checkEvery, g.staleAt - Date.now())),
  );
  const { pr, lastPrepared } = g;
  if (!changed && pr?.number !== undefined && lastPrepared) {
    const s = await groupCall('checkPullRequest', 'check group PR state', [
      { prepared: lastPrepared, number: pr.number },
    ]);
    if (s === 'merged') return ended(g, 'merged');
    if (s === 'closed' || s === 'missing') return ended(g, 'closed');
  }
  if (!changed && Date.now() >= g.staleAt) return ended(g, 'stale');
  const now = workflowInfo();
  if (!g.dirty && (now.historyLength > MAX_HISTORY_EVENTS || now.continueAsNewSuggested)) {
    return continueAsNew<typeof groupPullRequestWorkflow>(g.nextRun());
  }
  return undefined;
}
