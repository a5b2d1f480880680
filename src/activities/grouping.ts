/**
 * The grouping activities (GROUP_BY=test): a member joins its group workflow, and the group writes
 * its one PR from the members' fixes rebuilt at the newest base. The fix logic is src/remediation/group.
 */
import { Context } from '@temporalio/activity';
import { inRepoSubdir } from '../failure';
import { buildGroupFix, groupFailure } from '../remediation/group';
import { GROUP_JOIN_SIGNAL, GROUP_WORKFLOW_TYPE } from '../temporal/names';
import { heartbeat, notConfigured } from './adapter';
import type { RepositoryContext } from './repository';
import type { JoinGroupInput, OpenGroupPullRequestInput, OpenGroupPullRequestResult } from './types';

/** Signals the member into its group workflow, starting the group when it is not running. */
export async function joinGroup(input: JoinGroupInput): Promise<void> {
  const client = Context.current().client;
  await client.workflow.signalWithStart(GROUP_WORKFLOW_TYPE, {
    workflowId: input.groupWorkflowId,
    taskQueue: input.taskQueue,
    args: [{ groupKey: input.groupKey, testId: input.testId, options: input.options }],
    signal: GROUP_JOIN_SIGNAL,
    signalArgs: [input.member],
    staticSummary: `TerraFix group PR: ${input.groupKey}`.slice(0, 200),
  });
}

function build(c: RepositoryContext) {
  return {
    /** Rebuilds the group's combined fix at the base SHA and creates or updates its one PR. */
    async openGroupPullRequest(input: OpenGroupPullRequestInput): Promise<OpenGroupPullRequestResult> {
      const { groupKey, testId, prepared, members } = input;
      if (members.length === 0) return { included: [], excluded: [] };
      const index = await c.indexFor(members[0]!.failure, prepared);
      const built = await buildGroupFix(index, members, { heartbeat });
      const out: OpenGroupPullRequestResult = { included: built.included, excluded: built.excluded };
      if (!built.fix) return out;
      const kept = members.filter((m) => built.included.includes(m.failure.key));
      const pr = await c.host.openPullRequest({
        failure: groupFailure(groupKey, testId, kept),
        prepared,
        fix: inRepoSubdir(prepared, built.fix),
        ...c.temporalUi,
      });
      c.metrics?.prs.inc({ action: pr.action });
      return { ...out, pr };
    },
  };
}

export type GroupingActivities = ReturnType<typeof build> & { joinGroup: typeof joinGroup };

/** joinGroup, and openGroupPullRequest (without a code host it fails with StageNotImplementedError). */
export function groupingActivities(c: RepositoryContext | undefined): GroupingActivities {
  return { joinGroup, ...(c ? build(c) : notConfigured<ReturnType<typeof build>>(['openGroupPullRequest'])) };
}
