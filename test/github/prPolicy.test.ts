/**
 * The PR policy (src/pullRequests/policy.ts), one suite run against both code hosts: GitHubCodeHost
 * over the GitHub emulator (real octokit over loopback) and LocalCodeHost over a bare repository.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Failure, PreparedRepo, RepoRef, VerifiedFix } from '../../src/contracts';
import { PermanentApiError } from '../../src/errors';
import { gitHubPullRequests } from '../../src/github/codeHost';
import { PrLimitReachedError } from '../../src/pullRequests/errors';
import { resolveRef } from '../../src/github/gitPlumbing';
import { LocalCodeHost } from '../../src/github/localCodeHost';
import { createGitHubClient, currentToken } from '../../src/github/octokit';
import { branchName } from '../../src/pullRequests/content';
import { RepoWorkspace } from '../../src/github/workspace';
import type { PullRequestPolicy } from '../../src/pullRequests/codeHost';
import { PullRequests, commentMarker } from '../../src/pullRequests/policy';
import type { CodeHostPort } from '../../src/pullRequests/port';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sandbox/emulators/githubEmulator';
import { capturingLogger, failureFor, fixFor, MAIN_TF, REPO_FILES, seedBareRepo } from './helpers';

const OWNER = 'acme';
const DEFAULT_POLICY: PullRequestPolicy = {
  concurrentLimit: 10,
  hourlyLimit: 50,
  reviewers: [],
  assignees: [],
};

interface SetupOptions {
  policy?: Partial<PullRequestPolicy>;
  now?: () => Date;
}

/** What a test sees of a PR beyond the port's PullInfo. */
interface PullDetails {
  comments: string[];
  labels: string[];
  reviewers: string[];
  teams: string[];
  assignees: string[];
  draft: boolean;
}

interface Host {
  host: PullRequests;
  port: CodeHostPort;
  repo: RepoRef;
  merge(number: number): Promise<void>;
  details(number: number): PullDetails;
  branchSha(branch: string): Promise<string | null>;
}

interface HostKind {
  name: string;
  setup(opts?: SetupOptions): Promise<Host>;
}

let emu: GitHubEmulator;
let tmp: string;
let counter = 0;

beforeAll(async () => {
  emu = await startGitHubEmulator();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-prpolicy-'));
});

afterAll(async () => {
  await emu.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const github: HostKind = {
  name: 'GitHubCodeHost',
  async setup(opts = {}) {
    counter += 1;
    const name = `policy${counter}`;
    await emu.createRepo(OWNER, name, REPO_FILES);
    const { logger } = capturingLogger();
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
        dir: path.join(tmp, `gh-ws${counter}`),
        getToken: () => currentToken(client),
      }),
      mapping: { default: `${OWNER}/${name}` },
      policy: { ...DEFAULT_POLICY, ...opts.policy },
      logger,
      now: opts.now,
    });
    return {
      host,
      port: host.port,
      repo: { owner: OWNER, name },
      merge: async (n) => void (await emu.mergePullRequest(OWNER, name, n)),
      details(n) {
        const p = emu.listPulls(OWNER, name).find((x) => x.number === n)!;
        return {
          comments: p.comments,
          labels: p.labels,
          reviewers: p.requestedReviewers,
          teams: p.requestedTeams,
          assignees: p.assignees,
          draft: p.draft === true,
        };
      },
      branchSha: (b) => emu.branchSha(OWNER, name, b),
    };
  },
};

const local: HostKind = {
  name: 'LocalCodeHost',
  async setup(opts = {}) {
    counter += 1;
    const root = path.join(tmp, `local${counter}`);
    await seedBareRepo(root, OWNER, 'infra');
    const { logger } = capturingLogger();
    const repo = { owner: OWNER, name: 'infra' };
    const port = new LocalCodeHost({
      root,
      workspaceDir: path.join(tmp, `local-ws${counter}`),
      mapping: { default: `${OWNER}/infra` },
      logger,
    });
    const host = new PullRequests({
      port,
      policy: { ...DEFAULT_POLICY, ...opts.policy },
      logger,
      now: opts.now,
    });
    return {
      host,
      port,
      repo,
      merge: (n) => port.mergePullRequest(repo, n),
      details(n) {
        const r = port.listPullRequests(repo).find((x) => x.number === n)!;
        return {
          comments: r.comments,
          labels: r.labels,
          reviewers: r.requestedReviewers ?? [],
          teams: r.requestedTeams ?? [],
          assignees: r.assignees ?? [],
          draft: r.draft === true,
        };
      },
      branchSha: (b) => resolveRef(port.gitDir(repo), `refs/heads/${b}`),
    };
  },
};

/** Prepares the repository and opens (or updates) the PR for a bucket's failure. */
async function openFor(
  h: Host,
  bucket: string,
  fix: VerifiedFix = fixFor(bucket),
  failure: Failure = failureFor(bucket),
) {
  const prepared = await h.host.prepare(failure);
  const result = await h.host.openPullRequest({ failure, prepared, fix });
  return { prepared, result, failure, fix };
}

/** Commits `main.tf` content on `parent` as a person would (no TerraFix trailer) and points `branch` at it. */
async function pushByHand(h: Host, branch: string, parent: string, content: string): Promise<string> {
  const tree = await h.port.writeTree(h.repo, parent, [{ path: 'main.tf', content }]);
  const sha = await h.port.createCommit(h.repo, tree, [parent], 'hand fix\n');
  await h.port.setBranch(h.repo, branch, sha, (await h.branchSha(branch)) !== null);
  return sha;
}

/** A PR that is not TerraFix's (branch outside `terrafix/`). */
async function openForeignPull(h: Host, prepared: PreparedRepo): Promise<void> {
  await pushByHand(h, 'feature/by-hand', prepared.baseSha, `${MAIN_TF}# by hand\n`);
  await h.port.createPull(h.repo, { branch: 'feature/by-hand', base: 'main', title: 'By hand', body: '' });
}

describe.each([github, local])('PR policy on $name', (kind) => {
  test('a fix that needs a careful review opens as a draft, labelled, with the reasons first', async () => {
    const h = await kind.setup();
    const plain = await openFor(h, 'acme-plain');
    expect(h.details(plain.result.number!).draft).toBe(false);
    const llm: VerifiedFix = {
      ...fixFor('acme-model'),
      engine: 'llm',
      breakingChanges: ['replaces the bucket'],
      validation: { ran: ['parse'], skipped: [] },
    };
    const r = await openFor(h, 'acme-model', llm);
    const d = h.details(r.result.number!);
    expect(d.draft).toBe(true);
    expect(d.labels).toContain('terrafix:needs-review');
    const pulls = await h.port.findPulls(h.repo, r.result.branch);
    expect(pulls[0]!.body).toMatch(
      /^> \[!CAUTION\]\n> \*\*Draft: needs a careful review\*\*.*\n> - a model wrote this fix and no TerraFix rule re-checked it\n> - the change may replace or interrupt a resource/,
    );
  });

  test('created → unchanged on a re-run → updated when the fix changes; one PR per failure', async () => {
    const h = await kind.setup();
    const first = await openFor(h, 'acme-logs');
    const branch = branchName(first.failure, first.fix);
    expect(first.result).toMatchObject({ action: 'created', branch });
    const head = (await h.port.getBranchHead(h.repo, branch))!;
    expect(head.parents).toEqual([first.prepared.baseSha]);
    expect(head.message).toContain(`TerraFix-Failure-Key: ${encodeURIComponent(first.failure.key)}`);
    expect(await h.port.readFile(h.repo, head.sha, 'main.tf')).toBe(first.fix.files[0]!.content);
    expect(await h.branchSha('main')).toBe(first.prepared.baseSha);

    const again = await openFor(h, 'acme-logs');
    expect(again.result).toEqual({ ...first.result, action: 'unchanged' });
    expect(await h.branchSha(branch)).toBe(head.sha);

    const changed = await openFor(h, 'acme-logs', fixFor('acme-logs', '\n  # reviewed'));
    expect(changed.result).toMatchObject({ action: 'updated', number: first.result.number });
    const newHead = (await h.port.getBranchHead(h.repo, branch))!;
    expect(newHead.parents).toEqual([first.prepared.baseSha]);
    expect(await h.port.readFile(h.repo, newHead.sha, 'main.tf')).toContain('# reviewed');
    expect(await h.port.findPulls(h.repo, branch)).toHaveLength(1);

    const other = await openFor(h, 'acme-data');
    expect(other.result.action).toBe('created');
    expect(other.result.number).not.toBe(first.result.number);
    expect(other.result.branch).not.toBe(branch);
  });

  test('a PR closed without merge is not reopened', async () => {
    const h = await kind.setup();
    const first = await openFor(h, 'acme-logs');
    await h.port.closePull(h.repo, first.result.number!);
    const again = await openFor(h, 'acme-logs', fixFor('acme-logs', '\n  # retry'));
    expect(again.result).toMatchObject({ action: 'rejected_by_reviewer', number: first.result.number });
    const pulls = await h.port.findPulls(h.repo, first.result.branch);
    expect(pulls.map((p) => p.state)).toEqual(['closed']);
  });

  test('a branch edited by someone, without an open PR, is a permanent error and stays as it is', async () => {
    const h = await kind.setup();
    const failure = failureFor('acme-logs');
    const prepared = await h.host.prepare(failure);
    const branch = branchName(failure, fixFor('acme-logs'));
    const human = await pushByHand(h, branch, prepared.baseSha, `${MAIN_TF}# hand-edited\n`);
    const err = await h.host
      .openPullRequest({ failure, prepared, fix: fixFor('acme-logs') })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentApiError);
    expect((err as Error).message).toMatch(/delete the branch/);
    expect(await h.branchSha(branch)).toBe(human);
    expect(await h.port.findPulls(h.repo, branch)).toEqual([]);
  });

  test('a branch edited by someone, with an open PR, is left untouched with its PR', async () => {
    const h = await kind.setup();
    const first = await openFor(h, 'acme-logs');
    const before = (await h.port.getPull(h.repo, first.result.number!))!;
    const human = await pushByHand(
      h,
      first.result.branch,
      first.prepared.baseSha,
      `${MAIN_TF}# hand-edited\n`,
    );
    const again = await openFor(h, 'acme-logs', fixFor('acme-logs', '\n  # newer'), {
      ...failureFor('acme-logs'),
      description: 'A newer description.',
    });
    expect(again.result).toMatchObject({ action: 'unchanged', number: first.result.number });
    expect(await h.branchSha(first.result.branch)).toBe(human);
    const after = (await h.port.getPull(h.repo, first.result.number!))!;
    expect({ title: after.title, body: after.body }).toEqual({ title: before.title, body: before.body });
  });

  test('PR_CONCURRENT_LIMIT counts open TerraFix PRs only; updates are always allowed', async () => {
    const h = await kind.setup({ policy: { concurrentLimit: 1 } });
    await openForeignPull(h, await h.host.prepare(failureFor('acme-logs')));
    expect((await openFor(h, 'acme-logs')).result.action).toBe('created');
    const err = await openFor(h, 'acme-data').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrLimitReachedError);
    expect(err).toMatchObject({ name: 'PrLimitReachedError', limit: 'concurrent' });
    expect((await openFor(h, 'acme-logs', fixFor('acme-logs', '\n  # v2'))).result.action).toBe('updated');
  });

  test('PR_HOURLY_LIMIT counts TerraFix PRs created in the last hour, closed ones too', async () => {
    let now = new Date();
    const h = await kind.setup({ policy: { hourlyLimit: 1 }, now: () => now });
    await openForeignPull(h, await h.host.prepare(failureFor('acme-logs')));
    const first = await openFor(h, 'acme-logs');
    expect(first.result.action).toBe('created');
    await h.port.closePull(h.repo, first.result.number!);
    await expect(openFor(h, 'acme-data')).rejects.toMatchObject({
      name: 'PrLimitReachedError',
      limit: 'hourly',
    });
    now = new Date(Date.now() + 2 * 3_600_000);
    expect((await openFor(h, 'acme-data')).result.action).toBe('created');
  });

  test('labels are created and applied', async () => {
    const h = await kind.setup();
    const { result } = await openFor(h, 'acme-logs', {
      ...fixFor('acme-logs'),
      breakingChanges: ['Forces replacement of the bucket'],
    });
    expect([...h.details(result.number!).labels].sort()).toEqual([
      'breaking-change',
      'compliance',
      'framework:iso-27001',
      'framework:soc-2',
      'severity:high',
      'terrafix',
      'terrafix:needs-review',
    ]);
    const pull = (await h.port.getPull(h.repo, result.number!))!;
    expect(pull.labels).toContain('terrafix');
  });

  test('reviewers come from CODEOWNERS on create; PR_REVIEWERS wins; assignees are set', async () => {
    const h = await kind.setup({ policy: { assignees: ['oncall'] } });
    const logs = await openFor(h, 'acme-logs');
    expect(h.details(logs.result.number!)).toMatchObject({
      reviewers: ['infra-lead'],
      teams: [],
      assignees: ['oncall'],
    });
    const moduleFix = {
      ...fixFor('acme-data'),
      files: [{ path: 'modules/net/main.tf', content: 'resource "aws_vpc" "main" {}\n' }],
    };
    const net = await openFor(h, 'acme-data', moduleFix);
    expect(h.details(net.result.number!)).toMatchObject({ reviewers: [], teams: ['platform'] });

    const c = await kind.setup({ policy: { reviewers: ['alice', 'acme/sec'] } });
    const configured = await openFor(c, 'acme-logs');
    expect(c.details(configured.result.number!)).toMatchObject({
      reviewers: ['alice'],
      teams: ['sec'],
      assignees: [],
    });
  });

  test('a reminder comments once (marker) and labels the PR terrafix:stale', async () => {
    const h = await kind.setup();
    const { prepared, result } = await openFor(h, 'acme-logs');
    const text = 'Still waiting for a review.';
    await h.host.remindPullRequest(prepared, result.number!, text);
    await h.host.remindPullRequest(prepared, result.number!, text);
    const d = h.details(result.number!);
    expect(d.comments).toEqual([`${text}\n\n${commentMarker('reminder', text)}`]);
    expect(d.labels).toContain('terrafix:stale');
    expect(await h.host.getPullRequestState(prepared, result.number!)).toBe('open');
  });

  test('close comments once, closes and deletes the branch, also when retried after the close', async () => {
    const h = await kind.setup();
    const { prepared, result } = await openFor(h, 'acme-logs');
    const text = 'Resolved outside TerraFix.';
    const head = (await h.branchSha(result.branch))!;
    await h.host.closePullRequest(prepared, result.number!, text);
    expect(await h.host.getPullRequestState(prepared, result.number!)).toBe('closed');
    expect(await h.branchSha(result.branch)).toBeNull();
    // A retry whose first attempt closed the PR but did not get to delete the branch.
    await h.port.setBranch(h.repo, result.branch, head, false);
    await h.host.closePullRequest(prepared, result.number!, text);
    expect(await h.branchSha(result.branch)).toBeNull();
    expect(h.details(result.number!).comments).toEqual([`${text}\n\n${commentMarker('close', text)}`]);
    await h.host.remindPullRequest(prepared, result.number!, 'late reminder');
    expect(h.details(result.number!).comments).toHaveLength(1);
  });

  test('a PR closed by a reviewer is left alone by close (no comment, branch kept)', async () => {
    const h = await kind.setup();
    const { prepared, result } = await openFor(h, 'acme-logs');
    await h.port.closePull(h.repo, result.number!);
    await h.host.closePullRequest(prepared, result.number!, 'Resolved outside TerraFix.');
    expect(h.details(result.number!).comments).toEqual([]);
    expect(await h.branchSha(result.branch)).not.toBeNull();
  });

  test('state: open, merged, closed, missing', async () => {
    const h = await kind.setup();
    const a = await openFor(h, 'acme-logs');
    const b = await openFor(h, 'acme-data');
    expect(await h.host.getPullRequestState(a.prepared, a.result.number!)).toBe('open');
    await h.merge(a.result.number!);
    expect(await h.host.getPullRequestState(a.prepared, a.result.number!)).toBe('merged');
    await h.host.closePullRequest(b.prepared, b.result.number!, '');
    expect(await h.host.getPullRequestState(b.prepared, b.result.number!)).toBe('closed');
    expect(await h.host.getPullRequestState(a.prepared, 999)).toBe('missing');
    await expect(h.host.closePullRequest(a.prepared, 999, 'x')).resolves.toBeUndefined();
  });
});
