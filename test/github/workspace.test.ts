/** RepoWorkspace against the emulator's git smart HTTP: caching, concurrency, credentials. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitCommandError } from '../../src/github/errors';
import { RepoWorkspace, type WorkspaceRepo } from '../../src/github/workspace';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sandbox/emulators/githubEmulator';
import { MAIN_TF, REPO_FILES } from './helpers';

let emu: GitHubEmulator;
let tmp: string;
let repo: WorkspaceRepo;
let base: string;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

beforeAll(async () => {
  emu = await startGitHubEmulator();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-wstest-'));
  base = await emu.createRepo('acme', 'infra', REPO_FILES);
  repo = { owner: 'acme', name: 'infra', cloneUrl: `${emu.apiUrl}/git/acme/infra.git` };
});

afterAll(async () => {
  await emu.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('RepoWorkspace', () => {
  test('concurrent ensureCheckout of the same repository (two workspaces sharing one cache dir)', async () => {
    const dir = path.join(tmp, 'concurrent');
    const getToken = async () => emu.token;
    const a = new RepoWorkspace({ dir, getToken });
    const b = new RepoWorkspace({ dir, getToken }); // another process: only the lock file protects it
    const before = emu.requests.filter((r) => r.path.endsWith('/info/refs')).length;
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => a.ensureCheckout(repo, base)),
      ...Array.from({ length: 3 }, () => b.ensureCheckout(repo, base)),
    ]);
    expect(new Set(results).size).toBe(1);
    const dirOut = results[0]!;
    expect(fs.readFileSync(path.join(dirOut, 'main.tf'), 'utf8')).toBe(MAIN_TF);
    expect(fs.readFileSync(path.join(dirOut, '.github/CODEOWNERS'), 'utf8')).toBe(
      REPO_FILES['.github/CODEOWNERS'],
    );
    // One clone: the first caller cloned, everyone else found the export.
    const clones = emu.requests.filter((r) => r.path.endsWith('/info/refs')).length - before;
    expect(clones).toBeLessThanOrEqual(2); // clone + at most one lazy blob fetch of the partial clone
    const repoDir = a.repoDir(repo);
    expect(fs.readdirSync(path.join(repoDir, 'sha'))).toEqual([base]);
    expect(fs.existsSync(path.join(repoDir, '.lock'))).toBe(false);
    expect(fs.readdirSync(repoDir).filter((n) => n.includes('.tmp-'))).toEqual([]);

    // A hit is a no-op: no git traffic at all.
    const n = emu.requests.length;
    expect(await b.ensureCheckout(repo, base)).toBe(dirOut);
    expect(emu.requests.length).toBe(n);
  });

  test('a lock left by a killed worker of this host is broken at once, not after the stale timeout', async () => {
    const dir = path.join(tmp, 'deadlock');
    const ws = new RepoWorkspace({ dir, getToken: async () => emu.token });
    const repoDir = ws.repoDir(repo);
    fs.mkdirSync(repoDir, { recursive: true });
    // A process that no longer exists (SIGKILLed mid-clone) still "holds" the lock.
    const { spawnSync } = await import('node:child_process');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    fs.writeFileSync(path.join(repoDir, '.lock'), `${os.hostname()} ${gone.stdout}\n`);
    const out = await ws.ensureCheckout(repo, base);
    expect(fs.readFileSync(path.join(out, 'main.tf'), 'utf8')).toBe(MAIN_TF);
    expect(fs.existsSync(path.join(repoDir, '.lock'))).toBe(false);
  });

  test('fetches new commits into the existing mirror, heartbeats, and keeps the token off disk', async () => {
    const dir = path.join(tmp, 'fetch');
    const ws = new RepoWorkspace({ dir, getToken: async () => emu.token, heartbeatMs: 1 });
    await ws.ensureCheckout(repo, base);
    const next = await emu.pushCommit('acme', 'infra', { 'extra.tf': '# more\n' });
    let beats = 0;
    const out = await ws.ensureCheckout(repo, next, { heartbeat: () => (beats += 1) });
    expect(fs.readFileSync(path.join(out, 'extra.tf'), 'utf8')).toBe('# more\n');
    expect(beats).toBeGreaterThan(0);
    expect(await ws.fetchBranch(repo, 'main')).toBe(next);
    const basic = Buffer.from(`x-access-token:${emu.token}`).toString('base64');
    for (const f of walk(dir)) {
      const text = fs.readFileSync(f).toString('latin1');
      expect(text.includes(emu.token) || text.includes(basic)).toBe(false);
    }
  });

  test('a wrong token fails with a redacted GitCommandError', async () => {
    const wrong = 'ghp_wrongwrongwrongwrongwrongwrongwrong12';
    const ws = new RepoWorkspace({ dir: path.join(tmp, 'wrong'), getToken: async () => wrong });
    const err = await ws.ensureCheckout(repo, base).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect(String((err as Error).message)).not.toContain(wrong);
    expect(String((err as Error).stack)).not.toContain(wrong);
  });

  test('rejects anything but a full commit SHA', async () => {
    const ws = new RepoWorkspace({ dir: path.join(tmp, 'bad') });
    await expect(ws.ensureCheckout(repo, 'main')).rejects.toBeInstanceOf(GitCommandError);
    await expect(ws.ensureCheckout(repo, '../../etc')).rejects.toBeInstanceOf(GitCommandError);
  });
});
