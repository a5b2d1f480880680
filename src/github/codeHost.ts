/**
 * GitHubCodeHost: the CodeHostPort primitives over the GitHub REST API (octokit with throttling,
 * retry and pagination). The PR policy lives in src/pullRequests/policy.ts; this file only talks
 * to GitHub and turns its errors into TerraFix errors with secret-free messages: other 4xx →
 * PermanentApiError, 401 → GitHubAuthError, the rest → the retryable GitHubApiError.
 *
 * Commits are built with the Git Data API (tree with inline content → commit → ref); the default
 * branch is never written to. Few requests per PR: file contents go inline in the tree (a blob only
 * for a large or NUL-holding file), a base commit's tree is remembered (commits never change), and
 * the repository's labels are listed once per process instead of looked up one by one on every PR.
 */
import type { Failure, PreparedRepo, RepoRef } from '../contracts';
import type { Config, RepoMapping } from '../config';
import type { Logger } from '../logger';
import { PermanentApiError, TerraFixError, redactSecrets } from '../errors';
import type { HeartbeatOption, PullRequestPolicy } from '../pullRequests/codeHost';
import { PullRequests } from '../pullRequests/policy';
import type {
  CodeHostPort,
  CommitInfo,
  FileContent,
  LabelSpec,
  NewPull,
  PullInfo,
  ReviewerRequest,
} from '../pullRequests/port';
import { GitHubApiError, GitHubAuthError } from './errors';
import { authFromConfig, createGitHubClient, currentToken, type GitHubClient } from './octokit';
import { resolveRepo } from './repoMapping';
import { RepoWorkspace } from './workspace';

export { GitHubApiError } from './errors';

export interface GitHubCodeHostOptions {
  client: GitHubClient;
  workspace: RepoWorkspace;
  mapping?: RepoMapping;
  logger: Logger;
}

interface PullSummary {
  number: number;
  state: string;
  merged_at: string | null;
  created_at: string;
  html_url: string;
  title: string;
  body: string | null;
  head: { ref: string };
  labels: ({ name?: string } | string)[];
}

/** Files up to this size go inline in the tree (`content`); larger ones are uploaded as a blob first. */
export const INLINE_TREE_CONTENT_MAX_BYTES = 512 * 1024;

/** Base commit → tree SHAs kept (a commit's tree never changes). */
const BASE_TREE_CACHE_MAX = 256;

/** Whether a file must go through a blob (large, or text GitHub's JSON `content` would not carry as is). */
function needsBlob(content: string): boolean {
  return content.includes('\u0000') || Buffer.byteLength(content, 'utf8') > INLINE_TREE_CONTENT_MAX_BYTES;
}

type TreeEntry =
  | { path: string; mode: '100644'; type: 'blob'; content: string }
  | { path: string; mode: '100644'; type: 'blob'; sha: string };

function status(e: unknown): number | undefined {
  const s = (e as { status?: unknown }).status;
  return typeof s === 'number' ? s : undefined;
}

function toPullInfo(p: PullSummary): PullInfo {
  return {
    number: p.number,
    state: p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed',
    branch: p.head.ref,
    title: p.title,
    body: p.body ?? '',
    labels: p.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    url: p.html_url,
    createdAt: p.created_at,
  };
}

/** Newest first (ties: the higher number). */
function newestFirst(a: PullInfo, b: PullInfo): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.number - a.number;
}

export class GitHubCodeHost implements CodeHostPort {
  readonly kind = 'github' as const;
  private readonly cloneUrls = new Map<string, string>();
  /** Tree SHA of base commits already read (`owner/name@sha`). */
  private readonly baseTrees = new Map<string, string>();
  /** Lower-cased names of the labels known to exist, per repository (listed once per process). */
  private readonly knownLabels = new Map<string, Promise<Set<string>>>();
  private readonly log: Logger;

  constructor(private readonly o: GitHubCodeHostOptions) {
    this.log = o.logger.child({ component: 'github' });
  }

  /** Builds the host from configuration (GITHUB_API_URL, token or App, WORKSPACE_DIR). */
  static fromConfig(config: Config, logger: Logger): GitHubCodeHost {
    const client = createGitHubClient({
      baseUrl: config.GITHUB_API_URL,
      auth: authFromConfig(config),
      logger,
    });
    const workspace = new RepoWorkspace({ dir: config.WORKSPACE_DIR, getToken: () => currentToken(client) });
    return new GitHubCodeHost({ client, workspace, mapping: config.GITHUB_REPO_MAPPING, logger });
  }

  get workspace(): RepoWorkspace {
    return this.o.workspace;
  }

  get localPaths(): string[] {
    return [this.o.workspace.root];
  }

  private get gh() {
    return this.o.client.rest;
  }

  /** Runs an API call, turning errors into TerraFix errors with secret-free messages. */
  private async api<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.wrap(what, e);
    }
  }

  /** Runs an API call answering `fallback` for the given statuses (404: absent; 422: exists already). */
  private async apiOr<T, F>(
    what: string,
    codes: number[],
    fallback: F,
    fn: () => Promise<T>,
  ): Promise<T | F> {
    try {
      return await fn();
    } catch (e) {
      if (codes.includes(status(e) ?? 0)) return fallback;
      throw this.wrap(what, e);
    }
  }

  private wrap(what: string, e: unknown): Error {
    if (e instanceof TerraFixError) return e;
    const s = status(e);
    const msg = redactSecrets(
      `GitHub ${what} failed${s ? ` (${s})` : ''}: ${(e as Error).message ?? String(e)}`,
    );
    if (s !== undefined && s >= 400 && s < 500 && ![401, 403, 409, 429].includes(s))
      return new PermanentApiError(msg);
    if (s === 401) return new GitHubAuthError(msg);
    return new GitHubApiError(msg);
  }

  async defaultBranchHead(repo: RepoRef): Promise<string> {
    const info = await this.repoInfo(repo);
    return this.branchSha(repo, info.defaultBranch);
  }

  async prepare(failure: Failure, opts: HeartbeatOption = {}): Promise<PreparedRepo> {
    const repo = resolveRepo(failure, this.o.mapping);
    const info = await this.repoInfo(repo);
    const prepared: PreparedRepo = {
      repo,
      defaultBranch: info.defaultBranch,
      baseSha: await this.branchSha(repo, info.defaultBranch),
      cloneUrl: info.cloneUrl,
    };
    await this.ensureCheckout(prepared, prepared.baseSha, opts);
    this.log.info(
      { repo: `${repo.owner}/${repo.name}`, branch: info.defaultBranch, sha: prepared.baseSha },
      'repository prepared',
    );
    return prepared;
  }

  private async branchSha(repo: RepoRef, branch: string): Promise<string> {
    const ref = await this.api(`get ref ${branch}`, () =>
      this.gh.git.getRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}` }),
    );
    return ref.data.object.sha;
  }

  private async repoInfo(repo: RepoRef): Promise<{ defaultBranch: string; cloneUrl: string }> {
    const r = await this.api(`get repository ${repo.owner}/${repo.name}`, () =>
      this.gh.repos.get({ owner: repo.owner, repo: repo.name }),
    );
    this.cloneUrls.set(`${repo.owner}/${repo.name}`, r.data.clone_url);
    return { defaultBranch: r.data.default_branch, cloneUrl: r.data.clone_url };
  }

  async ensureCheckout(
    repo: RepoRef | PreparedRepo,
    sha: string,
    opts: HeartbeatOption = {},
  ): Promise<string> {
    const ref = 'repo' in repo ? repo.repo : repo;
    let cloneUrl = 'cloneUrl' in repo ? repo.cloneUrl : this.cloneUrls.get(`${ref.owner}/${ref.name}`);
    cloneUrl ??= (await this.repoInfo(ref)).cloneUrl;
    return this.o.workspace.ensureCheckout({ owner: ref.owner, name: ref.name, cloneUrl }, sha, opts);
  }

  async findPulls(repo: RepoRef, branch: string): Promise<PullInfo[]> {
    const { owner, name } = repo;
    const prs = await this.api('list pull requests', () =>
      this.o.client.paginate(this.gh.pulls.list, {
        owner,
        repo: name,
        state: 'all',
        head: `${owner}:${branch}`,
        per_page: 100,
      }),
    );
    return (prs as PullSummary[])
      .filter((p) => p.head.ref === branch)
      .map(toPullInfo)
      .sort(newestFirst);
  }

  async listOpenPulls(repo: RepoRef): Promise<PullInfo[]> {
    const prs = await this.api('list open pull requests', () =>
      this.o.client.paginate(this.gh.pulls.list, {
        owner: repo.owner,
        repo: repo.name,
        state: 'open',
        per_page: 100,
      }),
    );
    return (prs as PullSummary[]).map(toPullInfo);
  }

  async listRecentPulls(repo: RepoRef): Promise<PullInfo[]> {
    const r = await this.api('list recent pull requests', () =>
      this.gh.pulls.list({
        owner: repo.owner,
        repo: repo.name,
        state: 'all',
        sort: 'created',
        direction: 'desc',
        per_page: 100,
      }),
    );
    return (r.data as PullSummary[]).map(toPullInfo);
  }

  async getPull(repo: RepoRef, number: number): Promise<PullInfo | null> {
    const r = await this.apiOr('get pull request', [404], null, () =>
      this.gh.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number }),
    );
    return r && toPullInfo(r.data as PullSummary);
  }

  async getBranchHead(repo: RepoRef, branch: string): Promise<CommitInfo | null> {
    const { owner, name } = repo;
    const ref = await this.apiOr(`get ref ${branch}`, [404], null, () =>
      this.gh.git.getRef({ owner, repo: name, ref: `heads/${branch}` }),
    );
    if (!ref) return null;
    const c = await this.api('get branch head', () =>
      this.gh.git.getCommit({ owner, repo: name, commit_sha: ref.data.object.sha }),
    );
    return {
      sha: c.data.sha,
      tree: c.data.tree.sha,
      parents: c.data.parents.map((p) => p.sha),
      message: c.data.message,
    };
  }

  /** One request (create tree, contents inline) plus a blob per large file; the base tree is cached. */
  async writeTree(repo: RepoRef, baseSha: string, files: FileContent[]): Promise<string> {
    const { owner, name } = repo;
    const baseTree = await this.baseTree(repo, baseSha);
    const entries: TreeEntry[] = [];
    for (const f of files) {
      if (!needsBlob(f.content)) {
        entries.push({ path: f.path, mode: '100644', type: 'blob', content: f.content });
        continue;
      }
      const blob = await this.api('create blob', () =>
        this.gh.git.createBlob({
          owner,
          repo: name,
          content: Buffer.from(f.content, 'utf8').toString('base64'),
          encoding: 'base64',
        }),
      );
      entries.push({ path: f.path, mode: '100644', type: 'blob', sha: blob.data.sha });
    }
    const tree = await this.api('create tree', () =>
      this.gh.git.createTree({ owner, repo: name, base_tree: baseTree, tree: entries }),
    );
    return tree.data.sha;
  }

  /** Tree SHA of a commit, read once per process (a commit's tree never changes). */
  private async baseTree(repo: RepoRef, sha: string): Promise<string> {
    const key = `${repo.owner}/${repo.name}@${sha}`.toLowerCase();
    const hit = this.baseTrees.get(key);
    if (hit) return hit;
    const c = await this.api('get base commit', () =>
      this.gh.git.getCommit({ owner: repo.owner, repo: repo.name, commit_sha: sha }),
    );
    this.baseTrees.set(key, c.data.tree.sha);
    if (this.baseTrees.size > BASE_TREE_CACHE_MAX)
      this.baseTrees.delete(this.baseTrees.keys().next().value as string);
    return c.data.tree.sha;
  }

  async createCommit(repo: RepoRef, tree: string, parents: string[], message: string): Promise<string> {
    const c = await this.api('create commit', () =>
      this.gh.git.createCommit({ owner: repo.owner, repo: repo.name, message, tree, parents }),
    );
    return c.data.sha;
  }

  async setBranch(repo: RepoRef, branch: string, sha: string, exists: boolean): Promise<void> {
    const { owner, name } = repo;
    const update = () =>
      this.api('update ref', () =>
        this.gh.git.updateRef({ owner, repo: name, ref: `heads/${branch}`, sha, force: true }),
      );
    if (exists) {
      await update();
      return;
    }
    // 422: created concurrently by another attempt of this activity; take it over.
    const created = await this.apiOr('create ref', [422], null, () =>
      this.gh.git.createRef({ owner, repo: name, ref: `refs/heads/${branch}`, sha }),
    );
    if (!created) await update();
  }

  async deleteBranch(repo: RepoRef, branch: string): Promise<void> {
    await this.apiOr('delete branch', [404, 422], null, () =>
      this.gh.git.deleteRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}` }),
    );
  }

  async readFile(repo: RepoRef, sha: string, path: string): Promise<string | null> {
    const r = await this.apiOr(`get ${path}`, [404], null, () =>
      this.gh.repos.getContent({ owner: repo.owner, repo: repo.name, path, ref: sha }),
    );
    const d = r?.data as { type?: string; content?: string; encoding?: string } | undefined;
    if (d?.type !== 'file' || typeof d.content !== 'string') return null;
    return Buffer.from(d.content, d.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
  }

  async createPull(repo: RepoRef, pull: NewPull): Promise<{ pull: PullInfo; created: boolean }> {
    const { owner, name } = repo;
    try {
      const r = await this.gh.pulls.create({
        owner,
        repo: name,
        head: pull.branch,
        base: pull.base,
        title: pull.title,
        body: pull.body,
        ...(pull.draft ? { draft: true } : {}),
      });
      return { pull: toPullInfo(r.data as unknown as PullSummary), created: true };
    } catch (e) {
      if (status(e) !== 422) throw this.wrap('create pull request', e);
      // "A pull request already exists": another attempt created it between look-up and create.
      const open = (await this.findPulls(repo, pull.branch)).find((p) => p.state === 'open');
      if (!open) throw this.wrap('create pull request', e);
      return { pull: open, created: false };
    }
  }

  async updatePull(repo: RepoRef, number: number, change: { title: string; body: string }): Promise<void> {
    await this.api('update pull request', () =>
      this.gh.pulls.update({ owner: repo.owner, repo: repo.name, pull_number: number, ...change }),
    );
  }

  async closePull(repo: RepoRef, number: number): Promise<void> {
    await this.api('close pull request', () =>
      this.gh.pulls.update({ owner: repo.owner, repo: repo.name, pull_number: number, state: 'closed' }),
    );
  }

  /**
   * Creates the labels the repository lacks. Its labels are listed once per process (usually one
   * request) and remembered with the ones created here, so a PR whose labels are known costs no
   * request. A label deleted later is not re-created with its colour until the worker restarts
   * (GitHub still adds it to the PR, with its default colour).
   */
  async ensureLabels(repo: RepoRef, labels: LabelSpec[]): Promise<void> {
    const { owner, name } = repo;
    const known = await this.labelNames(repo);
    for (const l of labels) {
      if (known.has(l.name.toLowerCase())) continue;
      // 422: it exists already (created since the listing, e.g. by another worker).
      await this.apiOr('create label', [422], null, () =>
        this.gh.issues.createLabel({ owner, repo: name, ...l }),
      );
      known.add(l.name.toLowerCase());
    }
  }

  /** The repository's label names (lower case: GitHub compares them case-insensitively), cached. */
  private labelNames(repo: RepoRef): Promise<Set<string>> {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    let known = this.knownLabels.get(key);
    if (!known) {
      known = this.api('list labels', () =>
        this.o.client.paginate(this.gh.issues.listLabelsForRepo, {
          owner: repo.owner,
          repo: repo.name,
          per_page: 100,
        }),
      ).then((labels) => new Set(labels.map((l) => l.name.toLowerCase())));
      known.catch(() => this.knownLabels.delete(key));
      this.knownLabels.set(key, known);
    }
    return known;
  }

  async addLabels(repo: RepoRef, number: number, names: string[]): Promise<void> {
    await this.api('add labels', () =>
      this.gh.issues.addLabels({ owner: repo.owner, repo: repo.name, issue_number: number, labels: names }),
    );
  }

  /** One `PATCH /issues/{n}` (issues.update): both sets are replaced, as GitHub documents. */
  async setLabelsAndAssignees(
    repo: RepoRef,
    number: number,
    labels: string[],
    assignees: string[],
  ): Promise<void> {
    await this.api('set labels and assignees', () =>
      this.gh.issues.update({
        owner: repo.owner,
        repo: repo.name,
        issue_number: number,
        labels,
        assignees,
      }),
    );
  }

  async requestReviewers(repo: RepoRef, number: number, reviewers: ReviewerRequest): Promise<void> {
    await this.api('request reviewers', () =>
      this.gh.pulls.requestReviewers({
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        reviewers: reviewers.users,
        team_reviewers: reviewers.teams,
      }),
    );
  }

  async comment(repo: RepoRef, number: number, body: string): Promise<void> {
    await this.api('comment', () =>
      this.gh.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: number, body }),
    );
  }

  async listComments(repo: RepoRef, number: number): Promise<string[]> {
    const comments = await this.api('list comments', () =>
      this.o.client.paginate(this.gh.issues.listComments, {
        owner: repo.owner,
        repo: repo.name,
        issue_number: number,
        per_page: 100,
      }),
    );
    return comments.map((c) => c.body ?? '');
  }
}

export interface GitHubPullRequestsOptions extends GitHubCodeHostOptions {
  policy: PullRequestPolicy;
  /** Clock for the hourly limit (tests). */
  now?: () => Date;
}

/** The CodeHost the activities use: TerraFix's PR policy over a GitHubCodeHost built from `o`. */
export function gitHubPullRequests(o: GitHubPullRequestsOptions): PullRequests<GitHubCodeHost> {
  return new PullRequests({ port: new GitHubCodeHost(o), policy: o.policy, logger: o.logger, now: o.now });
}
