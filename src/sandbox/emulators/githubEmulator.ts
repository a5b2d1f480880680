/**
 * GitHub emulator for tests, the demo and benchmarks: the REST endpoints TerraFix uses, backed by
 * real bare git repositories (git plumbing), plus git smart HTTP (`git http-backend`) so clones and
 * fetches are real. Checks the token on every request, sends rate-limit headers, answers 403
 * secondary-limit responses on demand, and accepts GitHub App installation-token requests signed
 * with the App's key.
 *
 *   API:  <apiUrl>/repos/{owner}/{repo}/...        git: <apiUrl>/git/{owner}/{repo}.git
 *   HTML: <apiUrl>/{owner}/{repo}/pull/{n} (a PR's html_url), <apiUrl>/{owner}/{repo}/pulls, <apiUrl>/
 *         read-only pages without a token (prPages.ts); the API and git stay token-protected.
 *
 * With `stateFile`, pull requests, labels and comments are kept in that JSON file (rewritten
 * atomically on every change, loaded on start), and the repositories it lists that are still in
 * `dir` are served again: the emulator's state survives a restart.
 */
import { createHash, randomBytes, verify as verifySignature, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../github/git';
import git from 'isomorphic-git';
import { type Identity } from '../../github/gitPlumbing';
import { safeRepoPath } from '../../security/repoPath';
import { GitHttpCache, serveGitHttp } from './gitHttp';
import { GitStore } from './gitStore';
import {
  PAGE_HEADERS,
  escapeHtml,
  renderPullIndex,
  renderPullPage,
  renderRepoIndex,
  type PullPageData,
} from './prPages';

export interface EmulatorOptions {
  /** Directory for the bare repositories (a temporary one by default, removed on stop). */
  dir?: string;
  /** Accepted personal access token (default: a random ghp_ token, returned as `token`). */
  token?: string;
  /** Login of the token's user. */
  user?: string;
  /** GitHub App accepted for installation tokens (public key verifies the App's JWTs). */
  app?: { appId: string; installationId: string; publicKey: string | KeyObject };
  port?: number;
  /** Seconds sent in Retry-After with injected secondary-limit responses (default 1). */
  secondaryRetryAfter?: number;
  /**
   * JSON file keeping pull requests, labels and comments across restarts (loaded on start when it
   * exists, rewritten atomically on every change); the repositories it lists are reused from `dir`.
   * Default: none (state in memory only).
   */
  stateFile?: string;
}

/** The emulator state kept in `stateFile` (repositories themselves are the bare repos in `dir`). */
interface PersistedState {
  version: 1;
  nextId: number;
  verifiedCommits: string[];
  repos: {
    owner: string;
    name: string;
    defaultBranch: string;
    nextNumber: number;
    labels: { name: string; color: string; description: string }[];
    pulls: EmulatedPull[];
  }[];
}

export interface EmulatedPull {
  id: number;
  number: number;
  state: 'open' | 'closed';
  title: string;
  body: string | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  assignees: string[];
  comments: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  user: string;
  /** Opened as a draft (`draft: true` on create, as GitHub documents). */
  draft?: boolean;
}

interface RepoState {
  owner: string;
  name: string;
  gitDir: string;
  defaultBranch: string;
  labels: Map<string, { name: string; color: string; description: string }>;
  pulls: EmulatedPull[];
  nextNumber: number;
  /** Object and ref access without a git process. */
  store: GitStore;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

export interface FaultSpec {
  method: string;
  path: RegExp;
  status: number;
  message?: string;
  times?: number;
}

export interface GitHubEmulator {
  apiUrl: string;
  token: string;
  dir: string;
  /** Cached upload-pack answers (hits and misses count the git processes saved and started). */
  gitHttpCache: GitHttpCache;
  stop(): Promise<void>;
  /** Whether the emulator serves this repository (created now, or reloaded from `stateFile`). */
  hasRepo(owner: string, name: string): boolean;
  /**
   * Creates a repository from a map of path → content or from a directory; returns the head SHA.
   * With `stateFile`, a bare repository already in `dir` is served as it is (not re-seeded).
   */
  createRepo(
    owner: string,
    name: string,
    files: Record<string, string> | string,
    opts?: { defaultBranch?: string },
  ): Promise<string>;
  /** Commits changes (null deletes) on a branch (default branch by default); returns the new SHA. */
  pushCommit(
    owner: string,
    name: string,
    files: Record<string, string | null>,
    opts?: { branch?: string; message?: string; author?: Identity },
  ): Promise<string>;
  mergePullRequest(owner: string, name: string, number: number): Promise<string>;
  closePullRequest(owner: string, name: string, number: number): void;
  listPulls(owner: string, name: string): EmulatedPull[];
  branchSha(owner: string, name: string, branch: string): Promise<string | null>;
  /** Content of a file at a revision, or null. */
  readFile(owner: string, name: string, rev: string, file: string): Promise<string | null>;
  labels(owner: string, name: string): string[];
  /** The next `n` content-creating requests get a 403 secondary rate limit response. */
  injectSecondaryLimit(n: number): void;
  /** The next matching request(s) fail with the given status. */
  failNext(spec: FaultSpec): void;
  requests: RecordedRequest[];
  /** Git data API commit authors: tokens issued to the App produce verified commits. */
  issuedInstallationTokens: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function b64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function listFiles(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(dir, base), { withFileTypes: true })) {
    if (e.name === '.git') continue;
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, listFiles(dir, rel));
    else if (e.isFile()) out[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
  }
  return out;
}

const SHA_RE = /^[0-9a-f]{40}$/;

/** Starts the emulator on 127.0.0.1 (a free port unless `port` is given). */
export async function startGitHubEmulator(opts: EmulatorOptions = {}): Promise<GitHubEmulator> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-ghemu-'));
  const token = opts.token ?? `ghp_${randomBytes(18).toString('hex')}`;
  const user = opts.user ?? 'terrafix-bot';
  const installationTokens = new Map<string, number>();
  const repos = new Map<string, RepoState>();
  const requests: RecordedRequest[] = [];
  const gitHttpCache = new GitHttpCache();
  const faults: FaultSpec[] = [];
  let secondaryLimit = 0;
  let remaining = 5000;
  let nextId = 1000;
  let baseUrl = '';
  const state = { issuedInstallationTokens: 0 };
  /** Commits created through the API with an App installation token (GitHub signs those). */
  const verifiedCommits = new Set<string>();

  const repoKey = (o: string, n: string) => `${o.toLowerCase()}/${n.toLowerCase()}`;
  const gitDirOf = (o: string, n: string) => path.join(dir, o, `${n}.git`);

  if (opts.stateFile && fs.existsSync(opts.stateFile)) {
    const saved = JSON.parse(fs.readFileSync(opts.stateFile, 'utf8')) as PersistedState;
    nextId = Math.max(nextId, saved.nextId ?? 0);
    for (const sha of saved.verifiedCommits ?? []) verifiedCommits.add(sha);
    for (const r of saved.repos ?? []) {
      const gitDir = gitDirOf(r.owner, r.name);
      if (!fs.existsSync(path.join(gitDir, 'HEAD'))) continue; // the repository is gone: forget its PRs
      repos.set(repoKey(r.owner, r.name), {
        owner: r.owner,
        name: r.name,
        gitDir,
        defaultBranch: r.defaultBranch,
        labels: new Map(r.labels.map((l) => [l.name, l])),
        pulls: r.pulls,
        nextNumber: r.nextNumber,
        store: new GitStore(gitDir),
      });
    }
  }

  /** Writes the state file (temporary file + rename, so a reader never sees half of it). */
  function saveState(): void {
    if (!opts.stateFile) return;
    const data: PersistedState = {
      version: 1,
      nextId,
      verifiedCommits: [...verifiedCommits],
      repos: [...repos.values()].map((r) => ({
        owner: r.owner,
        name: r.name,
        defaultBranch: r.defaultBranch,
        nextNumber: r.nextNumber,
        labels: [...r.labels.values()],
        pulls: r.pulls,
      })),
    };
    fs.mkdirSync(path.dirname(opts.stateFile), { recursive: true });
    const tmp = `${opts.stateFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
    fs.renameSync(tmp, opts.stateFile);
  }
  const getRepo = (o: string, n: string): RepoState => {
    const r = repos.get(repoKey(o, n));
    if (!r) throw new HttpError(404, 'Not Found');
    return r;
  };

  /** Who is calling: 'user' (PAT), 'app' (installation token), or throws 401. */
  function authenticate(req: IncomingMessage): 'user' | 'app' {
    const h = req.headers.authorization ?? '';
    let presented: string | undefined;
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(h);
    if (m) presented = m[1];
    const b = /^basic\s+(\S+)$/i.exec(h);
    if (b) presented = Buffer.from(b[1]!, 'base64').toString('utf8').split(':').slice(1).join(':');
    if (presented === token) return 'user';
    const exp = presented ? installationTokens.get(presented) : undefined;
    if (exp && exp > Date.now()) return 'app';
    throw new HttpError(401, 'Bad credentials');
  }

  function verifyAppJwt(req: IncomingMessage): void {
    const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !opts.app) throw new HttpError(401, 'A JSON web token could not be decoded');
    const [h, p, s] = m[1]!.split('.');
    if (!h || !p || !s) throw new HttpError(401, 'A JSON web token could not be decoded');
    const ok = verifySignature('RSA-SHA256', Buffer.from(`${h}.${p}`), opts.app.publicKey, b64url(s));
    const payload = JSON.parse(b64url(p).toString('utf8')) as { iss?: string | number; exp?: number };
    if (!ok || String(payload.iss) !== opts.app.appId || (payload.exp ?? 0) * 1000 < Date.now()) {
      throw new HttpError(401, 'Integration JWT is invalid or expired');
    }
  }

  const objectType = (r: RepoState, sha: string) => r.store.objectType(sha);
  const resolveRef = (r: RepoState, ref: string) => r.store.resolveRef(ref);
  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  const isAncestor = async (r: RepoState, ancestor: string, descendant: string) =>
    ancestor === descendant ||
    (await git.isDescendent({ fs, gitdir: r.gitDir, oid: descendant, ancestor, depth: -1 }));

  async function commitJson(r: RepoState, sha: string) {
    const verified = verifiedCommits.has(sha);
    const c = await r.store.readCommit(sha);
    if (!c) throw new HttpError(404, 'Not Found');
    const { tree, parents } = c;
    return {
      sha,
      url: `${baseUrl}/repos/${r.owner}/${r.name}/git/commits/${sha}`,
      html_url: `${baseUrl}/${r.owner}/${r.name}/commit/${sha}`,
      tree: { sha: tree, url: `${baseUrl}/repos/${r.owner}/${r.name}/git/trees/${tree}` },
      parents: parents.map((p) => ({
        sha: p,
        url: `${baseUrl}/repos/${r.owner}/${r.name}/git/commits/${p}`,
      })),
      message: c.message,
      author: c.author,
      committer: c.committer,
      verification: { verified, reason: verified ? 'valid' : 'unsigned', signature: null, payload: null },
    };
  }

  async function pullJson(r: RepoState, p: EmulatedPull) {
    const headSha = (await resolveRef(r, `refs/heads/${p.head.ref}`)) ?? p.head.sha;
    const baseSha = (await resolveRef(r, `refs/heads/${p.base.ref}`)) ?? p.base.sha;
    return {
      id: p.id,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      url: `${baseUrl}/repos/${r.owner}/${r.name}/pulls/${p.number}`,
      html_url: `${baseUrl}/${r.owner}/${r.name}/pull/${p.number}`,
      user: { login: p.user, type: 'User' },
      labels: p.labels.map((name) => ({ name, color: r.labels.get(name)?.color ?? 'ededed' })),
      requested_reviewers: p.requestedReviewers.map((login) => ({ login })),
      requested_teams: p.requestedTeams.map((slug) => ({ slug })),
      assignees: p.assignees.map((login) => ({ login })),
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      merged_at: p.mergedAt,
      merged: Boolean(p.mergedAt),
      draft: p.draft === true,
      head: {
        ref: p.head.ref,
        sha: headSha,
        label: `${r.owner}:${p.head.ref}`,
        repo: { full_name: `${r.owner}/${r.name}` },
      },
      base: {
        ref: p.base.ref,
        sha: baseSha,
        label: `${r.owner}:${p.base.ref}`,
        repo: { full_name: `${r.owner}/${r.name}` },
      },
    };
  }

  function refJson(r: RepoState, ref: string, sha: string) {
    return { ref, url: `${baseUrl}/repos/${r.owner}/${r.name}/git/${ref}`, object: { sha, type: 'commit' } };
  }

  async function mergeInto(r: RepoState, p: EmulatedPull): Promise<string> {
    const head = await resolveRef(r, `refs/heads/${p.head.ref}`);
    const base = await resolveRef(r, `refs/heads/${p.base.ref}`);
    if (!head || !base) throw new HttpError(422, 'Head or base branch is missing');
    let merged = head;
    if (!(await isAncestor(r, base, head))) {
      const res = await runGit(['--git-dir', r.gitDir, 'merge-tree', '--write-tree', base, head], {
        okCodes: [1],
      });
      if (res.code !== 0) throw new HttpError(405, 'Pull Request is not mergeable');
      const tree = res.stdout.trim().split('\n')[0]!;
      merged = await r.store.writeCommit(
        tree,
        [base, head],
        `Merge pull request #${p.number} from ${r.owner}/${p.head.ref}`,
        {
          name: 'GitHub',
          email: 'noreply@github.com',
        },
      );
    }
    await runGit(['--git-dir', r.gitDir, 'update-ref', `refs/heads/${p.base.ref}`, merged, base]);
    const t = nowIso();
    p.state = 'closed';
    p.mergedAt = t;
    p.closedAt = t;
    p.updatedAt = t;
    p.head.sha = head;
    return merged;
  }

  type Handler = (ctx: {
    req: IncomingMessage;
    r: RepoState;
    m: string[];
    body: Record<string, unknown>;
    query: URLSearchParams;
    caller: 'user' | 'app';
  }) => Promise<[number, unknown] | [number, unknown, Record<string, string>]>;

  const routes: { method: string; re: RegExp; h: Handler }[] = [];
  const route = (method: string, re: RegExp, h: Handler) => routes.push({ method, re, h });
  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string' || !v) throw new HttpError(422, `Invalid request: ${what} is required`);
    return v;
  };

  route('GET', /^$/, async ({ r }) => [
    200,
    {
      id: 1,
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      owner: { login: r.owner },
      private: true,
      default_branch: r.defaultBranch,
      clone_url: `${baseUrl}/git/${r.owner}/${r.name}.git`,
      html_url: `${baseUrl}/${r.owner}/${r.name}`,
      permissions: { admin: false, push: true, pull: true },
    },
  ]);

  route('GET', /^\/git\/ref\/(.+)$/, async ({ r, m }) => {
    const ref = `refs/${m[1]}`;
    const sha = await resolveRef(r, ref);
    if (!sha) throw new HttpError(404, 'Not Found');
    return [200, refJson(r, ref, sha)];
  });

  route('POST', /^\/git\/refs$/, async ({ r, body }) => {
    const ref = str(body.ref, 'ref');
    const sha = str(body.sha, 'sha');
    if (!/^refs\/heads\/./.test(ref)) throw new HttpError(422, 'Reference name must start with refs/heads/');
    if ((await objectType(r, sha)) !== 'commit') throw new HttpError(422, 'Object does not exist');
    if (await resolveRef(r, ref)) throw new HttpError(422, 'Reference already exists');
    await runGit(['--git-dir', r.gitDir, 'update-ref', ref, sha, '0'.repeat(40)]);
    return [201, refJson(r, ref, sha)];
  });

  route('PATCH', /^\/git\/refs\/(.+)$/, async ({ r, m, body }) => {
    const ref = `refs/${m[1]}`;
    const sha = str(body.sha, 'sha');
    const old = await resolveRef(r, ref);
    if (!old) throw new HttpError(422, 'Reference does not exist');
    if ((await objectType(r, sha)) !== 'commit') throw new HttpError(422, 'Object does not exist');
    if (body.force !== true && !(await isAncestor(r, old, sha)))
      throw new HttpError(422, 'Update is not a fast forward');
    await runGit(['--git-dir', r.gitDir, 'update-ref', ref, sha, old]);
    return [200, refJson(r, ref, sha)];
  });

  route('DELETE', /^\/git\/refs\/(.+)$/, async ({ r, m }) => {
    const ref = `refs/${m[1]}`;
    if (!(await resolveRef(r, ref))) throw new HttpError(422, 'Reference does not exist');
    await runGit(['--git-dir', r.gitDir, 'update-ref', '-d', ref]);
    return [204, null];
  });

  route('POST', /^\/git\/blobs$/, async ({ r, body }) => {
    const content = typeof body.content === 'string' ? body.content : '';
    const buf = Buffer.from(content, body.encoding === 'base64' ? 'base64' : 'utf8');
    const sha = await r.store.writeBlob(buf);
    return [201, { sha, url: `${baseUrl}/repos/${r.owner}/${r.name}/git/blobs/${sha}` }];
  });

  route('GET', /^\/git\/blobs\/([0-9a-f]{40})$/, async ({ r, m }) => {
    const buf = await r.store.readBlob(m[1]!);
    if (!buf) throw new HttpError(404, 'Not Found');
    return [200, { sha: m[1], size: buf.length, encoding: 'base64', content: buf.toString('base64') }];
  });

  route('POST', /^\/git\/trees$/, async ({ r, body }) => {
    const base = typeof body.base_tree === 'string' ? body.base_tree : null;
    if (base && (await objectType(r, base)) !== 'tree')
      throw new HttpError(422, 'base_tree is not a valid tree');
    const entries = Array.isArray(body.tree) ? (body.tree as Record<string, unknown>[]) : [];
    const changes = [];
    for (const e of entries) {
      const p = str(e.path, 'tree.path');
      try {
        safeRepoPath(p);
      } catch {
        throw new HttpError(422, `Invalid tree path ${p}`);
      }
      if (e.type !== undefined && e.type !== 'blob')
        throw new HttpError(422, 'Only blob entries are emulated');
      const mode = typeof e.mode === 'string' ? e.mode : '100644';
      if (typeof e.content === 'string')
        changes.push({ path: p, content: e.content, mode: mode as '100644' });
      else if (e.sha === null) changes.push({ path: p, content: null });
      else {
        const sha = str(e.sha, 'tree.sha');
        if ((await objectType(r, sha)) !== 'blob')
          throw new HttpError(422, `tree.sha ${sha} is not a valid blob`);
        changes.push({ path: p, sha, mode });
      }
    }
    const sha = await r.store.writeTree(base, changes);
    return [201, { sha, url: `${baseUrl}/repos/${r.owner}/${r.name}/git/trees/${sha}`, truncated: false }];
  });

  route('GET', /^\/git\/trees\/([0-9a-f]{40})$/, async ({ r, m, query }) => {
    const tree = await r.store.listTree(m[1]!, Boolean(query.get('recursive')));
    if (!tree) throw new HttpError(404, 'Not Found');
    return [200, { sha: m[1], tree, truncated: false }];
  });

  route('POST', /^\/git\/commits$/, async ({ r, body, caller }) => {
    const tree = str(body.tree, 'tree');
    if ((await objectType(r, tree)) !== 'tree') throw new HttpError(422, 'Tree SHA does not exist');
    const parents = Array.isArray(body.parents) ? (body.parents as unknown[]).map((p) => String(p)) : [];
    for (const p of parents)
      if ((await objectType(r, p)) !== 'commit')
        throw new HttpError(422, 'Parent SHA does not exist or is not a commit object');
    const a = (body.author ?? {}) as { name?: string; email?: string };
    const author: Identity = {
      name: a.name ?? (caller === 'app' ? 'terrafix[bot]' : user),
      email: a.email ?? `${user}@users.noreply.github.com`,
    };
    const sha = await r.store.writeCommit(tree, parents, str(body.message, 'message'), author, author);
    if (caller === 'app' && !body.author) verifiedCommits.add(sha);
    return [201, await commitJson(r, sha)];
  });

  route('GET', /^\/git\/commits\/([0-9a-f]{40})$/, async ({ r, m }) => [200, await commitJson(r, m[1]!)]);

  route('GET', /^\/pulls$/, async ({ r, query }) => {
    const st = query.get('state') ?? 'open';
    const head = query.get('head');
    const base = query.get('base');
    let list = r.pulls.filter((p) => st === 'all' || p.state === st);
    if (head) {
      const [ho, ...hr] = head.split(':');
      const ref = hr.join(':');
      list = ho!.toLowerCase() === r.owner.toLowerCase() ? list.filter((p) => p.head.ref === ref) : [];
    }
    if (base) list = list.filter((p) => p.base.ref === base);
    const sort = query.get('sort') ?? 'created';
    const dir = query.get('direction') ?? 'desc';
    const key = (p: EmulatedPull) =>
      (sort === 'updated' ? p.updatedAt : p.createdAt) + String(p.number).padStart(8, '0');
    list = [...list].sort((a, b) =>
      dir === 'asc' ? key(a).localeCompare(key(b)) : key(b).localeCompare(key(a)),
    );
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const slice = list.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < list.length) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      headers.link = `<${baseUrl}/repos/${r.owner}/${r.name}/pulls?${next.toString()}>; rel="next"`;
    }
    return [200, await Promise.all(slice.map((p) => pullJson(r, p))), headers];
  });

  route('POST', /^\/pulls$/, async ({ r, body }) => {
    const head = str(body.head, 'head').replace(new RegExp(`^${r.owner}:`, 'i'), '');
    const base = str(body.base, 'base');
    const headSha = await resolveRef(r, `refs/heads/${head}`);
    const baseSha = await resolveRef(r, `refs/heads/${base}`);
    if (!headSha || !baseSha)
      throw new HttpError(422, 'Validation Failed', {
        errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
      });
    if (r.pulls.some((p) => p.state === 'open' && p.head.ref === head && p.base.ref === base)) {
      throw new HttpError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${r.owner}:${head}.`,
          },
        ],
      });
    }
    const t = nowIso();
    const pr: EmulatedPull = {
      id: nextId++,
      number: r.nextNumber++,
      state: 'open',
      title: str(body.title, 'title'),
      body: typeof body.body === 'string' ? body.body : null,
      head: { ref: head, sha: headSha },
      base: { ref: base, sha: baseSha },
      labels: [],
      requestedReviewers: [],
      requestedTeams: [],
      assignees: [],
      comments: [],
      createdAt: t,
      updatedAt: t,
      closedAt: null,
      mergedAt: null,
      user,
      ...(body.draft === true ? { draft: true } : {}),
    };
    r.pulls.push(pr);
    return [201, await pullJson(r, pr)];
  });

  const findPull = (r: RepoState, n: string) => {
    const p = r.pulls.find((x) => x.number === Number(n));
    if (!p) throw new HttpError(404, 'Not Found');
    return p;
  };

  /** The fields both update endpoints (pulls and issues) share: title, body, state (open / closed). */
  const updatePull = (p: ReturnType<typeof findPull>, body: Record<string, unknown>) => {
    if (typeof body.title === 'string') p.title = body.title;
    if (typeof body.body === 'string') p.body = body.body;
    if (body.state === 'closed' && p.state === 'open') {
      p.state = 'closed';
      p.closedAt = nowIso();
    } else if (body.state === 'open' && p.state === 'closed' && !p.mergedAt) {
      p.state = 'open';
      p.closedAt = null;
    }
  };

  route('GET', /^\/pulls\/(\d+)$/, async ({ r, m }) => [200, await pullJson(r, findPull(r, m[1]!))]);

  route('PATCH', /^\/pulls\/(\d+)$/, async ({ r, m, body }) => {
    const p = findPull(r, m[1]!);
    updatePull(p, body);
    p.updatedAt = nowIso();
    return [200, await pullJson(r, p)];
  });

  route('POST', /^\/pulls\/(\d+)\/requested_reviewers$/, async ({ r, m, body }) => {
    const p = findPull(r, m[1]!);
    const users = Array.isArray(body.reviewers) ? (body.reviewers as string[]) : [];
    if (users.includes(p.user)) {
      throw new HttpError(422, 'Review cannot be requested from pull request author.');
    }
    for (const u of users) if (!p.requestedReviewers.includes(u)) p.requestedReviewers.push(u);
    for (const t of Array.isArray(body.team_reviewers) ? (body.team_reviewers as string[]) : []) {
      if (!p.requestedTeams.includes(t)) p.requestedTeams.push(t);
    }
    return [201, await pullJson(r, p)];
  });

  route('GET', /^\/labels\/(.+)$/, async ({ r, m }) => {
    const l = r.labels.get(m[1]!);
    if (!l) throw new HttpError(404, 'Not Found');
    return [200, l];
  });

  // List labels for a repository (paginated like GitHub: per_page ≤ 100, a `link: rel="next"` header).
  route('GET', /^\/labels$/, async ({ r, query }) => {
    const all = [...r.labels.values()];
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      headers.link = `<${baseUrl}/repos/${r.owner}/${r.name}/labels?${next.toString()}>; rel="next"`;
    }
    return [200, all.slice((page - 1) * perPage, page * perPage), headers];
  });

  route('POST', /^\/labels$/, async ({ r, body }) => {
    const name = str(body.name, 'name');
    if (r.labels.has(name))
      throw new HttpError(422, 'Validation Failed', {
        errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
      });
    const l = {
      name,
      color: typeof body.color === 'string' ? body.color : 'ededed',
      description: typeof body.description === 'string' ? body.description : '',
    };
    r.labels.set(name, l);
    return [201, l];
  });

  route('POST', /^\/issues\/(\d+)\/labels$/, async ({ r, m, body }) => {
    const p = findPull(r, m[1]!);
    for (const l of Array.isArray(body.labels) ? (body.labels as string[]) : []) {
      if (!r.labels.has(l)) r.labels.set(l, { name: l, color: 'ededed', description: '' });
      if (!p.labels.includes(l)) p.labels.push(l);
    }
    return [200, p.labels.map((name) => r.labels.get(name))];
  });

  /** The issue side of a PR, as the Issues API answers it. */
  function issueJson(r: RepoState, p: EmulatedPull) {
    return {
      id: p.id,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      user: { login: p.user, type: 'User' },
      labels: p.labels.map((name) => r.labels.get(name) ?? { name, color: 'ededed', description: '' }),
      assignees: p.assignees.map((login) => ({ login })),
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      url: `${baseUrl}/repos/${r.owner}/${r.name}/issues/${p.number}`,
      html_url: `${baseUrl}/${r.owner}/${r.name}/pull/${p.number}`,
      pull_request: {
        url: `${baseUrl}/repos/${r.owner}/${r.name}/pulls/${p.number}`,
        html_url: `${baseUrl}/${r.owner}/${r.name}/pull/${p.number}`,
        merged_at: p.mergedAt,
      },
    };
  }

  // Update an issue (a PR's issue side): `labels` (names or {name}) and `assignees` *replace* the
  // sets when given, as GitHub documents; labels the repository lacks are created, as GitHub does.
  route('PATCH', /^\/issues\/(\d+)$/, async ({ r, m, body }) => {
    const p = findPull(r, m[1]!);
    updatePull(p, body);
    if (Array.isArray(body.labels)) {
      const names = (body.labels as unknown[]).map((l) =>
        typeof l === 'string'
          ? l
          : typeof (l as { name?: unknown })?.name === 'string'
            ? (l as { name: string }).name
            : '',
      );
      if (names.some((n) => !n)) throw new HttpError(422, 'Invalid request: labels must be names');
      for (const l of names)
        if (!r.labels.has(l)) r.labels.set(l, { name: l, color: 'ededed', description: '' });
      p.labels = [...new Set(names)];
    }
    if (Array.isArray(body.assignees)) {
      p.assignees = [...new Set((body.assignees as unknown[]).map((a) => String(a)))];
    }
    p.updatedAt = nowIso();
    return [200, issueJson(r, p)];
  });

  route('POST', /^\/issues\/(\d+)\/comments$/, async ({ r, m, body }) => {
    const p = findPull(r, m[1]!);
    const text = str(body.body, 'body');
    p.comments.push(text);
    return [201, { id: nextId++, body: text, user: { login: user } }];
  });

  route('GET', /^\/issues\/(\d+)\/comments$/, async ({ r, m }) => [
    200,
    findPull(r, m[1]!).comments.map((body, i) => ({ id: i + 1, body, user: { login: user } })),
  ]);

  route('POST', /^\/issues\/(\d+)\/assignees$/, async ({ r, m, body }) => {
    const p = findPull(r, m[1]!);
    for (const a of Array.isArray(body.assignees) ? (body.assignees as string[]) : [])
      if (!p.assignees.includes(a)) p.assignees.push(a);
    return [201, await pullJson(r, p)];
  });

  route('GET', /^\/contents\/(.+)$/, async ({ r, m, query }) => {
    const file = m[1]!;
    const commit = await revCommit(r, query.get('ref') ?? r.defaultBranch);
    const content = commit ? await r.store.readFileAt(commit, file) : null;
    if (!content) throw new HttpError(404, 'Not Found');
    const sha = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
    return [
      200,
      {
        type: 'file',
        name: path.posix.basename(file),
        path: file,
        sha,
        size: content.length,
        encoding: 'base64',
        content: content.toString('base64'),
      },
    ];
  });

  /** Commit SHA of a branch name, a full ref or a commit SHA. */
  async function revCommit(r: RepoState, rev: string): Promise<string | null> {
    if (SHA_RE.test(rev)) return (await objectType(r, rev)) === 'commit' ? rev : null;
    return rev.startsWith('refs/') ? resolveRef(r, rev) : resolveRef(r, `refs/heads/${rev}`);
  }

  function rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    };
  }

  function send(
    res: ServerResponse,
    status: number,
    data: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.statusCode = status;
    for (const [k, v] of Object.entries({ ...rateHeaders(), ...headers })) res.setHeader(k, v);
    if (status === 204 || data === null) {
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(data));
  }

  /** First path segments that belong to the API or git, never to an HTML page. */
  const API_SEGMENTS = new Set(['repos', 'git', 'app', 'rate_limit', 'user', 'installation']);

  /** The read-only HTML page for a path, or null when the path is not a page (API, git). */
  async function htmlPage(
    pathname: string,
    query: URLSearchParams,
  ): Promise<{ status: number; html: string } | null> {
    if (pathname === '/' || pathname === '') {
      const list = [...repos.values()]
        .sort((a, b) => repoKey(a.owner, a.name).localeCompare(repoKey(b.owner, b.name)))
        .map((r) => ({
          owner: r.owner,
          name: r.name,
          pulls: r.pulls.length,
          open: r.pulls.filter((p) => p.state === 'open').length,
        }));
      return { status: 200, html: renderRepoIndex(list) };
    }
    const m = /^\/([^/]+)\/([^/]+)(?:\/(pulls|pull\/(\d+)(?:\/files)?))?\/?$/.exec(pathname);
    if (!m) return null;
    const [owner, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    if (API_SEGMENTS.has(owner)) return null;
    const r = repos.get(repoKey(owner, name));
    const notFound = {
      status: 404,
      html: `<!DOCTYPE html><title>Not Found</title><h1>Not Found</h1><p>${escapeHtml(pathname)}</p>`,
    };
    if (!r) return notFound;
    const items = r.pulls.map((p) => ({
      number: p.number,
      title: p.title,
      state: p.state,
      merged: Boolean(p.mergedAt),
      head: p.head.ref,
      base: p.base.ref,
      labels: p.labels.map((l) => ({ name: l, color: r.labels.get(l)?.color ?? 'ededed' })),
      createdAt: p.createdAt,
    }));
    if (!m[4]) {
      const st = query.get('state');
      const state = st === 'open' || st === 'closed' ? st : 'all';
      return { status: 200, html: renderPullIndex(r.owner, r.name, items, state) };
    }
    const p = r.pulls.find((x) => x.number === Number(m[4]));
    if (!p) return notFound;
    return { status: 200, html: renderPullPage(await pullPageData(r, p)) };
  }

  async function pullPageData(r: RepoState, p: EmulatedPull): Promise<PullPageData> {
    const headNow = await resolveRef(r, `refs/heads/${p.head.ref}`);
    const head = headNow ?? p.head.sha;
    const baseNow = p.state === 'open' ? await resolveRef(r, `refs/heads/${p.base.ref}`) : null;
    // Like GitHub's "Files changed": from the merge base of the base branch and the head.
    let files: PullPageData['files'] = null;
    let base = p.base.sha;
    try {
      base = (await r.store.mergeBase(baseNow ?? p.base.sha, head)) ?? p.base.sha;
      files = await r.store.diffCommits(base, head);
    } catch {
      files = null;
    }
    return {
      owner: r.owner,
      repo: r.name,
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      merged: Boolean(p.mergedAt),
      user: p.user,
      head: { ref: p.head.ref, sha: head, exists: Boolean(headNow) },
      base: { ref: p.base.ref, sha: base },
      labels: p.labels.map((l) => r.labels.get(l) ?? { name: l, color: 'ededed', description: '' }),
      requestedReviewers: p.requestedReviewers,
      requestedTeams: p.requestedTeams,
      assignees: p.assignees,
      comments: p.comments,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      closedAt: p.closedAt,
      mergedAt: p.mergedAt,
      files,
      apiUrl: `${baseUrl}/repos/${r.owner}/${r.name}/pulls/${p.number}`,
      cloneUrl: `${baseUrl}/git/${r.owner}/${r.name}.git`,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const pathname = url.pathname;

    // Read-only HTML pages: no token (the links the demo prints open in a browser).
    if (method === 'GET' || method === 'HEAD') {
      const page = await htmlPage(pathname, url.searchParams);
      if (page) {
        res.statusCode = page.status;
        for (const [k, v] of Object.entries(PAGE_HEADERS)) res.setHeader(k, v);
        const buf = Buffer.from(page.html, 'utf8');
        res.setHeader('content-length', String(buf.length));
        res.end(method === 'HEAD' ? undefined : buf);
        return page.status;
      }
    }

    const gitMatch = /^\/git\/([^/]+)\/([^/]+?\.git)(\/.*)$/.exec(pathname);
    if (gitMatch) {
      try {
        authenticate(req);
      } catch {
        res.statusCode = 401;
        res.setHeader('www-authenticate', 'Basic realm="GitHub"');
        res.end('Authentication required');
        return 401;
      }
      const repoName = gitMatch[2]!.replace(/\.git$/, '');
      const repo = repos.get(repoKey(gitMatch[1]!, repoName));
      if (!repo) {
        res.statusCode = 404;
        res.end('Repository not found');
        return 404;
      }
      serveGitHttp(req, res, {
        projectRoot: dir,
        pathInfo: `/${gitMatch[1]}/${gitMatch[2]}${gitMatch[3]}`,
        cache: { store: gitHttpCache, refState: () => repo.store.refState() },
      });
      return 200;
    }

    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new HttpError(400, 'Problems parsing JSON');
      }
    }

    const appTok = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(pathname);
    if (appTok && method === 'POST') {
      verifyAppJwt(req);
      if (!opts.app || appTok[1] !== opts.app.installationId) throw new HttpError(404, 'Not Found');
      const t = `ghs_${randomBytes(18).toString('hex')}`;
      const expires = Date.now() + 3600_000;
      installationTokens.set(t, expires);
      state.issuedInstallationTokens += 1;
      send(res, 201, {
        token: t,
        expires_at: new Date(expires).toISOString(),
        permissions: { contents: 'write', pull_requests: 'write' },
        repository_selection: 'all',
      });
      return 201;
    }

    const caller = authenticate(req);
    remaining = Math.max(0, remaining - 1);

    if (pathname === '/rate_limit') {
      send(res, 200, {
        resources: { core: { limit: 5000, remaining, reset: Math.floor(Date.now() / 1000) + 3600 } },
      });
      return 200;
    }

    if (method !== 'GET' && method !== 'HEAD' && secondaryLimit > 0) {
      secondaryLimit -= 1;
      send(
        res,
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        },
        { 'retry-after': String(opts.secondaryRetryAfter ?? 1) },
      );
      return 403;
    }
    const fault = faults.find((f) => f.method === method && f.path.test(pathname));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      throw new HttpError(fault.status, fault.message ?? 'Injected failure');
    }

    const rm = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(pathname);
    if (!rm) throw new HttpError(404, 'Not Found');
    const r = getRepo(decodeURIComponent(rm[1]!), decodeURIComponent(rm[2]!));
    const rest = (rm[3] ?? '')
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
    for (const rt of routes) {
      if (rt.method !== method) continue;
      const m = rt.re.exec(rest);
      if (!m) continue;
      const out = await rt.h({ req, r, m: [...m], body, query: url.searchParams, caller });
      send(res, out[0], out[1], out[2]);
      return out[0];
    }
    throw new HttpError(404, 'Not Found');
  }

  const server = http.createServer((req, res) => {
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0]!,
      status: 0,
    };
    requests.push(entry);
    const mutating = entry.method !== 'GET' && entry.method !== 'HEAD';
    handle(req, res)
      .then((status) => {
        entry.status = status;
      })
      .finally(() => {
        if (!mutating || !/^\/repos\//.test(entry.path)) return;
        try {
          saveState();
        } catch (err) {
          process.stderr.write(`github emulator: cannot save ${opts.stateFile}: ${(err as Error).message}\n`);
        }
      })
      .catch((e: unknown) => {
        const err = e instanceof HttpError ? e : new HttpError(500, (e as Error).message);
        entry.status = err.status;
        if (res.headersSent) {
          res.end();
          return;
        }
        send(res, err.status, {
          message: err.message,
          documentation_url: 'https://docs.github.com/rest',
          ...err.extra,
        });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function createRepo(
    owner: string,
    name: string,
    files: Record<string, string> | string,
    o: { defaultBranch?: string } = {},
  ): Promise<string> {
    const gitDir = gitDirOf(owner, name);
    const defaultBranch = o.defaultBranch ?? 'main';
    /** Serves the repository (no PRs or labels yet) and saves the emulator state. */
    const register = (store: GitStore) => {
      repos.set(repoKey(owner, name), {
        owner,
        name,
        gitDir,
        defaultBranch,
        labels: new Map(),
        pulls: [],
        nextNumber: 1,
        store,
      });
      saveState();
    };
    if (opts.stateFile && fs.existsSync(path.join(gitDir, 'HEAD'))) {
      // Persistent: a repository already on disk is served as it is, not re-seeded.
      const store = new GitStore(gitDir);
      const head = await store.resolveRef(`refs/heads/${defaultBranch}`);
      if (head) {
        if (!repos.has(repoKey(owner, name))) register(store);
        return head;
      }
    }
    fs.mkdirSync(gitDir, { recursive: true });
    await runGit(['init', '--bare', '--quiet', gitDir]);
    for (const [k, v] of [
      ['uploadpack.allowFilter', 'true'],
      ['uploadpack.allowAnySHA1InWant', 'true'],
      ['http.receivepack', 'true'],
    ]) {
      await runGit(['--git-dir', gitDir, 'config', k!, v!]);
    }
    await runGit(['--git-dir', gitDir, 'symbolic-ref', 'HEAD', `refs/heads/${defaultBranch}`]);
    const map = typeof files === 'string' ? listFiles(files) : files;
    const store = new GitStore(gitDir);
    const tree = await store.writeTree(
      null,
      Object.entries(map).map(([p, content]) => ({ path: p, content })),
    );
    const sha = await store.writeCommit(tree, [], 'Initial commit', {
      name: 'Dev',
      email: 'dev@example.com',
    });
    await runGit(['--git-dir', gitDir, 'update-ref', `refs/heads/${defaultBranch}`, sha]);
    register(store);
    return sha;
  }

  async function pushCommit(
    owner: string,
    name: string,
    files: Record<string, string | null>,
    o: { branch?: string; message?: string; author?: Identity } = {},
  ): Promise<string> {
    const r = getRepo(owner, name);
    const branch = o.branch ?? r.defaultBranch;
    const parent = await resolveRef(r, `refs/heads/${branch}`);
    const baseTree = parent ? ((await r.store.readCommit(parent))?.tree ?? null) : null;
    const tree = await r.store.writeTree(
      baseTree,
      Object.entries(files).map(([p, content]) => ({ path: p, content })),
    );
    const sha = await r.store.writeCommit(
      tree,
      parent ? [parent] : [],
      o.message ?? 'Update',
      o.author ?? { name: 'Dev', email: 'dev@example.com' },
    );
    await runGit(['--git-dir', r.gitDir, 'update-ref', `refs/heads/${branch}`, sha]);
    return sha;
  }

  return {
    apiUrl: baseUrl,
    token,
    dir,
    requests,
    gitHttpCache,
    get issuedInstallationTokens() {
      return state.issuedInstallationTokens;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    },
    hasRepo(owner, name) {
      return repos.has(repoKey(owner, name));
    },
    createRepo,
    pushCommit,
    async mergePullRequest(owner, name, number) {
      const r = getRepo(owner, name);
      const p = findPull(r, String(number));
      if (p.state !== 'open') throw new Error(`pull request #${number} is not open`);
      const sha = await mergeInto(r, p);
      saveState();
      return sha;
    },
    closePullRequest(owner, name, number) {
      const p = findPull(getRepo(owner, name), String(number));
      p.state = 'closed';
      p.closedAt = nowIso();
      p.updatedAt = p.closedAt;
      saveState();
    },
    listPulls(owner, name) {
      return getRepo(owner, name).pulls.map((p) => ({ ...p }));
    },
    branchSha(owner, name, branch) {
      return resolveRef(getRepo(owner, name), `refs/heads/${branch}`);
    },
    async readFile(owner, name, rev, file) {
      const r = getRepo(owner, name);
      const commit = await revCommit(r, rev);
      const content = commit ? await r.store.readFileAt(commit, file) : null;
      return content ? content.toString('utf8') : null;
    },
    labels(owner, name) {
      return [...getRepo(owner, name).labels.keys()];
    },
    injectSecondaryLimit(n: number) {
      secondaryLimit += n;
    },
    failNext(spec: FaultSpec) {
      faults.push({ ...spec });
    },
  };
}

/** True when a string is a full hex commit SHA. */
export function isSha(s: string): boolean {
  return SHA_RE.test(s);
}
