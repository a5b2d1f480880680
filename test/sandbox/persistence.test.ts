/**
 * SandboxOptions.persistDir: the GitHub emulator's repositories and its PRs, labels and comments
 * survive a stop and a new start on the same directory (what the demo relies on for its PR links);
 * without it a sandbox starts from fresh repositories.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GITHUB_STATE_FILE, startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import { testRedisUrl, testTemporalAddress, testTmpDir, uniqueName } from '../harness/env';

jest.setTimeout(60_000);

const OWNER = 'acme';
const REPO = 'data-infra';

async function api(sb: Sandbox, method: string, p: string, body?: unknown) {
  const res = await fetch(`${sb.github.apiUrl}${p}`, {
    method,
    headers: { authorization: `token ${sb.github.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

function start(persistDir: string | undefined, dir: string) {
  return startSandbox({
    org: 'demo',
    temporalAddress: testTemporalAddress(),
    redisUrl: testRedisUrl(),
    taskQueue: uniqueName('persist'),
    entityIdSuffix: `-${uniqueName('p')}`,
    dir,
    persistDir,
  });
}

describe('persistDir', () => {
  const base = path.join(testTmpDir(), uniqueName('persist'));
  const persistDir = path.join(base, 'state');
  let sb: Sandbox | undefined;

  afterEach(async () => {
    await sb?.stop();
    sb = undefined;
  });

  it('keeps repositories, branches, PRs, labels and comments across a restart', async () => {
    sb = await start(persistDir, path.join(base, 'run1'));
    const main1 = (await sb.github.branchSha(OWNER, REPO, 'main'))!;
    await api(sb, 'POST', `/repos/${OWNER}/${REPO}/git/refs`, {
      ref: 'refs/heads/terrafix/keep',
      sha: main1,
    });
    const head1 = await sb.github.pushCommit(
      OWNER,
      REPO,
      { 'kept.tf': '# kept\n' },
      { branch: 'terrafix/keep' },
    );
    const pr = await api(sb, 'POST', `/repos/${OWNER}/${REPO}/pulls`, {
      title: 'Kept across runs',
      body: '- first item\n- second item',
      head: 'terrafix/keep',
      base: 'main',
    });
    await api(sb, 'POST', `/repos/${OWNER}/${REPO}/issues/${pr.number}/labels`, { labels: ['terrafix'] });
    await api(sb, 'POST', `/repos/${OWNER}/${REPO}/issues/${pr.number}/comments`, { body: 'a comment' });
    const stateFile = path.join(persistDir, 'github', GITHUB_STATE_FILE);
    expect(fs.existsSync(stateFile)).toBe(true);
    expect(fs.readdirSync(path.dirname(stateFile)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const pageUrl1 = pr.html_url as string;
    expect((await fetch(pageUrl1)).status).toBe(200);
    await sb.stop();
    sb = undefined;

    sb = await start(persistDir, path.join(base, 'run2'));
    // Not re-seeded: the same default branch, and the PR branch is still there.
    expect(await sb.github.branchSha(OWNER, REPO, 'main')).toBe(main1);
    expect(await sb.github.branchSha(OWNER, REPO, 'terrafix/keep')).toBe(head1);
    const pulls = sb.github.listPulls(OWNER, REPO);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({
      number: pr.number,
      title: 'Kept across runs',
      labels: ['terrafix'],
      comments: ['a comment'],
      state: 'open',
    });
    expect(sb.github.labels(OWNER, REPO)).toContain('terrafix');
    // The page, on the new emulator (same path), without a token.
    const page = await fetch(`${sb.github.apiUrl}/${OWNER}/${REPO}/pull/${pr.number}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Kept across runs');
    expect(html).toContain('<li>second item</li>');
    expect(html).toContain('+# kept');
    // The API (with the new token) sees it, and numbering continues.
    expect((await api(sb, 'GET', `/repos/${OWNER}/${REPO}/pulls/${pr.number}`)).title).toBe(
      'Kept across runs',
    );
    await api(sb, 'POST', `/repos/${OWNER}/${REPO}/git/refs`, {
      ref: 'refs/heads/terrafix/next',
      sha: main1,
    });
    await sb.github.pushCommit(OWNER, REPO, { 'next.tf': '# next\n' }, { branch: 'terrafix/next' });
    const next = await api(sb, 'POST', `/repos/${OWNER}/${REPO}/pulls`, {
      title: 'Next',
      head: 'terrafix/next',
      base: 'main',
    });
    expect(next.number).toBe((pr.number as number) + 1);
    expect(next.id).not.toBe(pr.id);
  });

  it('without persistDir, a sandbox on the same dir starts from fresh repositories', async () => {
    const dir = path.join(base, 'fresh');
    sb = await start(undefined, dir);
    await api(sb, 'POST', `/repos/${OWNER}/${REPO}/git/refs`, {
      ref: 'refs/heads/gone',
      sha: (await sb.github.branchSha(OWNER, REPO, 'main'))!,
    });
    await sb.stop();
    sb = await start(undefined, dir);
    expect(await sb.github.branchSha(OWNER, REPO, 'gone')).toBeNull();
    expect(sb.github.listPulls(OWNER, REPO)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'github', GITHUB_STATE_FILE))).toBe(false);
  });
});
