/**
 * The emulator's in-process git store agrees with git itself (same tree and blob SHAs, objects and
 * refs written by git are seen at once), and its git-over-HTTP cache answers repeated clones
 * without a new `git http-backend` while a changed ref is never served stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../src/github/git';
import { commitTree, writeTree } from '../../src/github/gitPlumbing';
import { GitStore } from '../../src/sandbox/emulators/gitStore';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sandbox/emulators/githubEmulator';

let tmp: string;
let gitDir: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-gitstore-'));
  gitDir = path.join(tmp, 'repo.git');
  await runGit(['init', '--bare', '--quiet', gitDir]);
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const files = {
  'main.tf': 'resource "aws_s3_bucket" "a" {}\n',
  'modules/net/vpc.tf': 'resource "aws_vpc" "v" {}\n',
  'modules/net/README.md': '# net\n',
  'modules/iam/role.tf': 'resource "aws_iam_role" "r" {}\n',
  'env/prod.tfvars': 'x = 1\n',
};

test('trees and blobs match what git writes, including nested edits and deletions', async () => {
  const store = new GitStore(gitDir);
  const entries = Object.entries(files).map(([p, content]) => ({ path: p, content }));
  const ours = await store.writeTree(null, entries);
  const theirs = await writeTree(gitDir, null, entries);
  expect(ours).toBe(theirs);

  const edits = [
    { path: 'modules/net/vpc.tf', content: 'resource "aws_vpc" "v" {\n  enable_dns_support = true\n}\n' },
    { path: 'modules/iam/role.tf', content: null }, // empties modules/iam: the directory goes away
    { path: 'modules/new/deep/x.tf', content: 'locals {}\n' },
    { path: 'a-first.tf', content: 'terraform {}\n', mode: '100755' as const },
  ];
  const ours2 = await store.writeTree(ours, edits);
  const theirs2 = await writeTree(gitDir, theirs, edits);
  expect(ours2).toBe(theirs2);
  const listing = await store.listTree(ours2, true);
  expect(listing!.map((e) => e.path).sort()).toEqual(
    [
      'a-first.tf',
      'env/prod.tfvars',
      'main.tf',
      'modules/net/README.md',
      'modules/net/vpc.tf',
      'modules/new/deep/x.tf',
    ].sort(),
  );
  expect(listing!.find((e) => e.path === 'main.tf')!.size).toBe(files['main.tf'].length);
  expect(await store.objectType(ours2)).toBe('tree');
  expect(await store.objectType('0'.repeat(40))).toBeNull();
});

test('sees commits and refs written by git after it was created, and reads files at a commit', async () => {
  const store = new GitStore(gitDir);
  expect(await store.resolveRef('refs/heads/main')).toBeNull();
  const tree = await writeTree(gitDir, null, [{ path: 'main.tf', content: 'x\n' }]);
  const c1 = await commitTree(gitDir, tree, [], 'first', { name: 'Dev', email: 'dev@example.com' });
  await runGit(['--git-dir', gitDir, 'update-ref', 'refs/heads/main', c1]);
  expect(await store.resolveRef('refs/heads/main')).toBe(c1);
  // Packed refs are read too.
  await runGit(['--git-dir', gitDir, 'pack-refs', '--all']);
  expect(await store.resolveRef('refs/heads/main')).toBe(c1);
  const info = await store.readCommit(c1);
  expect(info).toMatchObject({ tree, parents: [], message: 'first', author: { name: 'Dev' } });
  expect((await store.readFileAt(c1, 'main.tf'))!.toString()).toBe('x\n');
  expect(await store.readFileAt(c1, 'missing.tf')).toBeNull();
  expect(await store.readFileAt(c1, '../etc/passwd')).toBeNull();

  // A commit written by the store is a valid git commit.
  const c2 = await store.writeCommit(tree, [c1], 'second\n\nbody', { name: 'Bot', email: 'bot@example.com' });
  const r = await runGit(['--git-dir', gitDir, 'cat-file', '-p', c2]);
  expect(r.stdout).toContain(`parent ${c1}`);
  expect((await runGit(['--git-dir', gitDir, 'fsck', '--no-dangling'])).code).toBe(0);
  const before = store.refState();
  await runGit(['--git-dir', gitDir, 'update-ref', 'refs/heads/main', c2]);
  expect(store.refState()).not.toBe(before);
});

describe('git over HTTP', () => {
  let emu: GitHubEmulator;
  beforeAll(async () => {
    emu = await startGitHubEmulator({ dir: path.join(tmp, 'emu') });
    await emu.createRepo('acme', 'infra', files);
  });
  afterAll(() => emu.stop());
  let credential: { origin: string; token: string };
  beforeAll(() => {
    credential = { origin: new URL(emu.apiUrl).origin, token: emu.token };
  });

  const clone = async (name: string) => {
    const dest = path.join(tmp, name);
    // The token goes through runGit's credential helper, never into the arguments.
    await runGit(['clone', '--quiet', `${emu.apiUrl}/git/acme/infra.git`, dest], { credential });
    return dest;
  };

  test('a second identical clone is answered from the cache; a new commit is never served stale', async () => {
    const a = await clone('clone-a');
    const misses = emu.gitHttpCache.misses;
    expect(misses).toBeGreaterThan(0);
    const b = await clone('clone-b');
    expect(emu.gitHttpCache.misses).toBe(misses);
    expect(emu.gitHttpCache.hits).toBeGreaterThanOrEqual(misses);
    expect(fs.readFileSync(path.join(b, 'modules/net/vpc.tf'), 'utf8')).toBe(files['modules/net/vpc.tf']);

    const next = await emu.pushCommit('acme', 'infra', { 'main.tf': 'changed\n' });
    await runGit(['-C', a, 'pull', '--quiet', '--ff-only'], { credential });
    expect((await runGit(['-C', a, 'rev-parse', 'HEAD'])).stdout.trim()).toBe(next);
    expect(fs.readFileSync(path.join(a, 'main.tf'), 'utf8')).toBe('changed\n');
    expect(emu.gitHttpCache.misses).toBeGreaterThan(misses);
  });
});
