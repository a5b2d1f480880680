/**
 * groupPullRequestWorkflow (GROUP_BY=test), the spine: one PR per (repository, test). Remediations
 * join it by signal (signalWithStart from the joinGroup activity); after a quiet period the group
 * rebuilds the combined fix and creates or updates its one PR, then tells every member which PR
 * carries its fix. Members that were resolved elsewhere leave and their fix is dropped from the PR;
 * when none is left the PR is closed. The group lives as long as its PR: it ends when the PR is
 * merged, closed or stale. State in state.ts, writing in write.ts, following the PR in follow.ts.
 * Deterministic: no I/O, no Node APIs.
 */
import type { GroupInput, GroupResult } from '../definitions';
import { closeWhenEmpty, followPullRequest } from './follow';
import { Group } from './state';
import { writeWhenQuiet } from './write';

export async function groupPullRequestWorkflow(input: GroupInput): Promise<GroupResult> {
  const group = new Group(input);
  for (;;) {
    // Every member left (fixed elsewhere, excluded, or the PR could not be written): the group ends.
    if (group.members.size === 0 && !group.dirty) return closeWhenEmpty(group);
    // A member joined or left: (re)write the PR once they are quiet. Otherwise follow the open PR.
    const ended = group.dirty ? await writeWhenQuiet(group) : await followPullRequest(group);
    if (ended) return ended;
  }
}
