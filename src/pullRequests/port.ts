/**
 * CodeHostPort: the primitives a code host offers TerraFix's PR policy (./policy). Implemented by
 * GitHubCodeHost (REST API, src/github/codeHost.ts) and LocalCodeHost (bare repositories and PR
 * records on disk, src/github/localCodeHost.ts). The primitives make no decisions: which PR to
 * reuse, whether a branch may be overwritten, the limits, reviewers and idempotent comments are
 * all decided by the policy, once for both hosts.
 */
import type { Failure, PreparedRepo, RepoRef } from '../contracts';
import type { HeartbeatOption } from './codeHost';

/** A pull request as the policy sees it. */
export interface PullInfo {
  number: number;
  state: 'open' | 'closed' | 'merged';
  /** Head branch name. */
  branch: string;
  title: string;
  body: string;
  labels: string[];
  url: string;
  /** ISO timestamp of creation. */
  createdAt: string;
}

/** A commit as read from the host. */
export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
}

export interface FileContent {
  /** Repository-relative path. */
  path: string;
  content: string;
}

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

export interface NewPull {
  branch: string;
  /** Base branch name. */
  base: string;
  title: string;
  body: string;
  /** Open as a draft (the fix needs a careful review; see draftReasons). */
  draft?: boolean;
}

/** The reviewers to request: user logins and team slugs (without the organisation). */
export interface ReviewerRequest {
  users: string[];
  teams: string[];
}

/** Repository access the activities use besides pull requests (prepare, checkouts). */
export interface RepositoryAccess {
  readonly kind: 'github' | 'local';
  /** Local paths that must never appear in PR text (workspace and host directories). */
  readonly localPaths: string[];
  /** Resolves the repository, its default branch (from the host) and its head SHA; warms the cache. */
  prepare(failure: Failure, opts?: HeartbeatOption): Promise<PreparedRepo>;
  /** Head SHA of the repository's default branch. */
  defaultBranchHead(repo: RepoRef): Promise<string>;
  /** Directory holding the repository root at `sha` (no-op on a cache hit). */
  ensureCheckout(repo: RepoRef | PreparedRepo, sha: string, opts?: HeartbeatOption): Promise<string>;
}

export interface CodeHostPort extends RepositoryAccess {
  /** PRs whose head is `branch`, any state, newest first. */
  findPulls(repo: RepoRef, branch: string): Promise<PullInfo[]>;
  /** Every open PR of the repository. */
  listOpenPulls(repo: RepoRef): Promise<PullInfo[]>;
  /** The most recently created PRs (at least the last hour's, up to 100), newest first. */
  listRecentPulls(repo: RepoRef): Promise<PullInfo[]>;
  /** One PR, or null when it does not exist. */
  getPull(repo: RepoRef, number: number): Promise<PullInfo | null>;

  /** Head commit of a branch, or null when the branch does not exist. */
  getBranchHead(repo: RepoRef, branch: string): Promise<CommitInfo | null>;
  /** Writes `files` over the tree of commit `baseSha`; returns the new tree SHA. */
  writeTree(repo: RepoRef, baseSha: string, files: FileContent[]): Promise<string>;
  /** Creates a commit object (moves no branch); returns its SHA. */
  createCommit(repo: RepoRef, tree: string, parents: string[], message: string): Promise<string>;
  /** Points `branch` at `sha`, creating it or force-moving it (`exists`: whether it existed when read). */
  setBranch(repo: RepoRef, branch: string, sha: string, exists: boolean): Promise<void>;
  /** Deletes a branch; a missing branch is not an error. */
  deleteBranch(repo: RepoRef, branch: string): Promise<void>;
  /** Content of a file at a commit, or null when it is absent (or not a file). */
  readFile(repo: RepoRef, sha: string, path: string): Promise<string | null>;

  /**
   * Opens a PR. When one is already open for the branch (created concurrently), answers that one
   * with `created: false` instead of failing.
   */
  createPull(repo: RepoRef, pull: NewPull): Promise<{ pull: PullInfo; created: boolean }>;
  updatePull(repo: RepoRef, number: number, change: { title: string; body: string }): Promise<void>;
  closePull(repo: RepoRef, number: number): Promise<void>;
  /**
   * Makes sure the labels exist in the repository (created with colour and description if not).
   * Implementations may remember per repository which labels exist (GitHub: one listing per process).
   */
  ensureLabels(repo: RepoRef, labels: LabelSpec[]): Promise<void>;
  /** Adds labels to a PR, keeping the ones it has (labels someone else added stay). */
  addLabels(repo: RepoRef, number: number, names: string[]): Promise<void>;
  /**
   * Sets the labels and assignees of a PR just created, replacing both sets, in one request on
   * GitHub (`issues.update`); the policy uses it only right after `createPull`.
   */
  setLabelsAndAssignees(repo: RepoRef, number: number, labels: string[], assignees: string[]): Promise<void>;
  requestReviewers(repo: RepoRef, number: number, reviewers: ReviewerRequest): Promise<void>;
  comment(repo: RepoRef, number: number, body: string): Promise<void>;
  /** Bodies of the PR's comments, oldest first. */
  listComments(repo: RepoRef, number: number): Promise<string[]>;
}
