/**
 * The pull-request activities: open (or update) a failure's PR, check its state, close it, remind its
 * reviewers. Thin adapters over the code host, which owns the PR policy.
 */
import type { PullRequestResult } from '../contracts';
import { notConfigured } from './adapter';
import type { RepositoryContext } from './repository';
import type {
  CheckPullRequestInput,
  ClosePullRequestInput,
  OpenPullRequestInput,
  PullRequestState,
} from './types';

function build(c: RepositoryContext) {
  const { host, metrics, temporalUi } = c;
  return {
    /** Creates or updates the failure's PR with its verified fix; never reopens a rejected one. */
    async openPullRequest(input: OpenPullRequestInput): Promise<PullRequestResult> {
      const r = await host.openPullRequest({ ...input, ...temporalUi });
      metrics?.prs.inc({ action: r.action });
      return r;
    },
    checkPullRequest: ({ prepared, number }: CheckPullRequestInput): Promise<PullRequestState> =>
      host.getPullRequestState(prepared, number),
    closePullRequest: ({ prepared, number, comment }: ClosePullRequestInput): Promise<void> =>
      host.closePullRequest(prepared, number, comment),
    /** Comments on a stale PR and labels it, so reviewers see it is still waiting. */
    remindPullRequest: ({ prepared, number, comment }: ClosePullRequestInput): Promise<void> =>
      host.remindPullRequest(prepared, number, comment),
  };
}

export type PullRequestActivities = ReturnType<typeof build>;

/** The PR activities; without a code host, each fails with StageNotImplementedError. */
export function pullRequestActivities(c: RepositoryContext | undefined): PullRequestActivities {
  return c
    ? build(c)
    : notConfigured<PullRequestActivities>([
        'openPullRequest',
        'checkPullRequest',
        'closePullRequest',
        'remindPullRequest',
      ]);
}
