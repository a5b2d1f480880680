/**
 * The code host interface used by the prepare/openPullRequest/checkPullRequest/closePullRequest
 * activities, and the PR policy settings. Implemented once by `PullRequests` (./policy) over a
 * CodeHostPort (./port): GitHubCodeHost or LocalCodeHost; `createCodeHost` in src/github/index.
 */
import type {
  Failure,
  PreparedRepo,
  PullRequestResult,
  PullRequestState,
  RepoRef,
  Target,
  VerifiedFix,
} from '../contracts';
import type { Config } from '../config';

export type { PullRequestState } from '../contracts';

export interface HeartbeatOption {
  /** Called periodically during long git operations (Temporal activity heartbeat). */
  heartbeat?: () => void;
}

export interface OpenPullRequestRequest {
  failure: Failure;
  prepared: PreparedRepo;
  target?: Target;
  fix: VerifiedFix;
  /** TEMPORAL_UI_URL: when set, the PR body links to the remediation (or group) workflow there. */
  temporalUiUrl?: string;
  /** TEMPORAL_NAMESPACE of that workflow (default "default"). */
  temporalNamespace?: string;
}

export interface CodeHost {
  readonly kind: 'github' | 'local';
  /** Resolves the repository, its default branch (from the host) and its head SHA; warms the cache. */
  prepare(failure: Failure, opts?: HeartbeatOption): Promise<PreparedRepo>;
  /** Head SHA of the repository's default branch (the poll re-tries not_found/no_fix after it moves). */
  defaultBranchHead(repo: RepoRef): Promise<string>;
  /** Directory holding the repository root at `sha` (no-op on a cache hit). */
  ensureCheckout(repo: RepoRef | PreparedRepo, sha: string, opts?: HeartbeatOption): Promise<string>;
  /** Creates or updates the PR for a failure; never reopens a PR a reviewer closed. */
  openPullRequest(req: OpenPullRequestRequest): Promise<PullRequestResult>;
  getPullRequestState(prepared: PreparedRepo, number: number): Promise<PullRequestState>;
  /** Comments on and closes a PR (e.g. the failure resolved elsewhere); deletes TerraFix's branch. */
  closePullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void>;
  /** Comments on an open PR and labels it `terrafix:stale` (a PR with no outcome for too long). */
  remindPullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void>;
}

/** Settings common to both code hosts, derived from Config. */
export interface PullRequestPolicy {
  concurrentLimit: number;
  hourlyLimit: number;
  reviewers: string[];
  assignees: string[];
}

function list(s: string | undefined): string[] {
  return (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** PR policy from config (PR_CONCURRENT_LIMIT, PR_HOURLY_LIMIT, PR_REVIEWERS, PR_ASSIGNEES). */
export function policyFromConfig(config: Config): PullRequestPolicy {
  return {
    concurrentLimit: config.PR_CONCURRENT_LIMIT,
    hourlyLimit: config.PR_HOURLY_LIMIT,
    reviewers: list(config.PR_REVIEWERS),
    assignees: list(config.PR_ASSIGNEES),
  };
}
