/**
 * Git plumbing on a bare repository: write files as a new tree on top of a base tree and commit it,
 * without a work tree (hash-object, a temporary index, write-tree, commit-tree, update-ref). Used by
 * the local code host and the GitHub emulator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { safeRepoPath } from '../security/repoPath';
import { runGit } from './git';

export interface TreeChange {
  path: string;
  /** New content, or null to delete the path. */
  content: string | Buffer | null;
  mode?: '100644' | '100755';
}

export interface Identity {
  name: string;
  email: string;
  /** Git date, e.g. "2026-01-01T00:00:00Z"; defaults to now. */
  date?: string;
}

export const TERRAFIX_IDENTITY: Identity = { name: 'TerraFix', email: 'terrafix@users.noreply.github.com' };

/** Writes a blob into the repository's object store and returns its SHA. */
export async function hashObject(gitDir: string, content: string | Buffer): Promise<string> {
  const r = await runGit(['--git-dir', gitDir, 'hash-object', '-w', '--stdin'], { input: content });
  return r.stdout.trim();
}

/** Builds a tree = baseTree (or empty) + changes, returns the tree SHA. Entries may be blob SHAs. */
export async function writeTree(
  gitDir: string,
  baseTree: string | null,
  changes: (TreeChange | { path: string; sha: string; mode?: string })[],
): Promise<string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-index-'));
  const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
  try {
    if (baseTree) await runGit(['--git-dir', gitDir, 'read-tree', baseTree], { env });
    const lines: string[] = [];
    for (const c of changes) {
      const p = safeRepoPath(c.path);
      if ('sha' in c) {
        lines.push(`${c.mode ?? '100644'} ${c.sha}\t${p}`);
      } else if (c.content === null) {
        lines.push(`0 ${'0'.repeat(40)}\t${p}`);
      } else {
        const sha = await hashObject(gitDir, c.content);
        lines.push(`${c.mode ?? '100644'} ${sha}\t${p}`);
      }
    }
    if (lines.length > 0) {
      await runGit(['--git-dir', gitDir, 'update-index', '--add', '--remove', '--index-info'], {
        env,
        input: lines.join('\n') + '\n',
      });
    }
    const r = await runGit(['--git-dir', gitDir, 'write-tree'], { env });
    return r.stdout.trim();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Creates a commit object and returns its SHA (does not move any ref). */
export async function commitTree(
  gitDir: string,
  tree: string,
  parents: string[],
  message: string,
  author: Identity = TERRAFIX_IDENTITY,
  committer: Identity = author,
): Promise<string> {
  const args = ['--git-dir', gitDir, 'commit-tree', tree];
  for (const p of parents) args.push('-p', p);
  const env: Record<string, string> = {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  };
  if (author.date) env.GIT_AUTHOR_DATE = author.date;
  if (committer.date) env.GIT_COMMITTER_DATE = committer.date;
  const r = await runGit(args, { env, input: message });
  return r.stdout.trim();
}

/** SHA of a ref or revision, or null when it does not exist. */
export async function resolveRef(gitDir: string, rev: string): Promise<string | null> {
  const r = await runGit(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`], {
    okCodes: [1, 128],
  });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Moves (or creates) a ref; with `expectOld`, only if it still points there (compare-and-swap). */
export async function updateRef(gitDir: string, ref: string, sha: string, expectOld?: string): Promise<void> {
  const args = ['--git-dir', gitDir, 'update-ref', ref, sha];
  if (expectOld !== undefined) args.push(expectOld);
  await runGit(args);
}

/** Whether `ancestor` is an ancestor of (or equal to) `descendant`. */
export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await runGit(['--git-dir', gitDir, 'merge-base', '--is-ancestor', ancestor, descendant], {
    okCodes: [1],
  });
  return r.code === 0;
}

/** Unified diff between two commits (paths relative to the repository). */
export async function diffCommits(gitDir: string, from: string, to: string): Promise<string> {
  const r = await runGit(['--git-dir', gitDir, 'diff', '--no-color', '--no-ext-diff', from, to]);
  return r.stdout;
}

/** Tree SHA of a commit. */
export async function treeOf(gitDir: string, commit: string): Promise<string> {
  const r = await runGit(['--git-dir', gitDir, 'rev-parse', `${commit}^{tree}`]);
  return r.stdout.trim();
}
