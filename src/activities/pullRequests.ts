/**
 * The pull-request stages: open (or update) a failure's PR, the group PR, check, close and remind.
 * Thin adapters over the code host, which owns the PR policy.
 */
import { buildGroupFix, groupFailure } from './grouping';
import type { StageImplementations } from './index';
import { heartbeat, inRepoSubdir, type IndexFor, type StageServices } from './repository';
import type { OpenGroupPullRequestResult } from './types';

/** openPullRequest, openGroupPullRequest, checkPullRequest, closePullRequest, remindPullRequest. */
export function pullRequestStages(s: StageServices, indexFor: IndexFor): StageImplementations {
  const { host, metrics, temporalUi } = s;
  return {
    openPullRequest: async (input) => {
      const r = await host.openPullRequest({ ...input, ...temporalUi });
      metrics?.prs.inc({ action: r.action });
      return r;
    },
    openGroupPullRequest: async ({ groupKey, testId, prepared, members }) => {
      if (members.length === 0) return { included: [], excluded: [] };
      const index = await indexFor(members[0]!.failure, prepared);
      const built = await buildGroupFix(index, members, { heartbeat });
      const out: OpenGroupPullRequestResult = { included: built.included, excluded: built.excluded };
      if (!built.fix) return out;
      const kept = members.filter((m) => built.included.includes(m.failure.key));
      out.pr = await host.openPullRequest({
        failure: groupFailure(groupKey, testId, kept),
        prepared,
        fix: inRepoSubdir(prepared, built.fix),
        ...temporalUi,
      });
      metrics?.prs.inc({ action: out.pr.action });
      return out;
    },
    checkPullRequest: ({ prepared, number }) => host.getPullRequestState(prepared, number),
    closePullRequest: ({ prepared, number, comment }) => host.closePullRequest(prepared, number, comment),
    remindPullRequest: ({ prepared, number, comment }) => host.remindPullRequest(prepared, number, comment),
  };
}
