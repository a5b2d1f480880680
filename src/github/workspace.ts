/**
 * Per-worker repository cache. Layout under WORKSPACE_DIR:
 *
 *   <host>/<owner>/<name>/mirror.git     bare partial clone, refreshed with `git fetch`
 *   <host>/<owner>/<name>/sha/<sha>/     read-only export of one commit (complete once it exists)
 *   <host>/<owner>/<name>/.lock          cross-process lock file
 *
 * `ensureCheckout` is a no-op when the export exists; otherwise it takes the repository's lock
 * (an in-process promise chain plus a lock file for other processes), clones or fetches, and
 * exports the commit into a temporary directory that is renamed into place atomically.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runGit, type GitCredential } from './git';
import { GitCommandError } from './errors';

export interface WorkspaceRepo {
  owner: string;
  name: string;
  /** Clone URL from the code host's API (never contains a credential). */
  cloneUrl: string;
}

export interface EnsureCheckoutOptions {
  /** Called periodically during long git operations (Temporal activity heartbeat). */
  heartbeat?: () => void;
}

export interface WorkspaceOptions {
  /** Root cache directory (WORKSPACE_DIR). */
  dir: string;
  /** Supplies a fresh token (PAT or App installation token) for HTTP remotes; none for local repos. */
  getToken?: () => Promise<string | undefined>;
  /** Partial clone (`--filter=blob:none`), default true: blobs are fetched per exported commit. */
  partialClone?: boolean;
  /** A lock file older than this is considered abandoned by a crashed process (default 10 min). */
  staleLockMs?: number;
  heartbeatMs?: number;
}

const SHA_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Keeps one promise chain per key so that callers in this process run one after another. */
class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when a lock file names a process of this host that is not running (it was killed). */
function holderIsGone(content: string): boolean {
  const [host, pidText] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Acquires an exclusive lock file (O_EXCL), breaking it when older than `staleMs` or when the process
 * of this host that holds it is gone.
 */
async function withLockFile<T>(
  file: string,
  staleMs: number,
  heartbeat: (() => void) | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  let waited = 0;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${os.hostname()} ${process.pid}\n`);
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        const age = Date.now() - fs.statSync(file).mtimeMs;
        // Stale: too old, or held by a process of this host that no longer exists (a killed worker).
        if (age > staleMs || holderIsGone(fs.readFileSync(file, 'utf8'))) fs.rmSync(file, { force: true });
      } catch {
        /* removed meanwhile */
      }
      await sleep(50 + Math.floor(Math.random() * 50));
      waited += 75;
      if (heartbeat && waited % 3000 < 75) heartbeat();
    }
  }
  // Keep the lock fresh while a long clone runs so no other process considers it stale.
  const touch = setInterval(
    () => {
      const now = new Date();
      try {
        fs.utimesSync(file, now, now);
      } catch {
        /* ignore */
      }
    },
    Math.max(1000, Math.floor(staleMs / 3)),
  );
  try {
    return await fn();
  } finally {
    clearInterval(touch);
    fs.rmSync(file, { force: true });
  }
}

function safeSegment(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._-]/g, '_');
  if (!clean || clean === '.' || clean === '..')
    throw new Error(`invalid repository segment ${JSON.stringify(s)}`);
  return clean;
}

/** The per-worker repository cache (see the file comment). */
export class RepoWorkspace {
  private readonly mutex = new KeyedMutex();
  private readonly partial: boolean;
  private readonly staleLockMs: number;

  constructor(private readonly opts: WorkspaceOptions) {
    this.partial = opts.partialClone ?? true;
    this.staleLockMs = opts.staleLockMs ?? 10 * 60_000;
  }

  /** The cache root (WORKSPACE_DIR). */
  get root(): string {
    return this.opts.dir;
  }

  /** Directory that holds everything for one repository. */
  repoDir(repo: WorkspaceRepo): string {
    let host = 'local';
    try {
      const u = new URL(repo.cloneUrl);
      host = u.protocol === 'file:' ? 'local' : u.host;
    } catch {
      /* a plain path: local repository */
    }
    return path.join(this.opts.dir, safeSegment(host), safeSegment(repo.owner), safeSegment(repo.name));
  }

  /** Path of the bare mirror of a repository. */
  mirrorDir(repo: WorkspaceRepo): string {
    return path.join(this.repoDir(repo), 'mirror.git');
  }

  /** Returns a directory holding the files of `sha`; cheap when cached, safe under concurrency. */
  async ensureCheckout(
    repo: WorkspaceRepo,
    sha: string,
    options: EnsureCheckoutOptions = {},
  ): Promise<string> {
    if (!SHA_RE.test(sha)) throw new GitCommandError(`not a full commit SHA: ${JSON.stringify(sha)}`);
    const target = path.join(this.repoDir(repo), 'sha', sha);
    if (fs.existsSync(target)) return target;
    const key = this.repoDir(repo);
    return this.mutex.run(key, async () => {
      if (fs.existsSync(target)) return target;
      fs.mkdirSync(key, { recursive: true });
      return withLockFile(path.join(key, '.lock'), this.staleLockMs, options.heartbeat, async () => {
        if (fs.existsSync(target)) return target;
        await this.ensureCommit(repo, sha, options);
        await this.exportCommit(repo, sha, target, options);
        return target;
      });
    });
  }

  /** Fetches the mirror (cloning it first if needed) and returns the SHA of a remote branch. */
  async fetchBranch(
    repo: WorkspaceRepo,
    branch: string,
    options: EnsureCheckoutOptions = {},
  ): Promise<string> {
    const key = this.repoDir(repo);
    return this.mutex.run(key, async () => {
      fs.mkdirSync(key, { recursive: true });
      return withLockFile(path.join(key, '.lock'), this.staleLockMs, options.heartbeat, async () => {
        await this.cloneOrFetch(repo, options);
        const r = await runGit(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`], {
          cwd: this.mirrorDir(repo),
        });
        return r.stdout.trim();
      });
    });
  }

  private async credential(repo: WorkspaceRepo): Promise<GitCredential | undefined> {
    if (!/^https?:\/\//.test(repo.cloneUrl) || !this.opts.getToken) return undefined;
    const token = await this.opts.getToken();
    return token ? { origin: new URL(repo.cloneUrl).origin, token } : undefined;
  }

  private async hasCommit(mirror: string, sha: string): Promise<boolean> {
    const r = await runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: mirror, okCodes: [1, 128] });
    return r.code === 0;
  }

  private async cloneOrFetch(repo: WorkspaceRepo, options: EnsureCheckoutOptions): Promise<void> {
    const mirror = this.mirrorDir(repo);
    const credential = await this.credential(repo);
    const common = { credential, heartbeat: options.heartbeat, heartbeatMs: this.opts.heartbeatMs };
    if (!fs.existsSync(path.join(mirror, 'HEAD'))) {
      const tmp = `${mirror}.tmp-${process.pid}-${Date.now()}`;
      fs.rmSync(tmp, { recursive: true, force: true });
      const args = ['clone', '--bare', '--quiet', '--no-tags'];
      if (this.partial) args.push('--filter=blob:none');
      args.push('--', repo.cloneUrl, tmp);
      try {
        await runGit(args, common);
        await runGit(['config', 'remote.origin.fetch', '+refs/heads/*:refs/heads/*'], { cwd: tmp });
        fs.renameSync(tmp, mirror);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      return;
    }
    await runGit(['fetch', '--quiet', '--prune', '--no-tags', 'origin'], { ...common, cwd: mirror });
  }

  private async ensureCommit(
    repo: WorkspaceRepo,
    sha: string,
    options: EnsureCheckoutOptions,
  ): Promise<void> {
    const mirror = this.mirrorDir(repo);
    const fresh = !fs.existsSync(path.join(mirror, 'HEAD'));
    if (fresh || !(await this.hasCommit(mirror, sha))) await this.cloneOrFetch(repo, options);
    if (await this.hasCommit(mirror, sha)) return;
    // Not on any branch (e.g. a deleted branch): ask for the object itself.
    const credential = await this.credential(repo);
    await runGit(['fetch', '--quiet', '--no-tags', 'origin', sha], {
      cwd: mirror,
      credential,
      heartbeat: options.heartbeat,
      heartbeatMs: this.opts.heartbeatMs,
      okCodes: [128],
    });
    if (!(await this.hasCommit(mirror, sha))) {
      throw new GitCommandError(`commit ${sha} is not in ${repo.owner}/${repo.name}`);
    }
  }

  /**
   * Fetches all blobs of `sha` missing from the partial clone in one request (checkout-index would
   * otherwise fetch them lazily one by one), the way git's promisor remote does it internally.
   */
  private async prefetchBlobs(
    mirror: string,
    sha: string,
    opts: { credential?: GitCredential; heartbeat?: () => void; heartbeatMs?: number },
  ): Promise<void> {
    const listed = await runGit(['rev-list', '--objects', '--missing=print', sha], { cwd: mirror });
    const missing = listed.stdout
      .split('\n')
      .filter((l) => l.startsWith('?'))
      .map((l) => l.slice(1).trim());
    if (missing.length === 0) return;
    await runGit(
      [
        '-c',
        'fetch.negotiationAlgorithm=noop',
        'fetch',
        'origin',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        '--recurse-submodules=no',
        '--filter=blob:none',
        '--stdin',
      ],
      { ...opts, cwd: mirror, input: missing.join('\n') + '\n' },
    );
  }

  private async exportCommit(
    repo: WorkspaceRepo,
    sha: string,
    target: string,
    options: EnsureCheckoutOptions,
  ): Promise<void> {
    const mirror = this.mirrorDir(repo);
    const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
    fs.mkdirSync(tmp, { recursive: true });
    const index = `${tmp}.index`;
    // Missing blobs of a partial clone are fetched lazily here, hence the credential.
    const credential = await this.credential(repo);
    const opts = {
      cwd: mirror,
      credential,
      heartbeat: options.heartbeat,
      heartbeatMs: this.opts.heartbeatMs,
      env: { GIT_INDEX_FILE: index, GIT_WORK_TREE: tmp },
    };
    try {
      if (this.partial) await this.prefetchBlobs(mirror, sha, opts);
      await runGit(['read-tree', sha], opts);
      await runGit(['checkout-index', '--all', '--force'], opts);
      fs.renameSync(tmp, target);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(index, { force: true });
    }
  }
}
