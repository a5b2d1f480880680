/**
 * LocalCodeHost (CODE_HOST=local): the CodeHostPort primitives over bare git repositories on disk,
 * for the sandbox and dry runs. Layout under LOCAL_CODE_HOST_DIR:
 *
 *   <owner>/<name>.git                 bare repository (create with `git clone --bare <url> <path>`)
 *   <owner>/<name>.pulls/<n>.json      PR record: title, body, diff, branch, SHAs, labels, state
 *   <owner>/<name>.pulls/<n>.md        the same PR rendered for reading
 *
 * The PR policy (src/pullRequests/policy.ts) is the one GitHub gets: a fix becomes a commit on the
 * verified base SHA on branch `terrafix/...`, so a team can see what TerraFix would open before
 * granting it write access. A record follows its branch as a GitHub PR does (head, diff).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Failure, PreparedRepo, RepoRef } from '../contracts';
import type { RepoMapping } from '../config';
import type { Logger } from '../logger';
import { RepoNotMappedError } from '../errors';
import type { HeartbeatOption } from '../pullRequests/codeHost';
import type {
  CodeHostPort,
  CommitInfo,
  FileContent,
  NewPull,
  PullInfo,
  ReviewerRequest,
} from '../pullRequests/port';
import { runGit } from './git';
import { commitTree, diffCommits, resolveRef, treeOf, writeTree } from './gitPlumbing';
import { safeRepoPath } from '../security/repoPath';
import { escapeMarkdown, parseFailureMarker } from '../pullRequests/content';
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
  /** Opened as a draft: the fix needs a careful review (label terrafix:needs-review). */
  draft?: boolean;
  state: 'open' | 'closed' | 'merged';
  comments: string[];
  createdAt: string;
  updatedAt: string;
  /** Reviewers requested (user logins) and teams (slugs); absent in records written before. */
  requestedReviewers?: string[];
  requestedTeams?: string[];
  assignees?: string[];
}

export interface LocalCodeHostOptions {
  /** LOCAL_CODE_HOST_DIR. */
  root: string;
  /** WORKSPACE_DIR (checkout cache). */
  workspaceDir: string;
  mapping?: RepoMapping;
  logger: Logger;
  /** Clock for record timestamps (tests). */
  now?: () => Date;
}

function addAll(list: string[] | undefined, items: string[]): string[] {
  const out = [...(list ?? [])];
  for (const i of items) if (!out.includes(i)) out.push(i);
  return out;
}

export class LocalCodeHost implements CodeHostPort {
  readonly kind = 'local' as const;
  readonly workspace: RepoWorkspace;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: LocalCodeHostOptions) {
    this.workspace = new RepoWorkspace({ dir: o.workspaceDir });
  }

  get localPaths(): string[] {
    return [this.o.root, this.workspace.root];
  }

  /** Bare repository path of a repo. */
  gitDir(repo: RepoRef): string {
    return path.join(this.o.root, repo.owner, `${repo.name}.git`);
  }

  /** Directory of a repo's PR records. */
  pullsDir(repo: RepoRef): string {
    return path.join(this.o.root, repo.owner, `${repo.name}.pulls`);
  }

  private now(): string {
    return (this.o.now?.() ?? new Date()).toISOString();
  }

  /** Serialises record changes of this host (records are read-modify-write). */
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

  private record(repo: RepoRef, number: number): LocalPullRequest | undefined {
    return this.listPullRequests(repo).find((p) => p.number === number);
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
      `State: **${pr.state}**${pr.draft ? ' (draft)' : ''} · branch \`${pr.branch}\` → \`${pr.base}\` · labels: ${pr.labels.join(', ')}`,
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

  /** Changes one record (serialised, saved with a fresh updatedAt); a missing record is an error. */
  private change(repo: RepoRef, number: number, fn: (pr: LocalPullRequest) => void): Promise<void> {
    return this.serial(async () => {
      const pr = this.record(repo, number);
      if (!pr) throw new Error(`local pull request #${number} of ${repo.owner}/${repo.name} does not exist`);
      fn(pr);
      pr.updatedAt = this.now();
      this.save(repo, pr);
    });
  }

  private url(repo: RepoRef, n: number): string {
    return pathToFileURL(path.join(this.pullsDir(repo), `${n}.md`)).href;
  }

  private info(repo: RepoRef, pr: LocalPullRequest): PullInfo {
    return {
      number: pr.number,
      state: pr.state,
      branch: pr.branch,
      title: pr.title,
      body: pr.body,
      labels: [...pr.labels],
      url: this.url(repo, pr.number),
      createdAt: pr.createdAt,
    };
  }

  private newestFirst(repo: RepoRef, list: LocalPullRequest[]): PullInfo[] {
    return list.sort((a, b) => b.number - a.number).map((p) => this.info(repo, p));
  }

  async findPulls(repo: RepoRef, branch: string): Promise<PullInfo[]> {
    return this.newestFirst(
      repo,
      this.listPullRequests(repo).filter((p) => p.branch === branch),
    );
  }

  async listOpenPulls(repo: RepoRef): Promise<PullInfo[]> {
    return this.newestFirst(
      repo,
      this.listPullRequests(repo).filter((p) => p.state === 'open'),
    );
  }

  async listRecentPulls(repo: RepoRef): Promise<PullInfo[]> {
    return this.newestFirst(repo, this.listPullRequests(repo)).slice(0, 100);
  }

  async getPull(repo: RepoRef, number: number): Promise<PullInfo | null> {
    const pr = this.record(repo, number);
    return pr ? this.info(repo, pr) : null;
  }

  async getBranchHead(repo: RepoRef, branch: string): Promise<CommitInfo | null> {
    const gitDir = this.gitDir(repo);
    const sha = await resolveRef(gitDir, `refs/heads/${branch}`);
    if (!sha) return null;
    const out = (await runGit(['--git-dir', gitDir, 'show', '-s', '--format=%T%n%P%n%B', sha])).stdout;
    const [tree = '', parents = '', ...message] = out.split('\n');
    return { sha, tree, parents: parents.split(' ').filter(Boolean), message: message.join('\n') };
  }

  async writeTree(repo: RepoRef, baseSha: string, files: FileContent[]): Promise<string> {
    const gitDir = this.gitDir(repo);
    return writeTree(
      gitDir,
      await treeOf(gitDir, baseSha),
      files.map((f) => ({ path: safeRepoPath(f.path), content: f.content })),
    );
  }

  createCommit(repo: RepoRef, tree: string, parents: string[], message: string): Promise<string> {
    return commitTree(this.gitDir(repo), tree, parents, message);
  }

  /** Moves the branch; the open record on it follows (head, base = the head's parent, diff). */
  setBranch(repo: RepoRef, branch: string, sha: string): Promise<void> {
    return this.serial(async () => {
      await runGit(['--git-dir', this.gitDir(repo), 'update-ref', `refs/heads/${branch}`, sha]);
      const open = this.listPullRequests(repo).find((p) => p.branch === branch && p.state === 'open');
      if (!open) return;
      Object.assign(open, await this.headOf(repo, sha), { updatedAt: this.now() });
      this.save(repo, open);
    });
  }

  /** A record's head fields for a head commit: its SHA, its first parent as base SHA, the diff. */
  private async headOf(
    repo: RepoRef,
    head: string,
  ): Promise<Pick<LocalPullRequest, 'headSha' | 'baseSha' | 'diff'>> {
    const gitDir = this.gitDir(repo);
    const parent = await resolveRef(gitDir, `${head}^`);
    return {
      headSha: head,
      baseSha: parent ?? head,
      diff: parent ? await diffCommits(gitDir, parent, head) : '',
    };
  }

  async deleteBranch(repo: RepoRef, branch: string): Promise<void> {
    await runGit(['--git-dir', this.gitDir(repo), 'update-ref', '-d', `refs/heads/${branch}`], {
      okCodes: [1],
    });
  }

  async readFile(repo: RepoRef, sha: string, file: string): Promise<string | null> {
    const gitDir = this.gitDir(repo);
    const spec = `${sha}:${safeRepoPath(file)}`;
    const type = await runGit(['--git-dir', gitDir, 'cat-file', '-t', spec], { okCodes: [1, 128] });
    if (type.code !== 0 || type.stdout.trim() !== 'blob') return null;
    return (await runGit(['--git-dir', gitDir, 'cat-file', 'blob', spec])).stdout;
  }

  /** Writes a new record for the branch (or answers the open one, created: false). */
  createPull(repo: RepoRef, pull: NewPull): Promise<{ pull: PullInfo; created: boolean }> {
    return this.serial(async () => {
      const all = this.listPullRequests(repo);
      const open = all.find((p) => p.branch === pull.branch && p.state === 'open');
      if (open) return { pull: this.info(repo, open), created: false };
      const head = await resolveRef(this.gitDir(repo), `refs/heads/${pull.branch}`);
      if (!head) throw new Error(`branch ${pull.branch} of ${repo.owner}/${repo.name} does not exist`);
      const now = this.now();
      const record: LocalPullRequest = {
        number: all.reduce((m, p) => Math.max(m, p.number), 0) + 1,
        failureKey: parseFailureMarker(pull.body) ?? '',
        branch: pull.branch,
        base: pull.base,
        ...(await this.headOf(repo, head)),
        title: pull.title,
        body: pull.body,
        ...(pull.draft ? { draft: true } : {}),
        labels: [],
        state: 'open',
        comments: [],
        createdAt: now,
        updatedAt: now,
      };
      this.save(repo, record);
      return { pull: this.info(repo, record), created: true };
    });
  }

  updatePull(repo: RepoRef, number: number, change: { title: string; body: string }): Promise<void> {
    return this.change(repo, number, (pr) => Object.assign(pr, change));
  }

  closePull(repo: RepoRef, number: number): Promise<void> {
    return this.change(repo, number, (pr) => {
      if (pr.state === 'open') pr.state = 'closed';
    });
  }

  /** Labels need no registry on disk: a record lists its label names. */
  async ensureLabels(): Promise<void> {}

  addLabels(repo: RepoRef, number: number, names: string[]): Promise<void> {
    return this.change(repo, number, (pr) => (pr.labels = addAll(pr.labels, names)));
  }

  requestReviewers(repo: RepoRef, number: number, reviewers: ReviewerRequest): Promise<void> {
    return this.change(repo, number, (pr) => {
      pr.requestedReviewers = addAll(pr.requestedReviewers, reviewers.users);
      pr.requestedTeams = addAll(pr.requestedTeams, reviewers.teams);
    });
  }

  /** Replaces the record's labels and assignees (as GitHub's issues.update does). */
  setLabelsAndAssignees(repo: RepoRef, number: number, labels: string[], assignees: string[]): Promise<void> {
    return this.change(repo, number, (pr) => {
      pr.labels = addAll([], labels);
      pr.assignees = addAll([], assignees);
    });
  }

  comment(repo: RepoRef, number: number, body: string): Promise<void> {
    return this.change(repo, number, (pr) => pr.comments.push(body));
  }

  async listComments(repo: RepoRef, number: number): Promise<string[]> {
    return [...(this.record(repo, number)?.comments ?? [])];
  }

  /** Marks a PR merged and fast-forwards or merges its branch into the base (sandbox/demo helper). */
  mergePullRequest(repo: RepoRef, number: number): Promise<void> {
    return this.serial(async () => {
      const pr = this.record(repo, number);
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
      pr.updatedAt = this.now();
      this.save(repo, pr);
    });
  }
}
