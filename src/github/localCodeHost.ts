/**
 * LocalCodeHost (CODE_HOST=local): the CodeHost interface over bare git repositories on disk, for
 * the sandbox and dry runs. Layout under LOCAL_CODE_HOST_DIR:
 *
 *   <owner>/<name>.git                 bare repository (create with `git clone --bare <url> <path>`)
 *   <owner>/<name>.pulls/<n>.json      PR record: title, body, diff, branch, SHAs, labels, state
 *   <owner>/<name>.pulls/<n>.md        the same PR rendered for reading
 *
 * A fix becomes a commit on the verified base SHA on branch `terrafix/...`, exactly as on GitHub,
 * so a team can see what TerraFix would open before granting it write access.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Failure, PreparedRepo, PullRequestResult, RepoRef } from '../contracts';
import type { RepoMapping } from '../config';
import type { Logger } from '../logger';
import { RepoNotMappedError } from '../errors';
import type {
  CodeHost,
  HeartbeatOption,
  OpenPullRequestRequest,
  PullRequestPolicy,
  PullRequestState,
} from './codeHost';
import { PrLimitReachedError } from './errors';
import { runGit } from './git';
import { commitTree, diffCommits, resolveRef, safeRepoPath, treeOf, writeTree } from './gitPlumbing';
import {
  BRANCH_PREFIX,
  COMMIT_TRAILER,
  branchName,
  commitMessage,
  escapeMarkdown,
  prBody,
  prLabels,
  prTitle,
} from './prContent';
import { resolveRepo } from './repoMapping';
import { RepoWorkspace } from './workspace';

export interface LocalPullRequest {
  number: number;
  failureKey: string;
  branch: string;
  base: string;
  baseSha: string;
  headSha: string;
  title: string;
  body: string;
  diff: string;
  labels: string[];
  state: 'open' | 'closed' | 'merged';
  comments: string[];
  createdAt: string;
  updatedAt: string;
}

export interface LocalCodeHostOptions {
  /** LOCAL_CODE_HOST_DIR. */
  root: string;
  /** WORKSPACE_DIR (checkout cache). */
  workspaceDir: string;
  mapping?: RepoMapping;
  policy: PullRequestPolicy;
  logger: Logger;
  now?: () => Date;
}

export class LocalCodeHost implements CodeHost {
  readonly kind = 'local' as const;
  readonly workspace: RepoWorkspace;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: LocalCodeHostOptions) {
    this.workspace = new RepoWorkspace({ dir: o.workspaceDir });
  }

  /** Bare repository path of a repo. */
  gitDir(repo: RepoRef): string {
    return path.join(this.o.root, repo.owner, `${repo.name}.git`);
  }

  /** Directory of a repo's PR records. */
  pullsDir(repo: RepoRef): string {
    return path.join(this.o.root, repo.owner, `${repo.name}.pulls`);
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** Serialises PR operations of this host (records are read-modify-write). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  async defaultBranchHead(repo: RepoRef): Promise<string> {
    const gitDir = this.gitDir(repo);
    const head = await runGit(['--git-dir', gitDir, 'symbolic-ref', '--short', 'HEAD']);
    const sha = await resolveRef(gitDir, `refs/heads/${head.stdout.trim()}`);
    if (!sha)
      throw new RepoNotMappedError(`local repository ${repo.owner}/${repo.name} has no default branch head`);
    return sha;
  }

  async prepare(failure: Failure, opts: HeartbeatOption = {}): Promise<PreparedRepo> {
    const repo = resolveRepo(failure, this.o.mapping);
    const gitDir = this.gitDir(repo);
    if (!fs.existsSync(path.join(gitDir, 'HEAD'))) {
      throw new RepoNotMappedError(
        `local repository ${repo.owner}/${repo.name} does not exist under LOCAL_CODE_HOST_DIR: create it with \`git clone --bare <url> ${gitDir}\``,
      );
    }
    const head = await runGit(['--git-dir', gitDir, 'symbolic-ref', '--short', 'HEAD']);
    const defaultBranch = head.stdout.trim();
    const baseSha = await resolveRef(gitDir, `refs/heads/${defaultBranch}`);
    if (!baseSha)
      throw new RepoNotMappedError(
        `local repository ${repo.owner}/${repo.name} has no commits on ${defaultBranch}`,
      );
    const prepared: PreparedRepo = { repo, defaultBranch, baseSha, cloneUrl: pathToFileURL(gitDir).href };
    await this.ensureCheckout(prepared, baseSha, opts);
    return prepared;
  }

  ensureCheckout(repo: RepoRef | PreparedRepo, sha: string, opts: HeartbeatOption = {}): Promise<string> {
    const ref = 'repo' in repo ? repo.repo : repo;
    const cloneUrl = pathToFileURL(this.gitDir(ref)).href;
    return this.workspace.ensureCheckout({ owner: ref.owner, name: ref.name, cloneUrl }, sha, opts);
  }

  /** All PR records of a repository, by number. */
  listPullRequests(repo: RepoRef): LocalPullRequest[] {
    const dir = this.pullsDir(repo);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => /^\d+\.json$/.test(f))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as LocalPullRequest)
      .sort((a, b) => a.number - b.number);
  }

  private save(repo: RepoRef, pr: LocalPullRequest): void {
    const dir = this.pullsDir(repo);
    fs.mkdirSync(dir, { recursive: true });
    const write = (name: string, text: string) => {
      const tmp = path.join(dir, `.${name}.tmp`);
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, path.join(dir, name));
    };
    write(`${pr.number}.json`, JSON.stringify(pr, null, 2) + '\n');
    const md = [
      `# ${escapeMarkdown(pr.title)}`,
      '',
      `State: **${pr.state}** · branch \`${pr.branch}\` → \`${pr.base}\` · labels: ${pr.labels.join(', ')}`,
      '',
      pr.body,
      '',
      '## Full diff',
      '',
      '```diff',
      pr.diff,
      '```',
      ...pr.comments.flatMap((c) => ['', '---', '', c]),
      '',
    ].join('\n');
    write(`${pr.number}.md`, md);
  }

  openPullRequest(req: OpenPullRequestRequest): Promise<PullRequestResult> {
    return this.serial(() => this.openUnlocked(req));
  }

  private async openUnlocked(req: OpenPullRequestRequest): Promise<PullRequestResult> {
    const { failure, prepared, fix } = req;
    const repo = prepared.repo;
    const gitDir = this.gitDir(repo);
    const branch = branchName(failure, fix);
    const all = this.listPullRequests(repo);
    const mine = all.filter((p) => p.branch === branch).sort((a, b) => b.number - a.number);
    const open = mine.find((p) => p.state === 'open');
    const latest = mine[0];
    if (!open && latest && latest.state === 'closed') {
      return {
        action: 'rejected_by_reviewer',
        url: this.url(repo, latest.number),
        number: latest.number,
        branch,
      };
    }
    if (!open) {
      const openOurs = all.filter((p) => p.state === 'open' && p.branch.startsWith(BRANCH_PREFIX)).length;
      if (openOurs >= this.o.policy.concurrentLimit) {
        throw new PrLimitReachedError(
          `${repo.owner}/${repo.name} has ${openOurs} open TerraFix pull requests (PR_CONCURRENT_LIMIT=${this.o.policy.concurrentLimit})`,
          'concurrent',
        );
      }
      const hourAgo = this.now().getTime() - 3_600_000;
      const recent = all.filter((p) => Date.parse(p.createdAt) > hourAgo).length;
      if (recent >= this.o.policy.hourlyLimit) {
        throw new PrLimitReachedError(
          `${repo.owner}/${repo.name} got ${recent} TerraFix pull requests in the last hour (PR_HOURLY_LIMIT=${this.o.policy.hourlyLimit})`,
          'hourly',
        );
      }
    }

    const tree = await writeTree(
      gitDir,
      await treeOf(gitDir, prepared.baseSha),
      fix.files.map((f) => ({ path: safeRepoPath(f.path), content: f.content })),
    );
    const existing = await resolveRef(gitDir, `refs/heads/${branch}`);
    let head = existing;
    let changed = false;
    if (existing) {
      const msg = (await runGit(['--git-dir', gitDir, 'log', '-1', '--format=%B', existing])).stdout;
      if (!msg.includes(`${COMMIT_TRAILER}:`)) {
        this.o.logger.warn({ branch }, 'branch has commits not made by TerraFix; leaving it untouched');
      } else {
        const parents = (await runGit(['--git-dir', gitDir, 'rev-parse', `${existing}^@`])).stdout
          .trim()
          .split('\n');
        const same =
          (await treeOf(gitDir, existing)) === tree &&
          parents.length === 1 &&
          parents[0] === prepared.baseSha;
        if (!same) head = null;
      }
    }
    if (!head) {
      head = await commitTree(gitDir, tree, [prepared.baseSha], commitMessage(failure, fix, req.target));
      await runGit(['--git-dir', gitDir, 'update-ref', `refs/heads/${branch}`, head]);
      changed = true;
    }
    const now = this.now().toISOString();
    const title = prTitle(failure, req.target, fix);
    const body = prBody({
      failure,
      target: req.target,
      fix,
      localPaths: [this.o.root, this.workspace.root],
      temporalUiUrl: req.temporalUiUrl,
      temporalNamespace: req.temporalNamespace,
    });
    const record: LocalPullRequest = {
      number: open?.number ?? all.reduce((m, p) => Math.max(m, p.number), 0) + 1,
      failureKey: failure.key,
      branch,
      base: prepared.defaultBranch,
      baseSha: prepared.baseSha,
      headSha: head,
      title,
      body,
      diff: await diffCommits(gitDir, prepared.baseSha, head),
      labels: prLabels(failure, fix).map((l) => l.name),
      state: 'open',
      comments: open?.comments ?? [],
      createdAt: open?.createdAt ?? now,
      updatedAt: now,
    };
    let action: PullRequestResult['action'] = 'created';
    if (open) {
      const same = !changed && open.title === title && open.body === body;
      action = same ? 'unchanged' : 'updated';
      if (same) record.updatedAt = open.updatedAt;
    }
    this.save(repo, record);
    this.o.logger.info(
      { repo: `${repo.owner}/${repo.name}`, branch, number: record.number, action },
      'local pull request ready',
    );
    return { action, url: this.url(repo, record.number), number: record.number, branch };
  }

  private url(repo: RepoRef, n: number): string {
    return pathToFileURL(path.join(this.pullsDir(repo), `${n}.md`)).href;
  }

  async getPullRequestState(prepared: PreparedRepo, number: number): Promise<PullRequestState> {
    const pr = this.listPullRequests(prepared.repo).find((p) => p.number === number);
    return pr ? pr.state : 'missing';
  }

  remindPullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void> {
    return this.serial(async () => {
      const pr = this.listPullRequests(prepared.repo).find((p) => p.number === number);
      if (!pr || pr.state !== 'open') return;
      pr.comments.push(comment);
      if (!pr.labels.includes('terrafix:stale')) pr.labels.push('terrafix:stale');
      pr.updatedAt = this.now().toISOString();
      this.save(prepared.repo, pr);
    });
  }

  closePullRequest(prepared: PreparedRepo, number: number, comment: string): Promise<void> {
    return this.serial(async () => {
      const pr = this.listPullRequests(prepared.repo).find((p) => p.number === number);
      if (!pr || pr.state !== 'open') return;
      pr.state = 'closed';
      if (comment) pr.comments.push(comment);
      pr.updatedAt = this.now().toISOString();
      this.save(prepared.repo, pr);
      await runGit(['--git-dir', this.gitDir(prepared.repo), 'update-ref', '-d', `refs/heads/${pr.branch}`], {
        okCodes: [1],
      });
    });
  }

  /** Marks a PR merged and fast-forwards or merges its branch into the base (sandbox/demo helper). */
  mergePullRequest(repo: RepoRef, number: number): Promise<void> {
    return this.serial(async () => {
      const pr = this.listPullRequests(repo).find((p) => p.number === number);
      if (!pr || pr.state !== 'open') throw new Error(`pull request #${number} is not open`);
      const gitDir = this.gitDir(repo);
      const base = await resolveRef(gitDir, `refs/heads/${pr.base}`);
      let merged = pr.headSha;
      if (base && base !== pr.baseSha) {
        const tree = (
          await runGit(['--git-dir', gitDir, 'merge-tree', '--write-tree', base, pr.headSha])
        ).stdout
          .trim()
          .split('\n')[0]!;
        merged = await commitTree(gitDir, tree, [base, pr.headSha], `Merge ${pr.branch}`);
      }
      await runGit(['--git-dir', gitDir, 'update-ref', `refs/heads/${pr.base}`, merged]);
      pr.state = 'merged';
      pr.updatedAt = this.now().toISOString();
      this.save(repo, pr);
    });
  }
}
