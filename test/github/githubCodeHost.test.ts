/**
 * GitHubCodeHost against the GitHub emulator: real octokit (throttling + retry plugins), real git
 * clones over smart HTTP, real bare repositories. What is GitHub's own: the API's default branch,
 * the Git Data API commit, PR text, 422 races, rate limits, error mapping, secrets, App auth. The
 * PR policy both hosts share is tested in prPolicy.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Failure, PreparedRepo } from '../../src/contracts';
import { PermanentApiError } from '../../src/errors';
import { GitHubCodeHost, gitHubPullRequests } from '../../src/github/codeHost';
import { GitHubApiError, GitHubAuthError } from '../../src/github/errors';
import {
  createGitHubClient,
  currentToken,
  type GitHubAuth,
  type GitHubClient,
} from '../../src/github/octokit';
import { branchName, parseFailureMarker } from '../../src/pullRequests/content';
import { RepoWorkspace } from '../../src/github/workspace';
import type { PullRequestPolicy } from '../../src/pullRequests/codeHost';
import type { PullRequests } from '../../src/pullRequests/policy';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sandbox/emulators/githubEmulator';
import { capturingLogger, failureFor, fixFor, MAIN_TF, REPO_FILES } from './helpers';

const OWNER = 'acme';
const MAPPING = { default: 'acme/infra', accounts: { '210987654321': 'acme/other' } };

let emu: GitHubEmulator;
let tmp: string;
let repoCounter = 0;

beforeAll(async () => {
  emu = await startGitHubEmulator();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-ghtest-'));
});

afterAll(async () => {
  await emu.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Setup {
  host: PullRequests<GitHubCodeHost>;
  client: GitHubClient;
  repo: string;
  lines: string[];
  workspace: RepoWorkspace;
}

/** A fresh repository and a host mapped to it. */
async function setup(
  policy: Partial<PullRequestPolicy> = {},
  auth: GitHubAuth = { kind: 'token', token: emu.token },
): Promise<Setup> {
  repoCounter += 1;
  const repo = `infra${repoCounter}`;
  await emu.createRepo(OWNER, repo, REPO_FILES);
  const { logger, lines } = capturingLogger();
  const client = createGitHubClient({
    baseUrl: emu.apiUrl,
    auth,
    logger,
    retryAfterBaseMs: 5,
    writeSpacingMs: 0,
  });
  const workspace = new RepoWorkspace({
    dir: path.join(tmp, `ws${repoCounter}`),
    getToken: () => currentToken(client),
  });
  const host = gitHubPullRequests({
    client,
    workspace,
    mapping: { ...MAPPING, default: `${OWNER}/${repo}` },
    policy: { concurrentLimit: 10, hourlyLimit: 50, reviewers: [], assignees: [], ...policy },
    logger,
  });
  return { host, client, repo, lines, workspace };
}

async function openFor(
  s: Setup,
  bucket: string,
  fix = fixFor(bucket),
  failure: Failure = failureFor(bucket),
) {
  const prepared = await s.host.prepare(failure);
  const result = await s.host.openPullRequest({ failure, prepared, fix });
  return { prepared, result, failure, fix };
}

describe('GitHubCodeHost', () => {
  test('prepare reads the default branch from the API and checks out the base commit', async () => {
    repoCounter += 1;
    const repo = `trunk${repoCounter}`;
    const sha = await emu.createRepo(OWNER, repo, REPO_FILES, { defaultBranch: 'trunk' });
    const s = await setup();
    const host = new GitHubCodeHost({
      client: createGitHubClient({
        baseUrl: emu.apiUrl,
        auth: { kind: 'token', token: emu.token },
        logger: capturingLogger().logger,
      }),
      workspace: s.workspace,
      mapping: { default: `${OWNER}/${repo}:envs/prod` },
      logger: capturingLogger().logger,
    });
    const prepared = await host.prepare(failureFor('acme-logs'));
    expect(prepared).toEqual({
      repo: { owner: OWNER, name: repo, path: 'envs/prod' },
      defaultBranch: 'trunk',
      baseSha: sha,
      cloneUrl: `${emu.apiUrl}/git/${OWNER}/${repo}.git`,
    });
    const dir = await host.ensureCheckout(prepared, sha);
    expect(fs.readFileSync(path.join(dir, 'main.tf'), 'utf8')).toBe(MAIN_TF);
    expect(fs.readFileSync(path.join(dir, 'modules/net/main.tf'), 'utf8')).toContain('aws_vpc');
  });

  test('creates a PR with the expected branch, a Git Data API commit on the base SHA, body and repository labels', async () => {
    const s = await setup();
    const { prepared, result, failure, fix } = await openFor(s, 'acme-logs');
    const branch = branchName(failure, fix);
    expect(branch).toMatch(/^terrafix\/aws-s3-public-access-blocked\/[0-9a-f]{10}$/);
    expect(result).toMatchObject({ action: 'created', number: 1, branch });

    const head = (await emu.branchSha(OWNER, s.repo, branch))!;
    const commit = await s.client.rest.git.getCommit({
      owner: OWNER,
      repo: s.repo,
      commit_sha: head,
    });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([prepared.baseSha]);
    expect(commit.data.message.split('\n')[0]).toBe('Block public access on S3 bucket acme-logs');
    expect(commit.data.message).toContain(`TerraFix-Failure-Key: ${encodeURIComponent(failure.key)}`);
    expect(await emu.readFile(OWNER, s.repo, head, 'main.tf')).toBe(fix.files[0]!.content);
    expect(await emu.readFile(OWNER, s.repo, head, 'README.md')).toBe('# infra\n');
    expect(await emu.branchSha(OWNER, s.repo, 'main')).toBe(prepared.baseSha);

    const [pr] = emu.listPulls(OWNER, s.repo);
    expect(pr!.title).toBe('Block public access on S3 bucket acme-logs');
    expect(pr!.title).toBe(commit.data.message.split('\n')[0]);
    expect(pr!.base.ref).toBe('main');
    const body = pr!.body!;
    for (const section of [
      '## Compliance failure',
      '## What changed and why',
      '## Diff summary',
      '## Confidence',
      '## Validation',
      '## Review checklist',
      '## Fix engine',
    ]) {
      expect(body).toContain(section);
    }
    expect(body).toContain('Fixes: https://app.vanta.com/tests/aws-s3-public-access-blocked');
    expect(body).toContain('- terraform validate: skipped — terraform not installed');
    expect(body).not.toContain('Ran:');
    expect(body).not.toContain('Temporal Web UI'); // TEMPORAL_UI_URL not set
    expect(body).toContain('`aws-s3-public-access-blocked`');
    expect(parseFailureMarker(body)).toBe(failure.key);
    expect(body).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(body).not.toContain(tmp);
    expect(emu.labels(OWNER, s.repo)).toEqual(
      expect.arrayContaining(['compliance', 'terrafix', 'severity:high']),
    );
  });

  test('with TEMPORAL_UI_URL the body links the remediation workflow; the commit subject is the title', async () => {
    const s = await setup();
    const failure = failureFor('acme-data', { testName: 'S3 buckets are private' });
    const fix = { ...fixFor('acme-data'), engine: 'llm' as const, ruleId: undefined, modelId: 'm' };
    const prepared = await s.host.prepare(failure);
    const result = await s.host.openPullRequest({
      failure,
      prepared,
      fix,
      temporalUiUrl: 'http://localhost:8233/',
      temporalNamespace: 'terrafix prod',
    });
    const [pr] = emu.listPulls(OWNER, s.repo);
    expect(pr!.title).toBe('Fix "S3 buckets are private" on S3 bucket acme-data');
    expect(pr!.body).toContain(
      `(<http://localhost:8233/namespaces/terrafix%20prod/workflows/${encodeURIComponent(`remediate/${failure.key}`)}>)`,
    );
    const head = (await emu.branchSha(OWNER, s.repo, result.branch))!;
    const commit = await s.client.rest.git.getCommit({
      owner: OWNER,
      repo: s.repo,
      commit_sha: head,
    });
    expect(commit.data.message.split('\n')[0]).toBe(pr!.title);
  });

  test('breaking changes and additional requirements are called out at the top and labelled', async () => {
    const s = await setup();
    const fix = {
      ...fixFor('acme-logs'),
      breakingChanges: ['Forces replacement of the bucket'],
      additionalRequirements: ['Enable versioning first'],
    };
    await openFor(s, 'acme-logs', fix);
    const [pr] = emu.listPulls(OWNER, s.repo);
    // A breaking fix opens as a draft: the review callout first, then the breaking changes.
    expect(pr!.body!.startsWith('> [!CAUTION]')).toBe(true);
    expect(pr!.draft).toBe(true);
    expect(pr!.body!.indexOf('> [!WARNING]')).toBeLessThan(pr!.body!.indexOf('## Compliance failure'));
    expect(pr!.body!.indexOf('Forces replacement')).toBeLessThan(pr!.body!.indexOf('## Compliance failure'));
    expect(pr!.body!.indexOf('Enable versioning first')).toBeLessThan(
      pr!.body!.indexOf('## Compliance failure'),
    );
    expect(pr!.labels).toContain('breaking-change');
  });

  test('the default branch moving after the clone is never overwritten', async () => {
    const s = await setup();
    const failure = failureFor('acme-logs');
    const prepared = await s.host.prepare(failure);
    const moved = await emu.pushCommit(
      OWNER,
      s.repo,
      { 'NEW.md': 'added by a colleague\n' },
      { message: 'colleague' },
    );
    const result = await s.host.openPullRequest({ failure, prepared, fix: fixFor('acme-logs') });
    expect(result.action).toBe('created');
    expect(await emu.branchSha(OWNER, s.repo, 'main')).toBe(moved);
    expect(await emu.readFile(OWNER, s.repo, 'main', 'NEW.md')).toBe('added by a colleague\n');
    const head = (await emu.branchSha(OWNER, s.repo, result.branch))!;
    const commit = await s.client.rest.git.getCommit({
      owner: OWNER,
      repo: s.repo,
      commit_sha: head,
    });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([prepared.baseSha]);
    // The PR merges cleanly on top of the colleague's commit: nothing of theirs is lost.
    const merged = await emu.mergePullRequest(OWNER, s.repo, result.number!);
    expect(await emu.readFile(OWNER, s.repo, merged, 'NEW.md')).toBe('added by a colleague\n');
    expect(await emu.readFile(OWNER, s.repo, merged, 'main.tf')).toContain(
      'aws_s3_bucket_public_access_block',
    );
    expect(await s.host.getPullRequestState(prepared, result.number!)).toBe('merged');
  });

  test('a leftover branch without a PR (crash between ref and PR) is reused', async () => {
    const s = await setup();
    const failure = failureFor('acme-logs');
    const prepared = await s.host.prepare(failure);
    emu.failNext({
      method: 'POST',
      path: new RegExp(`/repos/${OWNER}/${s.repo}/pulls$`),
      status: 422,
      message: 'Validation Failed',
    });
    await expect(
      s.host.openPullRequest({ failure, prepared, fix: fixFor('acme-logs') }),
    ).rejects.toBeInstanceOf(PermanentApiError);
    const branch = branchName(failure, fixFor('acme-logs'));
    const leftover = await emu.branchSha(OWNER, s.repo, branch);
    expect(leftover).not.toBeNull();
    expect(emu.listPulls(OWNER, s.repo)).toHaveLength(0);

    const result = await s.host.openPullRequest({ failure, prepared, fix: fixFor('acme-logs') });
    expect(result).toMatchObject({ action: 'created', branch });
    expect(await emu.branchSha(OWNER, s.repo, branch)).toBe(leftover);
    expect(emu.listPulls(OWNER, s.repo)).toHaveLength(1);
  });

  test('a PR opened concurrently (422 "already exists" on create) is found again and updated', async () => {
    const s = await setup();
    const failure = failureFor('acme-logs');
    const prepared = await s.host.prepare(failure);
    const port = s.host.port;
    const setBranch = port.setBranch.bind(port);
    // Another attempt of the activity opens the PR right after this one has written the branch.
    jest.spyOn(port, 'setBranch').mockImplementationOnce(async (repo, branch, sha, exists) => {
      await setBranch(repo, branch, sha, exists);
      await s.client.rest.pulls.create({
        owner: OWNER,
        repo: s.repo,
        head: branch,
        base: 'main',
        title: 'other attempt',
      });
    });
    const result = await s.host.openPullRequest({ failure, prepared, fix: fixFor('acme-logs') });
    const pulls = emu.listPulls(OWNER, s.repo);
    expect(pulls).toHaveLength(1);
    expect(result).toMatchObject({ action: 'updated', number: pulls[0]!.number });
    expect(pulls[0]!.title).toBe('Block public access on S3 bucket acme-logs');
    expect(pulls[0]!.labels).toContain('terrafix');
  });

  test('API errors: other 4xx are permanent, 401 is an auth error, persistent 5xx are retryable', async () => {
    const s = await setup();
    await expect(
      s.host.prepare(failureFor('x', { resource: { accountId: '210987654321' } })),
    ).rejects.toBeInstanceOf(PermanentApiError);
    const bad = gitHubPullRequests({
      client: createGitHubClient({
        baseUrl: emu.apiUrl,
        auth: { kind: 'token', token: 'ghp_wrong' },
        logger: capturingLogger().logger,
      }),
      workspace: s.workspace,
      mapping: { default: `${OWNER}/${s.repo}` },
      policy: { concurrentLimit: 10, hourlyLimit: 10, reviewers: [], assignees: [] },
      logger: capturingLogger().logger,
    });
    await expect(bad.prepare(failureFor('acme-logs'))).rejects.toBeInstanceOf(GitHubAuthError);
    const { prepared, result } = await openFor(s, 'acme-logs');
    emu.failNext({ method: 'GET', path: new RegExp(`/pulls/${result.number}$`), status: 502, times: 10 });
    const err = await s.host.getPullRequestState(prepared, result.number!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as Error).message).toMatch(/^GitHub get pull request failed \(502\)/);
  });

  test('a reviewer GitHub refuses only warns: the PR is still created', async () => {
    const s = await setup({ reviewers: ['terrafix-bot'] });
    const { result } = await openFor(s, 'acme-logs');
    expect(result.action).toBe('created');
    expect(emu.listPulls(OWNER, s.repo)[0]!.requestedReviewers).toEqual([]);
    expect(s.lines.some((l) => l.includes('could not request reviewers'))).toBe(true);
  });

  test('403 secondary rate limit: waits (Retry-After) and succeeds', async () => {
    const s = await setup();
    const before = emu.requests.length;
    emu.injectSecondaryLimit(3);
    const { result } = await openFor(s, 'acme-logs');
    expect(result.action).toBe('created');
    const limited = emu.requests.slice(before).filter((r) => r.status === 403);
    expect(limited).toHaveLength(3);
    expect(s.lines.some((l) => l.includes('secondary rate limit'))).toBe(true);
    expect(emu.listPulls(OWNER, s.repo)).toHaveLength(1);
  });

  test('the token never appears in log lines, errors or PR bodies', async () => {
    const s = await setup();
    const basic = Buffer.from(`x-access-token:${emu.token}`).toString('base64');
    const { prepared } = await openFor(s, 'acme-logs');
    await openFor(s, 'acme-logs', fixFor('acme-logs', '\n  # again'));
    const errors: string[] = [];
    // A git failure (unknown repository) and an API failure (unknown repository).
    await s.workspace
      .ensureCheckout(
        { owner: OWNER, name: 'nope', cloneUrl: `${emu.apiUrl}/git/${OWNER}/nope.git` },
        prepared.baseSha,
      )
      .catch((e: Error) => errors.push(`${e.name}: ${e.message}\n${e.stack}`));
    const bad: PreparedRepo = { ...prepared, repo: { owner: OWNER, name: 'nope' } };
    await s.host
      .openPullRequest({ failure: failureFor('acme-logs'), prepared: bad, fix: fixFor('acme-logs') })
      .catch((e: Error) => errors.push(`${e.name}: ${e.message}\n${e.stack}`));
    await s.host
      .prepare(failureFor('x', { resource: { accountId: '210987654321' } }))
      .catch((e: Error) => errors.push(`${e.message}\n${e.stack}`));
    expect(errors).toHaveLength(3);
    expect(s.lines.length).toBeGreaterThan(0);
    const everything = [
      ...s.lines,
      ...errors,
      ...emu.listPulls(OWNER, s.repo).map((p) => `${p.title}\n${p.body}`),
    ].join('\n');
    expect(everything).not.toContain(emu.token);
    expect(everything).not.toContain(basic);
  });

  test('authenticates as a GitHub App: installation tokens for the API and git, verified commits', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const appEmu = await startGitHubEmulator({ app: { appId: '4242', installationId: '77', publicKey } });
    try {
      await appEmu.createRepo(OWNER, 'infra', REPO_FILES);
      const { logger } = capturingLogger();
      const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      const client = createGitHubClient({
        baseUrl: appEmu.apiUrl,
        auth: { kind: 'app', appId: '4242', privateKey: pem, installationId: '77' },
        logger,
        writeSpacingMs: 0,
      });
      const host = gitHubPullRequests({
        client,
        workspace: new RepoWorkspace({ dir: path.join(tmp, 'app-ws'), getToken: () => currentToken(client) }),
        mapping: { default: `${OWNER}/infra` },
        policy: { concurrentLimit: 10, hourlyLimit: 10, reviewers: ['alice', 'acme/sec'], assignees: [] },
        logger,
      });
      const failure = failureFor('acme-logs');
      const prepared = await host.prepare(failure);
      const result = await host.openPullRequest({ failure, prepared, fix: fixFor('acme-logs') });
      expect(result.action).toBe('created');
      const head = (await appEmu.branchSha(OWNER, 'infra', result.branch))!;
      const commit = await client.rest.git.getCommit({ owner: OWNER, repo: 'infra', commit_sha: head });
      expect(commit.data.verification?.verified).toBe(true);
      expect(appEmu.issuedInstallationTokens).toBeGreaterThanOrEqual(1);
      const [pr] = appEmu.listPulls(OWNER, 'infra');
      expect(pr!.requestedReviewers).toEqual(['alice']);
      expect(pr!.requestedTeams).toEqual(['sec']);
    } finally {
      await appEmu.stop();
    }
  });
});
