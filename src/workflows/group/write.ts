/**
 * Writing the group PR: wait for a quiet period after the last join, rebuild the combined fix and
 * create or update the one PR (openGroupPullRequest), then tell each member what became of its fix:
 * included, excluded, rejected by a reviewer, or failed when the PR could not be written.
 * Deterministic: no I/O.
 */
import { ActivityFailure, condition, getExternalWorkflowHandle } from '@temporalio/workflow';
import type { OpenGroupPullRequestResult } from '../../activities/types';
import { groupCall } from '../calls';
import { groupPrResultSignal, type GroupMember, type GroupPrResult, type GroupResult } from '../definitions';
import type { Group } from './state';

/** Signals a member the PR that carries (or does not carry) its fix. */
async function tell(m: GroupMember, r: GroupPrResult): Promise<void> {
  try {
    await getExternalWorkflowHandle(m.workflowId).signal(groupPrResultSignal, r);
  } catch {
    // The member's workflow is gone (terminated, or finished): its fix stays in the PR regardless.
  }
}

/** Debounce: waits until no member has joined for debounceMs. */
async function quietPeriod(g: Group): Promise<void> {
  for (;;) {
    const seen = g.arrivals;
    if (!(await condition(() => g.arrivals !== seen, g.debounceMs))) return;
  }
}

/**
 * After a quiet period, writes the PR with every member and tells them; returns the group's result
 * when that ends it (a reviewer rejected the PR), otherwise undefined.
 */
export async function writeWhenQuiet(g: Group): Promise<GroupResult | undefined> {
  await quietPeriod(g);
  g.dirty = false;
  if (g.members.size === 0) return undefined;
  g.state = 'writing';
  g.details();
  const list = [...g.members.values()];
  const prepared = (g.lastPrepared = list[list.length - 1]!.prepared);
  let r: OpenGroupPullRequestResult;
  try {
    r = await groupCall('openGroupPullRequest', `write group PR with ${list.length} fix(es)`, [
      { groupKey: g.input.groupKey, testId: g.input.testId, prepared, members: list },
    ]);
  } catch (err) {
    await failWaiting(g, list, err);
    return undefined;
  }
  return tellMembers(g, r);
}

/** The PR could not be written: members still waiting end as failed (a later poll retries them). */
async function failWaiting(g: Group, list: GroupMember[], err: unknown): Promise<void> {
  const reason = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
  for (const m of list) {
    // Members already in the PR stay.
    if (g.notified[m.failure.key] === 'included') continue;
    g.members.delete(m.failure.key);
    await tell(m, { status: 'failed', reason, groupWorkflowId: g.info.workflowId });
  }
  g.state = g.pr ? 'open' : 'collecting';
}

/** The PR was written: excluded members leave, the others learn which PR carries their fix. */
async function tellMembers(g: Group, r: OpenGroupPullRequestResult): Promise<GroupResult | undefined> {
  g.writes += 1;
  if (r.pr) g.pr = r.pr;
  const groupWorkflowId = g.info.workflowId;
  for (const ex of r.excluded) {
    const m = g.members.get(ex.failureKey);
    if (!m) continue;
    g.members.delete(ex.failureKey);
    delete g.notified[ex.failureKey];
    await tell(m, { status: 'excluded', reason: ex.reason, groupWorkflowId });
  }
  const pr = r.pr;
  if (pr?.action === 'rejected_by_reviewer') {
    for (const m of g.members.values())
      await tell(m, { status: 'rejected_by_reviewer', pr, groupWorkflowId });
    return g.done('rejected_by_reviewer');
  }
  if (pr) {
    for (const key of r.included) {
      const m = g.members.get(key);
      if (!m || g.notified[key] === 'included') continue;
      g.notified[key] = 'included';
      await tell(m, { status: 'included', pr, groupWorkflowId });
    }
  }
  g.state = 'open';
  g.details();
  return undefined;
}
