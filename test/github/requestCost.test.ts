/**
 * What one PR costs on GitHub: PRs opened through the real GitHubCodeHost (octokit) against the
 * GitHub emulator, counting the requests in its log. Reads are GETs; content-creating writes are
 * the POST/PATCH/PUT/DELETE requests (blobs, trees, commits, refs, pulls, labels, reviewers,
 * assignees, comments). Budget: at most 6 content-creating writes per PR once the repository's
 * labels exist (creating missing labels happens once per repository).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitHubPullRequests, type GitHubCodeHost } from '../../src/github/codeHost';
import { createGitHubClient, currentToken, type GitHubClient } from '../../src/github/octokit';
import { RepoWorkspace } from '../../src/github/workspace';
import type { PullRequestPolicy } from '../../src/pullRequests/codeHost';
import { branchName } from '../../src/pullRequests/content';
import type { PullRequests } from '../../src/pullRequests/policy';
import {
  startGitHubEmulator,
  type GitHubEmulator,
  type RecordedRequest,
} from '../../src/sandbox/emulators/githubEmulator';
import { capturingLogger, failureFor, fixFor, REPO_FILES } from './helpers';

const OWNER = 'acme';
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

let emu: GitHubEmulator;
let tmp: string;
let counter = 0;

beforeAll(async () => {
  emu = await startGitHubEmulator();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-cost-'));
});

afterAll(async () => {
  await emu.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Cost {
  reads: number;
  writes: number;
  /** `METHOD /path-inside-the-repo` of every API request. */
  calls: string[];
}

/** Reads and content-creating writes among API requests (git smart HTTP and HTML pages excluded). */
function cost(requests: RecordedRequest[]): Cost {
  const api = requests.filter((r) => r.path.startsWith('/repos/'));
  return {
    reads: api.filter((r) => r.method === 'GET').length,
    writes: api.filter((r) => WRITES.has(r.method)).length,
    calls: api.map((r) => `${r.method} ${r.path.replace(/^\/repos\/[^/]+\/[^/]+/, '')}`),
  };
}

interface Worker {
  host: PullRequests<GitHubCodeHost>;
  client: GitHubClient;
  lines: string[];
}

/** A worker process's host (its own caches) on repository `name`. */
function worker(name: string, policy: Partial<PullRequestPolicy> = {}): Worker {
  counter += 1;
  const { logger, lines } = capturingLogger();
  const client = createGitHubClient({
    baseUrl: emu.apiUrl,
    auth: { kind: 'token', token: emu.token },
    logger,
    retryAfterBaseMs: 5,
    writeSpacingMs: 0,
  });
  const host = gitHubPullRequests({
    client,
    workspace: new RepoWorkspace({
      dir: path.join(tmp, `ws${counter}`),
      getToken: () => currentToken(client),
    }),
    mapping: { default: `${OWNER}/${name}` },
    policy: { concurrentLimit: 10, hourlyLimit: 50, reviewers: [], assignees: ['oncall'], ...policy },
    logger,
  });
  return { host, client, lines };
}

/** Opens the PR for a bucket's failure; the cost counts `openPullRequest` only (prepare is separate). */
async function open(w: Worker, bucket: string, fix = fixFor(bucket)) {
  const failure = failureFor(bucket);
  const prepared = await w.host.prepare(failure);
  const start = emu.requests.length;
  const result = await w.host.openPullRequest({ failure, prepared, fix });
  return { result, cost: cost(emu.requests.slice(start)), branch: branchName(failure, fix) };
}

async function newRepo(): Promise<string> {
  counter += 1;
  const name = `cost${counter}`;
  await emu.createRepo(OWNER, name, REPO_FILES);
  return name;
}

describe('requests per pull request on GitHub', () => {
  test('a new PR costs at most 6 content-creating writes and a few reads', async () => {
    const name = await newRepo();
    const w = worker(name);

    // First PR of the repository: its labels are created once (one listing, one POST per label).
    const first = await open(w, 'acme-logs');
    expect(first.result.action).toBe('created');
    const labelCreates = first.cost.calls.filter((c) => c === 'POST /labels').length;
    expect(labelCreates).toBe(5); // compliance, terrafix, severity:high, framework:soc-2, framework:iso-27001
    expect(first.cost.writes - labelCreates).toBeLessThanOrEqual(6);
    expect(first.cost.calls.filter((c) => c === 'GET /labels')).toHaveLength(1);

    // Every later PR: tree (inline content), commit, ref, pull, labels + assignees, reviewers.
    for (const bucket of ['acme-data', 'acme-third', 'acme-fourth']) {
      const { result, cost: c } = await open(w, bucket);
      expect(result.action).toBe('created');
      expect(c.writes).toBeLessThanOrEqual(6);
      expect(c.calls.filter((x) => WRITES.has(x.split(' ')[0]!)).map((x) => x.replace(/\d+/g, 'N'))).toEqual([
        'POST /git/trees',
        'POST /git/commits',
        'POST /git/refs',
        'POST /pulls',
        'PATCH /issues/N',
        'POST /pulls/N/requested_reviewers',
      ]);
      // Reads: the branch's PRs, the recent PRs (hourly limit), the branch ref; no label look-ups,
      // no base commit (cached), no listing of every open PR (cached for a minute).
      expect(c.reads).toBeGreaterThan(0);
      expect(c.reads).toBeLessThanOrEqual(3);
      expect(c.calls).not.toContain('GET /labels');
      expect(c.calls.some((x) => x.startsWith('POST /git/blobs'))).toBe(false);

      const pr = emu.listPulls(OWNER, name).find((p) => p.number === result.number)!;
      expect([...pr.labels].sort()).toEqual([
        'compliance',
        'framework:iso-27001',
        'framework:soc-2',
        'severity:high',
        'terrafix',
      ]);
      expect(pr.assignees).toEqual(['oncall']);
      expect(pr.requestedReviewers).toEqual(['infra-lead']);
    }
  });

  test('another worker process on a repository whose labels exist: 6 writes from its first PR', async () => {
    const name = await newRepo();
    await open(worker(name), 'acme-logs');
    const other = worker(name);
    const { result, cost: c } = await open(other, 'acme-data');
    expect(result.action).toBe('created');
    expect(c.writes).toBeLessThanOrEqual(6);
    expect(c.calls).not.toContain('POST /labels');
    // Its first PR also lists the labels and the open PRs, reads the base commit and CODEOWNERS once.
    expect(c.calls.filter((x) => x === 'GET /labels')).toHaveLength(1);
    expect(c.reads).toBeLessThanOrEqual(7);
  });

  test('the commit holds the verified content; only a large file goes through a blob', async () => {
    const name = await newRepo();
    const w = worker(name, { assignees: [] });
    const big = `# generated\n${'locals { x = 1 }\n'.repeat(40_000)}`;
    const fix = {
      ...fixFor('acme-logs'),
      files: [...fixFor('acme-logs').files, { path: 'modules/big/main.tf', content: big }],
    };
    const { result, cost: c, branch } = await open(w, 'acme-logs', fix);
    expect(result.action).toBe('created');
    expect(c.calls.filter((x) => x === 'POST /git/blobs')).toHaveLength(1);
    const head = (await emu.branchSha(OWNER, name, branch))!;
    expect(await emu.readFile(OWNER, name, head, 'main.tf')).toBe(fix.files[0]!.content);
    expect(await emu.readFile(OWNER, name, head, 'modules/big/main.tf')).toBe(big);
    expect(await emu.readFile(OWNER, name, head, 'README.md')).toBe('# infra\n');
    // Without assignees the labels are added (additive), still one request.
    expect(c.calls.filter((x) => /^(PATCH \/issues\/\d+|POST \/issues\/\d+\/labels)$/.test(x))).toEqual([
      `POST /issues/${result.number}/labels`,
    ]);
  });

  test('refused assignees only warn: the labels are added on their own', async () => {
    const name = await newRepo();
    const w = worker(name);
    emu.failNext({ method: 'PATCH', path: /\/issues\/\d+$/, status: 422, message: 'Validation Failed' });
    const { result } = await open(w, 'acme-logs');
    expect(result.action).toBe('created');
    const pr = emu.listPulls(OWNER, name).find((p) => p.number === result.number)!;
    expect(pr.labels).toContain('terrafix');
    expect(pr.assignees).toEqual([]);
    expect(w.lines.some((l) => l.includes('could not set assignees'))).toBe(true);
  });
});

describe('GitHub emulator: the request shapes GitHub documents', () => {
  test('issues.update replaces labels (names or objects) and assignees; missing labels are created', async () => {
    const name = await newRepo();
    const w = worker(name);
    const { result } = await open(w, 'acme-logs');
    const n = result.number!;
    const r = await w.client.rest.issues.update({
      owner: OWNER,
      repo: name,
      issue_number: n,
      labels: ['terrafix', { name: 'brand-new' }],
      assignees: ['alice', 'bob'],
    });
    expect(r.data.number).toBe(n);
    expect(r.data.pull_request?.url).toContain(`/pulls/${n}`);
    const pr = emu.listPulls(OWNER, name).find((p) => p.number === n)!;
    expect(pr.labels).toEqual(['terrafix', 'brand-new']);
    expect(pr.assignees).toEqual(['alice', 'bob']);
    expect(emu.labels(OWNER, name)).toContain('brand-new');
    await w.client.rest.issues.update({ owner: OWNER, repo: name, issue_number: n, title: 'Renamed' });
    expect(emu.listPulls(OWNER, name).find((p) => p.number === n)).toMatchObject({
      title: 'Renamed',
      labels: ['terrafix', 'brand-new'],
      assignees: ['alice', 'bob'],
    });
  });

  test('trees take inline content; labels list with pagination', async () => {
    const name = await newRepo();
    const w = worker(name);
    const base = (await emu.branchSha(OWNER, name, 'main'))!;
    const commit = await w.client.rest.git.getCommit({ owner: OWNER, repo: name, commit_sha: base });
    const tree = await w.client.rest.git.createTree({
      owner: OWNER,
      repo: name,
      base_tree: commit.data.tree.sha,
      tree: [{ path: 'new/file.tf', mode: '100644', type: 'blob', content: 'locals {}\n' }],
    });
    const c = await w.client.rest.git.createCommit({
      owner: OWNER,
      repo: name,
      message: 'inline',
      tree: tree.data.sha,
      parents: [base],
    });
    expect(await emu.readFile(OWNER, name, c.data.sha, 'new/file.tf')).toBe('locals {}\n');
    expect(await emu.readFile(OWNER, name, c.data.sha, 'main.tf')).toBe(REPO_FILES['main.tf']);

    for (let i = 0; i < 5; i++) {
      await w.client.rest.issues.createLabel({ owner: OWNER, repo: name, name: `l${i}`, color: 'ededed' });
    }
    const all = await w.client.paginate(w.client.rest.issues.listLabelsForRepo, {
      owner: OWNER,
      repo: name,
      per_page: 2,
    });
    expect(all.map((l) => l.name).sort()).toEqual(['l0', 'l1', 'l2', 'l3', 'l4']);
  });
});
