/**
 * GitHubCodeHost against the GitHub emulator: real octokit (throttling + retry plugins), real git
 * clones over smart HTTP, real bare repositories.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Failure, PreparedRepo } from '../../src/contracts';
import { PermanentApiError } from '../../src/errors';
import type { PullRequestPolicy } from '../../src/github/codeHost';
import { PrLimitReachedError } from '../../src/github/errors';
import { createGitHubClient, currentToken, type GitHubAuth } from '../../src/github/octokit';
import { branchName, parseFailureMarker } from '../../src/github/prContent';
import { GitHubCodeHost } from '../../src/github/githubCodeHost';
import { RepoWorkspace } from '../../src/github/workspace';
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
  host: GitHubCodeHost;
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
  const host = new GitHubCodeHost({
    client,
    workspace,
    mapping: { ...MAPPING, default: `${OWNER}/${repo}` },
    policy: { concurrentLimit: 10, hourlyLimit: 50, reviewers: [], assignees: [], ...policy },
    logger,
  });
  return { host, repo, lines, workspace };
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
      policy: { concurrentLimit: 10, hourlyLimit: 10, reviewers: [], assignees: [] },
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

  test('creates a PR with the expected branch, commit on the base SHA, body, labels and CODEOWNERS reviewers', async () => {
    const s = await setup({ assignees: ['oncall'] });
    const { prepared, result, failure, fix } = await openFor(s, 'acme-logs');
    const branch = branchName(failure, fix);
    expect(branch).toMatch(/^terrafix\/aws-s3-public-access-blocked\/[0-9a-f]{10}$/);
    expect(result).toMatchObject({ action: 'created', number: 1, branch });

    const head = (await emu.branchSha(OWNER, s.repo, branch))!;
    const commit = await s.host['o'].client.rest.git.getCommit({
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
    expect(pr!.labels.sort()).toEqual([
      'compliance',
      'framework:iso-27001',
      'framework:soc-2',
      'severity:high',
      'terrafix',
    ]);
    expect(emu.labels(OWNER, s.repo)).toEqual(
      expect.arrayContaining(['compliance', 'terrafix', 'severity:high']),
    );
    expect(pr!.requestedReviewers).toEqual(['infra-lead']);
    expect(pr!.assignees).toEqual(['oncall']);
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
    const commit = await s.host['o'].client.rest.git.getCommit({
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
    expect(pr!.body!.startsWith('> [!WARNING]')).toBe(true);
    expect(pr!.body!.indexOf('Forces replacement')).toBeLessThan(pr!.body!.indexOf('## Compliance failure'));
    expect(pr!.body!.indexOf('Enable versioning first')).toBeLessThan(
      pr!.body!.indexOf('## Compliance failure'),
    );
    expect(pr!.labels).toContain('breaking-change');
  });

  test('re-running the same failure updates the same PR (one PR total)', async () => {
    const s = await setup();
    const first = await openFor(s, 'acme-logs');
    const again = await openFor(s, 'acme-logs');
    expect(again.result).toMatchObject({
      action: 'unchanged',
      number: first.result.number,
      branch: first.result.branch,
    });
    const changed = await openFor(s, 'acme-logs', fixFor('acme-logs', '\n  # reviewed'));
    expect(changed.result).toMatchObject({ action: 'updated', number: first.result.number });
    const pulls = emu.listPulls(OWNER, s.repo);
    expect(pulls).toHaveLength(1);
    const head = (await emu.branchSha(OWNER, s.repo, first.result.branch))!;
    expect(await emu.readFile(OWNER, s.repo, head, 'main.tf')).toContain('# reviewed');
    const commit = await s.host['o'].client.rest.git.getCommit({
      owner: OWNER,
      repo: s.repo,
      commit_sha: head,
    });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([first.prepared.baseSha]);
  });

  test('a second resource failing the same test gets its own PR', async () => {
    const s = await setup();
    const a = await openFor(s, 'acme-logs');
    const b = await openFor(s, 'acme-data');
    expect(b.result.action).toBe('created');
    expect(b.result.branch).not.toBe(a.result.branch);
    expect(b.result.number).not.toBe(a.result.number);
    expect(
      emu
        .listPulls(OWNER, s.repo)
        .map((p) => p.head.ref)
        .sort(),
    ).toEqual([a.result.branch, b.result.branch].sort());
  });

  test('a PR closed without merge is not reopened', async () => {
    const s = await setup();
    const first = await openFor(s, 'acme-logs');
    emu.closePullRequest(OWNER, s.repo, first.result.number!);
    const again = await openFor(s, 'acme-logs', fixFor('acme-logs', '\n  # retry'));
    expect(again.result).toMatchObject({ action: 'rejected_by_reviewer', number: first.result.number });
    const pulls = emu.listPulls(OWNER, s.repo);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.state).toBe('closed');
    expect(await s.host.getPullRequestState(first.prepared, first.result.number!)).toBe('closed');
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
    const commit = await s.host['o'].client.rest.git.getCommit({
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

  test('a branch edited by someone else is not overwritten', async () => {
    const s = await setup();
    const first = await openFor(s, 'acme-logs');
    const human = await emu.pushCommit(
      OWNER,
      s.repo,
      { 'main.tf': `${MAIN_TF}# hand-edited\n` },
      { branch: first.result.branch, message: 'hand fix' },
    );
    const again = await openFor(s, 'acme-logs', fixFor('acme-logs', '\n  # newer'));
    expect(again.result.number).toBe(first.result.number);
    expect(await emu.branchSha(OWNER, s.repo, first.result.branch)).toBe(human);
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

  test('PR limits throw the retryable PrLimitReachedError instead of opening more PRs', async () => {
    const s = await setup({ hourlyLimit: 1 });
    await openFor(s, 'acme-logs');
    const err = await openFor(s, 'acme-data').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrLimitReachedError);
    expect((err as PrLimitReachedError).limit).toBe('hourly');
    expect((err as Error).name).toBe('PrLimitReachedError');
    // Updating the existing PR is always allowed.
    expect((await openFor(s, 'acme-logs', fixFor('acme-logs', '\n  # v2'))).result.action).toBe('updated');

    const c = await setup({ concurrentLimit: 1 });
    await openFor(c, 'acme-logs');
    await expect(openFor(c, 'acme-data')).rejects.toMatchObject({
      name: 'PrLimitReachedError',
      limit: 'concurrent',
    });
  });

  test('closePullRequest comments, closes and deletes the branch; missing PRs are reported', async () => {
    const s = await setup();
    const { prepared, result } = await openFor(s, 'acme-logs');
    expect(await s.host.getPullRequestState(prepared, result.number!)).toBe('open');
    await s.host.closePullRequest(prepared, result.number!, 'Resolved outside TerraFix.');
    const [pr] = emu.listPulls(OWNER, s.repo);
    expect(pr!.state).toBe('closed');
    expect(pr!.comments).toEqual(['Resolved outside TerraFix.']);
    expect(await emu.branchSha(OWNER, s.repo, result.branch)).toBeNull();
    expect(await s.host.getPullRequestState(prepared, 999)).toBe('missing');
  });

  test('remindPullRequest comments on a stale PR and labels it terrafix:stale', async () => {
    const s = await setup();
    const { prepared, result } = await openFor(s, 'acme-logs');
    await s.host.remindPullRequest(prepared, result.number!, 'Still waiting for a review.');
    const [pr] = emu.listPulls(OWNER, s.repo);
    expect(pr!.state).toBe('open');
    expect(pr!.comments).toEqual(['Still waiting for a review.']);
    expect(emu.labels(OWNER, s.repo)).toEqual(expect.arrayContaining(['terrafix:stale']));
    expect(pr!.labels).toContain('terrafix:stale');
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
      .closePullRequest(bad, 1, 'x')
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
      const host = new GitHubCodeHost({
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
