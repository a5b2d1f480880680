/**
 * LocalCodeHost specifics: the bare repository on disk, the PR record files beside it and the
 * sandbox's merge helper. The PR policy both hosts share is tested in prPolicy.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config';
import { RepoNotMappedError } from '../../src/errors';
import { createCodeHost, LocalCodeHost, PullRequests } from '../../src/github';
import { runGit } from '../../src/github/git';
import { resolveRef } from '../../src/github/gitPlumbing';
import { capturingLogger, failureFor, fixFor, MAIN_TF, seedBareRepo } from './helpers';

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-localtest-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('LocalCodeHost', () => {
  test('createCodeHost(CODE_HOST=local): prepare, checkout, the PR record files, a record following its branch, merge', async () => {
    const root = path.join(tmp, 'host');
    const base = await seedBareRepo(root, 'acme', 'infra');
    const { logger } = capturingLogger();
    const host = createCodeHost(
      loadConfig({
        CODE_HOST: 'local',
        LOCAL_CODE_HOST_DIR: root,
        WORKSPACE_DIR: path.join(tmp, 'ws'),
        GITHUB_REPO_MAPPING: '{"default":"acme/infra"}',
        PR_ASSIGNEES: 'oncall',
      }),
      logger,
    );
    expect(host).toBeInstanceOf(PullRequests);
    expect(host.kind).toBe('local');
    const local = (host as PullRequests<LocalCodeHost>).port;
    expect(local).toBeInstanceOf(LocalCodeHost);

    const failure = failureFor('acme-logs');
    const prepared = await host.prepare(failure);
    expect(prepared).toMatchObject({
      repo: { owner: 'acme', name: 'infra' },
      defaultBranch: 'main',
      baseSha: base,
    });
    const dir = await host.ensureCheckout(prepared.repo, base);
    expect(fs.readFileSync(path.join(dir, 'main.tf'), 'utf8')).toBe(MAIN_TF);

    const fix = fixFor('acme-logs');
    const r1 = await host.openPullRequest({ failure, prepared, fix });
    expect(r1).toMatchObject({ action: 'created', number: 1 });
    expect(r1.url).toBe(pathToFileURL(path.join(local.pullsDir(prepared.repo), '1.md')).href);
    const gitDir = local.gitDir(prepared.repo);
    const head = (await resolveRef(gitDir, `refs/heads/${r1.branch}`))!;
    expect((await runGit(['--git-dir', gitDir, 'rev-parse', `${head}^`])).stdout.trim()).toBe(base);

    const [rec] = local.listPullRequests(prepared.repo);
    expect(rec).toMatchObject({
      number: 1,
      branch: r1.branch,
      base: 'main',
      state: 'open',
      baseSha: base,
      headSha: head,
      failureKey: failure.key,
      comments: [],
      requestedReviewers: ['infra-lead'],
      assignees: ['oncall'],
    });
    expect(rec!.title).toBe('Block public access on S3 bucket acme-logs');
    const subject = (await runGit(['--git-dir', gitDir, 'log', '-1', '--format=%s', head])).stdout.trim();
    expect(subject).toBe(rec!.title);
    expect(rec!.diff).toContain('+resource "aws_s3_bucket_public_access_block" "acme_logs"');
    expect(rec!.body).toContain('Fixes: https://app.vanta.com/tests/aws-s3-public-access-blocked');
    expect(rec!.body).not.toContain(root);
    expect(rec!.labels).toContain('terrafix');
    const md = fs.readFileSync(path.join(local.pullsDir(prepared.repo), '1.md'), 'utf8');
    expect(md).toContain('## Full diff');
    expect(md).toContain('State: **open**');

    await host.openPullRequest({ failure, prepared, fix: fixFor('acme-logs', '\n  # v2') });
    const [updated] = local.listPullRequests(prepared.repo);
    expect(updated!.headSha).toBe(await resolveRef(gitDir, `refs/heads/${r1.branch}`));
    expect(updated!.headSha).not.toBe(head);
    expect(updated!.diff).toContain('# v2');

    await local.mergePullRequest(prepared.repo, 1);
    expect(await host.getPullRequestState(prepared, 1)).toBe('merged');
    expect((await runGit(['--git-dir', gitDir, 'show', 'main:main.tf'])).stdout).toContain('acme_logs');
    expect(fs.readFileSync(path.join(local.pullsDir(prepared.repo), '1.md'), 'utf8')).toContain(
      'State: **merged**',
    );
  });

  test('a missing local repository is reported with how to create it', async () => {
    const { logger } = capturingLogger();
    const host = new LocalCodeHost({
      root: path.join(tmp, 'empty'),
      workspaceDir: path.join(tmp, 'ws2'),
      mapping: { default: 'acme/none' },
      logger,
    });
    await expect(host.prepare(failureFor('x'))).rejects.toThrow(RepoNotMappedError);
    await expect(host.prepare(failureFor('x'))).rejects.toThrow(/git clone --bare/);
  });

  test('createCodeHost(CODE_HOST=local) needs LOCAL_CODE_HOST_DIR', () => {
    const { logger } = capturingLogger();
    expect(() => createCodeHost(loadConfig({ CODE_HOST: 'local' }), logger)).toThrow(
      /LOCAL_CODE_HOST_DIR: is required/,
    );
  });
});
