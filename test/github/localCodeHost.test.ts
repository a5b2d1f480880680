/** LocalCodeHost round trip: bare repository on disk, branch per fix, PR records beside it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { RepoNotMappedError } from '../../src/errors';
import { createCodeHost, LocalCodeHost } from '../../src/github';
import { runGit } from '../../src/github/git';
import { resolveRef } from '../../src/github/gitPlumbing';
import { capturingLogger, failureFor, fixFor, MAIN_TF, seedBareRepo } from './helpers';

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-localtest-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('LocalCodeHost', () => {
  test('round trip: prepare, open, re-run, second resource, close, rejected', async () => {
    const root = path.join(tmp, 'host');
    const base = await seedBareRepo(root, 'acme', 'infra');
    const { logger } = capturingLogger();
    const host = createCodeHost(
      loadConfig({
        CODE_HOST: 'local',
        LOCAL_CODE_HOST_DIR: root,
        WORKSPACE_DIR: path.join(tmp, 'ws'),
        GITHUB_REPO_MAPPING: '{"default":"acme/infra"}',
      }),
      logger,
    );
    expect(host).toBeInstanceOf(LocalCodeHost);
    const local = host as LocalCodeHost;

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
    const gitDir = local.gitDir(prepared.repo);
    const head = (await resolveRef(gitDir, `refs/heads/${r1.branch}`))!;
    expect((await runGit(['--git-dir', gitDir, 'rev-parse', `${head}^`])).stdout.trim()).toBe(base);
    expect((await runGit(['--git-dir', gitDir, 'show', `${head}:main.tf`])).stdout).toBe(
      fix.files[0]!.content,
    );
    expect(await resolveRef(gitDir, 'refs/heads/main')).toBe(base);

    const [rec] = local.listPullRequests(prepared.repo);
    expect(rec).toMatchObject({
      number: 1,
      branch: r1.branch,
      state: 'open',
      baseSha: base,
      headSha: head,
      failureKey: failure.key,
    });
    expect(rec!.title).toBe('Block public access on S3 bucket acme-logs');
    const subject = (await runGit(['--git-dir', gitDir, 'log', '-1', '--format=%s', head])).stdout.trim();
    expect(subject).toBe(rec!.title);
    expect(rec!.diff).toContain('+resource "aws_s3_bucket_public_access_block" "acme_logs"');
    expect(rec!.body).toContain('Fixes: https://app.vanta.com/tests/aws-s3-public-access-blocked');
    expect(rec!.labels).toContain('terrafix');
    expect(fs.readFileSync(path.join(local.pullsDir(prepared.repo), '1.md'), 'utf8')).toContain(
      '## Full diff',
    );

    expect((await host.openPullRequest({ failure, prepared, fix })).action).toBe('unchanged');
    const r2 = await host.openPullRequest({ failure, prepared, fix: fixFor('acme-logs', '\n  # v2') });
    expect(r2).toMatchObject({ action: 'updated', number: 1 });
    const other = await host.openPullRequest({
      failure: failureFor('acme-data'),
      prepared,
      fix: fixFor('acme-data'),
    });
    expect(other).toMatchObject({ action: 'created', number: 2 });
    expect(other.branch).not.toBe(r1.branch);

    expect(await host.getPullRequestState(prepared, 1)).toBe('open');
    await host.closePullRequest(prepared, 1, 'not wanted');
    expect(await host.getPullRequestState(prepared, 1)).toBe('closed');
    expect(await resolveRef(gitDir, `refs/heads/${r1.branch}`)).toBeNull();
    expect((await host.openPullRequest({ failure, prepared, fix })).action).toBe('rejected_by_reviewer');
    expect(await host.getPullRequestState(prepared, 42)).toBe('missing');

    await local.mergePullRequest(prepared.repo, 2);
    expect(await host.getPullRequestState(prepared, 2)).toBe('merged');
    expect((await runGit(['--git-dir', gitDir, 'show', 'main:main.tf'])).stdout).toContain('acme_data');
  });

  test('a missing local repository is reported with how to create it', async () => {
    const { logger } = capturingLogger();
    const host = new LocalCodeHost({
      root: path.join(tmp, 'empty'),
      workspaceDir: path.join(tmp, 'ws2'),
      mapping: { default: 'acme/none' },
      policy: { concurrentLimit: 10, hourlyLimit: 5, reviewers: [], assignees: [] },
      logger,
    });
    await expect(host.prepare(failureFor('x'))).rejects.toThrow(RepoNotMappedError);
    await expect(host.prepare(failureFor('x'))).rejects.toThrow(/git clone --bare/);
  });
});
