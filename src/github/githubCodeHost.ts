/**
 * GitHubCodeHost: idempotent TerraFix pull requests through the GitHub REST API.
 *
 * - One branch per failure key (`terrafix/<rule-or-test>/<hash>`), one PR per branch: a re-run
 *   force-updates TerraFix's own branch and edits the PR instead of opening another.
 * - The commit is built with the Git Data API (blobs → tree → commit → ref) on the base SHA the fix
 *   was verified on. The default branch is never written to; if it moved, the PR still shows the
 *   verified change against its base and GitHub reports conflicts, if any — a later run re-verifies
 *   on the new head and updates the branch.
 * - A branch whose head commit lacks TerraFix's trailer was edited by someone: never overwritten.
 * - A PR for the failure closed without merge is not reopened: action `rejected_by_reviewer`.
 * - PR_CONCURRENT_LIMIT / PR_HOURLY_LIMIT overflow throws the retryable PrLimitReachedError.
 */
import type { Failure, PreparedRepo, PullRequestResult, RepoRef } from '../contracts';
import type { Config, RepoMapping } from '../config';
import type { Logger } from '../logger';
import { PermanentApiError, TerraFixError, redactSecrets } from '../errors';
import type {
  CodeHost,
  HeartbeatOption,
  OpenPullRequestRequest,
  PullRequestPolicy,
  PullRequestState,
} from './codeHost';
import { policyFromConfig } from './codeHost';
import { CODEOWNERS_PATHS, parseCodeOwners, reviewersFor } from './codeowners';
import { PrLimitReachedError, GitHubAuthError } from './errors';
import { safeRepoPath } from './gitPlumbing';
import { authFromConfig, createGitHubClient, currentToken, type GitHubClient } from './octokit';
import {
  BRANCH_PREFIX,
  COMMIT_TRAILER,
  branchName,
  commitMessage,
  prBody,
  prLabels,
  prTitle,
} from './prContent';
import { resolveRepo } from './repoMapping';
import { RepoWorkspace } from './workspace';

/** A transient GitHub API error (5xx, 401, 403 without rate-limit info): Temporal retries it. */
export class GitHubApiError extends TerraFixError {}

export interface GitHubCodeHostOptions {
  client: GitHubClient;
  workspace: RepoWorkspace;
  mapping?: RepoMapping;
  policy: PullRequestPolicy;
  logger: Logger;
  /** Clock for the hourly limit (tests). */
  now?: () => Date;
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
  labels: { name?: string }[];
}

function status(e: unknown): number | undefined {
  const s = (e as { status?: unknown }).status;
  return typeof s === 'number' ? s : undefined;
}

/** The path of a fix file inside the repository (fix paths are relative to the repository root). */
function repoFilePath(p: string): string {
  return safeRepoPath(p);
}

export class GitHubCodeHost implements CodeHost {
  readonly kind = 'github' as const;
  private readonly cloneUrls = new Map<string, string>();
  private readonly codeOwnersCache = new Map<string, Promise<string | null>>();
  private readonly log: Logger;

  constructor(private readonly o: GitHubCodeHostOptions) {
    this.log = o.logger.child({ component: 'github' });
  }

  /** Builds the host from configuration (GITHUB_API_URL, token or App, WORKSPACE_DIR, PR_* limits). */
  static fromConfig(config: Config, logger: Logger): GitHubCodeHost {
    const client = createGitHubClient({
      baseUrl: config.GITHUB_API_URL,
      auth: authFromConfig(config),
      logger,
    });
    const workspace = new RepoWorkspace({ dir: config.WORKSPACE_DIR, getToken: () => currentToken(client) });
    return new GitHubCodeHost({
      client,
      workspace,
      mapping: config.GITHUB_REPO_MAPPING,
      policy: policyFromConfig(config),
      logger,
    });
  }

  get workspace(): RepoWorkspace {
    return this.o.workspace;
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
    const ref = await this.api(`get ref ${info.defaultBranch}`, () =>
      this.gh.git.getRef({ owner: repo.owner, repo: repo.name, ref: `heads/${info.defaultBranch}` }),
    );
    return ref.data.object.sha;
  }

  async prepare(failure: Failure, opts: HeartbeatOption = {}): Promise<PreparedRepo> {
    const repo = resolveRepo(failure, this.o.mapping);
    const info = await this.repoInfo(repo);
    const ref = await this.api(`get ref ${info.defaultBranch}`, () =>
      this.gh.git.getRef({ owner: repo.owner, repo: repo.name, ref: `heads/${info.defaultBranch}` }),
    );
    const prepared: PreparedRepo = {
      repo,
      defaultBranch: info.defaultBranch,
      baseSha: ref.data.object.sha,
      cloneUrl: info.cloneUrl,
    };
    await this.ensureCheckout(prepared, prepared.baseSha, opts);
    this.log.info(
      { repo: `${repo.owner}/${repo.name}`, branch: info.defaultBranch, sha: prepared.baseSha },
      'repository prepared',
    );
    return prepared;
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

  private async pullsForBranch(owner: string, repo: string, branch: string): Promise<PullSummary[]> {
    const prs = await this.api('list pull requests', () =>
      this.o.client.paginate(this.gh.pulls.list, {
        owner,
        repo,
        state: 'all',
        head: `${owner}:${branch}`,
        per_page: 100,
      }),
    );
    return (prs as PullSummary[])
      .filter((p) => p.head.ref === branch)
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  }

  /** Throws PrLimitReachedError when a new TerraFix PR would exceed the configured limits. */
  private async checkLimits(owner: string, repo: string): Promise<void> {
    const { concurrentLimit, hourlyLimit } = this.o.policy;
    const open = (await this.api('list open pull requests', () =>
      this.o.client.paginate(this.gh.pulls.list, { owner, repo, state: 'open', per_page: 100 }),
    )) as PullSummary[];
    const openOurs = open.filter((p) => p.head.ref.startsWith(BRANCH_PREFIX)).length;
    if (openOurs >= concurrentLimit) {
      throw new PrLimitReachedError(
        `${owner}/${repo} has ${openOurs} open TerraFix pull requests (PR_CONCURRENT_LIMIT=${concurrentLimit}); waiting for some to be merged or closed`,
        'concurrent',
      );
    }
    const recent = await this.api('list recent pull requests', () =>
      this.gh.pulls.list({ owner, repo, state: 'all', sort: 'created', direction: 'desc', per_page: 100 }),
    );
    const hourAgo = (this.o.now?.() ?? new Date()).getTime() - 3_600_000;
    const lastHour = (recent.data as PullSummary[]).filter(
      (p) => p.head.ref.startsWith(BRANCH_PREFIX) && Date.parse(p.created_at) > hourAgo,
    ).length;
    if (lastHour >= hourlyLimit) {
      throw new PrLimitReachedError(
        `${owner}/${repo} got ${lastHour} TerraFix pull requests in the last hour (PR_HOURLY_LIMIT=${hourlyLimit}); waiting`,
        'hourly',
      );
    }
  }

  private async getBranchSha(owner: string, repo: string, branch: string): Promise<string | null> {
    try {
      const r = await this.gh.git.getRef({ owner, repo, ref: `heads/${branch}` });
      return r.data.object.sha;
    } catch (e) {
      if (status(e) === 404) return null;
      throw this.wrap(`get ref ${branch}`, e);
    }
  }

  /** Creates (or reuses) the fix commit on the base SHA and points the branch at it. */
  private async writeBranch(
    req: OpenPullRequestRequest,
    branch: string,
  ): Promise<{ sha: string; changed: boolean; foreign: boolean }> {
    const { owner, name: repo } = req.prepared.repo;
    const base = req.prepared.baseSha;
    const baseCommit = await this.api('get base commit', () =>
      this.gh.git.getCommit({ owner, repo, commit_sha: base }),
    );
    const entries: { path: string; mode: '100644'; type: 'blob'; sha: string }[] = [];
    for (const f of req.fix.files) {
      const blob = await this.api('create blob', () =>
        this.gh.git.createBlob({
          owner,
          repo,
          content: Buffer.from(f.content, 'utf8').toString('base64'),
          encoding: 'base64',
        }),
      );
      entries.push({
        path: repoFilePath(f.path),
        mode: '100644' as const,
        type: 'blob' as const,
        sha: blob.data.sha,
      });
    }
    const tree = await this.api('create tree', () =>
      this.gh.git.createTree({ owner, repo, base_tree: baseCommit.data.tree.sha, tree: entries }),
    );
    const existing = await this.getBranchSha(owner, repo, branch);
    if (existing) {
      const head = await this.api('get branch head', () =>
        this.gh.git.getCommit({ owner, repo, commit_sha: existing }),
      );
      if (!head.data.message.includes(`${COMMIT_TRAILER}:`)) {
        this.log.warn({ branch }, 'branch has commits not made by TerraFix; leaving it untouched');
        return { sha: existing, changed: false, foreign: true };
      }
      if (
        head.data.tree.sha === tree.data.sha &&
        head.data.parents.length === 1 &&
        head.data.parents[0]!.sha === base
      ) {
        return { sha: existing, changed: false, foreign: false };
      }
    }
    const commit = await this.api('create commit', () =>
      this.gh.git.createCommit({
        owner,
        repo,
        message: commitMessage(req.failure, req.fix, req.target),
        tree: tree.data.sha,
        parents: [base],
      }),
    );
    const sha = commit.data.sha;
    if (existing) {
      await this.api('update ref', () =>
        this.gh.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha, force: true }),
      );
    } else {
      try {
        await this.gh.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha });
      } catch (e) {
        if (status(e) !== 422) throw this.wrap('create ref', e);
        // Created concurrently by another attempt of this activity: take it over.
        await this.api('update ref', () =>
          this.gh.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha, force: true }),
        );
      }
    }
    return { sha, changed: true, foreign: false };
  }

  async openPullRequest(req: OpenPullRequestRequest): Promise<PullRequestResult> {
    const { failure, prepared, fix } = req;
    const { owner, name: repo } = prepared.repo;
    const branch = branchName(failure, fix);
    const log = this.log.child({ repo: `${owner}/${repo}`, branch, failureKey: failure.key });
    const prs = await this.pullsForBranch(owner, repo, branch);
    let open = prs.find((p) => p.state === 'open');
    const latest = prs[0];
    if (!open && latest && latest.state === 'closed' && !latest.merged_at) {
      log.info({ number: latest.number }, 'pull request was closed without merge; not reopening');
      return { action: 'rejected_by_reviewer', url: latest.html_url, number: latest.number, branch };
    }
    if (!open) await this.checkLimits(owner, repo);

    const written = await this.writeBranch(req, branch);
    if (written.foreign && !open) {
      throw new PermanentApiError(
        `branch ${branch} in ${owner}/${repo} holds commits not made by TerraFix and has no open pull request; delete the branch to let TerraFix recreate it`,
      );
    }
    const title = prTitle(failure, req.target, fix);
    const body = prBody({
      failure,
      target: req.target,
      fix,
      localPaths: [this.o.workspace.root],
      temporalUiUrl: req.temporalUiUrl,
      temporalNamespace: req.temporalNamespace,
    });
    const labels = prLabels(failure, fix);
    let action: PullRequestResult['action'];
    if (!open) {
      try {
        const created = await this.gh.pulls.create({
          owner,
          repo,
          head: branch,
          base: prepared.defaultBranch,
          title,
          body,
        });
        open = created.data as unknown as PullSummary;
        action = 'created';
      } catch (e) {
        if (status(e) !== 422) throw this.wrap('create pull request', e);
        // Another attempt created it between our list and create: update that one.
        open = (await this.pullsForBranch(owner, repo, branch)).find((p) => p.state === 'open');
        if (!open) throw this.wrap('create pull request', e);
        action = 'updated';
      }
    } else {
      action = written.changed ? 'updated' : 'unchanged';
    }
    if (action !== 'created' && (open.title !== title || (open.body ?? '') !== body)) {
      await this.api('update pull request', () =>
        this.gh.pulls.update({ owner, repo, pull_number: open!.number, title, body }),
      );
      if (action === 'unchanged') action = 'updated';
    }
    const number = open.number;
    const have = new Set(open.labels.map((l) => l.name));
    if (labels.some((l) => !have.has(l.name))) await this.applyLabels(owner, repo, number, labels);
    if (action === 'created') await this.assignPeople(req, number);
    log.info({ number, action }, 'pull request ready');
    return { action, url: open.html_url, number, branch };
  }

  private async applyLabels(
    owner: string,
    repo: string,
    number: number,
    labels: { name: string; color: string; description: string }[],
  ): Promise<void> {
    for (const l of labels) {
      try {
        await this.gh.issues.getLabel({ owner, repo, name: l.name });
      } catch (e) {
        if (status(e) !== 404) throw this.wrap('get label', e);
        try {
          await this.gh.issues.createLabel({
            owner,
            repo,
            name: l.name,
            color: l.color,
            description: l.description,
          });
        } catch (e2) {
          if (status(e2) !== 422) throw this.wrap('create label', e2); // 422: created concurrently
        }
      }
    }
    await this.api('add labels', () =>
      this.gh.issues.addLabels({ owner, repo, issue_number: number, labels: labels.map((l) => l.name) }),
    );
  }

  private async codeOwnerReviewers(
    req: OpenPullRequestRequest,
  ): Promise<{ users: string[]; teams: string[] }> {
    const text = await this.codeOwnersText(req.prepared);
    if (text === null) return { users: [], teams: [] };
    return reviewersFor(
      parseCodeOwners(text),
      req.fix.files.map((f) => repoFilePath(f.path)),
    );
  }

  /**
   * The CODEOWNERS file at a commit (null when there is none), cached per repository and SHA: a
   * commit's content never changes, and a burst of PRs on one base would otherwise fetch it each time.
   */
  private codeOwnersText(prepared: OpenPullRequestRequest['prepared']): Promise<string | null> {
    const { owner, name: repo } = prepared.repo;
    const key = `${owner}/${repo}@${prepared.baseSha}`;
    let hit = this.codeOwnersCache.get(key);
    if (!hit) {
      hit = (async () => {
        for (const p of CODEOWNERS_PATHS) {
          try {
            const r = await this.gh.repos.getContent({ owner, repo, path: p, ref: prepared.baseSha });
            const d = r.data as { type?: string; content?: string; encoding?: string };
            if (d.type !== 'file' || typeof d.content !== 'string') continue;
            return Buffer.from(d.content, d.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
          } catch (e) {
            if (status(e) !== 404) throw this.wrap('get CODEOWNERS', e);
          }
        }
        return null;
      })();
      hit.catch(() => this.codeOwnersCache.delete(key));
      this.codeOwnersCache.set(key, hit);
      if (this.codeOwnersCache.size > 256)
        this.codeOwnersCache.delete(this.codeOwnersCache.keys().next().value as string);
    }
    return hit;
  }

  /** Requests reviewers (config, else CODEOWNERS) and sets assignees; failures here only warn. */
  private async assignPeople(req: OpenPullRequestRequest, number: number): Promise<void> {
    const { owner, name: repo } = req.prepared.repo;
    const { reviewers, assignees } = this.o.policy;
    try {
      const wanted =
        reviewers.length > 0
          ? {
              users: reviewers.filter((r) => !r.includes('/')),
              teams: reviewers.filter((r) => r.includes('/')),
            }
          : await this.codeOwnerReviewers(req);
      const teams = wanted.teams.map((t) => t.split('/').pop()!).filter(Boolean);
      if (wanted.users.length || teams.length) {
        await this.gh.pulls.requestReviewers({
          owner,
          repo,
          pull_number: number,
          reviewers: wanted.users,
          team_reviewers: teams,
        });
      }
      if (assignees.length)
        await this.gh.issues.addAssignees({ owner, repo, issue_number: number, assignees });
    } catch (e) {
      this.log.warn(
        { number, err: this.wrap('request reviewers', e).message },
        'could not request reviewers or assignees',
      );
    }
  }

  async getPullRequestState(prepared: PreparedRepo, number: number): Promise<PullRequestState> {
    try {
      const r = await this.gh.pulls.get({
        owner: prepared.repo.owner,
        repo: prepared.repo.name,
        pull_number: number,
      });
      if (r.data.merged_at) return 'merged';
      return r.data.state === 'open' ? 'open' : 'closed';
    } catch (e) {
      if (status(e) === 404) return 'missing';
      throw this.wrap('get pull request', e);
    }
  }

  async remindPullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void> {
    const { owner, name: repo } = prepared.repo;
    const pr = await this.api('get pull request', () =>
      this.gh.pulls.get({ owner, repo, pull_number: number }),
    );
    if (pr.data.state !== 'open') return;
    await this.api('comment', () =>
      this.gh.issues.createComment({ owner, repo, issue_number: number, body: comment }),
    );
    await this.applyLabels(owner, repo, number, [
      {
        name: 'terrafix:stale',
        color: 'cccccc',
        description: 'TerraFix PR without a review outcome for a long time',
      },
    ]);
  }

  async closePullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void> {
    const { owner, name: repo } = prepared.repo;
    const pr = await this.api('get pull request', () =>
      this.gh.pulls.get({ owner, repo, pull_number: number }),
    );
    if (pr.data.state !== 'open') return;
    if (comment) {
      await this.api('comment', () =>
        this.gh.issues.createComment({ owner, repo, issue_number: number, body: comment }),
      );
    }
    await this.api('close pull request', () =>
      this.gh.pulls.update({ owner, repo, pull_number: number, state: 'closed' }),
    );
    const ref = pr.data.head.ref;
    if (ref.startsWith(BRANCH_PREFIX)) {
      try {
        await this.gh.git.deleteRef({ owner, repo, ref: `heads/${ref}` });
      } catch (e) {
        if (![404, 422].includes(status(e) ?? 0)) throw this.wrap('delete branch', e);
      }
    }
  }
}
