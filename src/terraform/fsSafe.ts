/**
 * Filesystem guards for repository paths: nothing TerraFix writes may go through a symbolic link or
 * land outside the repository root. Every component of the destination below the root is checked
 * with lstat (a symlink anywhere is refused) and the real path of the deepest existing ancestor must
 * lie inside the real path of the root. Writes go to a fresh temporary file that is renamed over the
 * destination, so the final directory entry is replaced, never written through.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FixRejectedError } from '../errors';

const isInside = (root: string, p: string): boolean => p === root || p.startsWith(root + path.sep);

const errCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** The real path of a repository root (its own symlinks, e.g. /tmp on macOS, are allowed). */
export async function realRoot(root: string): Promise<string> {
  return fs.realpath(path.resolve(root));
}

/** The checked location of a repository-relative path: its absolute path and its stat when it exists. */
export interface RepoPath {
  abs: string;
  rel: string;
  stat: Stats | null;
}

/**
 * Checks that `rel` names a regular file (or a file to be created) inside `root` that is reached
 * without following any symbolic link; throws FixRejectedError naming the path and the reason.
 */
export async function checkRepoPath(root: string, rel: string): Promise<RepoPath> {
  const refuse = (why: string): never => {
    throw new FixRejectedError(`refusing to write ${rel}: ${why}`);
  };
  const norm = path.posix.normalize(rel.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (
    !norm ||
    norm === '.' ||
    norm === '..' ||
    norm.startsWith('../') ||
    path.posix.isAbsolute(norm) ||
    path.isAbsolute(rel) ||
    /^[A-Za-z]:/.test(norm)
  )
    refuse('the path is outside the repository');
  let base: string;
  try {
    base = await realRoot(root);
  } catch (err) {
    return refuse(`the repository root ${root} cannot be resolved (${errCode(err) ?? String(err)})`);
  }
  const segs = norm.split('/').filter((s) => s !== '' && s !== '.');
  let cur = base;
  let stat: Stats | null = null;
  let existing = base;
  for (let i = 0; i < segs.length; i++) {
    cur = path.join(cur, segs[i]);
    const shown = segs.slice(0, i + 1).join('/');
    let st: Stats;
    try {
      st = await fs.lstat(cur);
    } catch (err) {
      if (errCode(err) === 'ENOENT') break; // the rest does not exist yet: it will be created
      return refuse(`${shown} cannot be inspected (${errCode(err) ?? String(err)})`);
    }
    if (st.isSymbolicLink()) {
      const to = await fs.readlink(cur).catch(() => '?');
      const real = await fs.realpath(cur).catch(() => null);
      refuse(
        `${shown} is a symbolic link (to ${to}${real && !isInside(base, real) ? ', outside the repository' : ''}); TerraFix never writes through symbolic links`,
      );
    }
    const last = i === segs.length - 1;
    if (!last && !st.isDirectory()) refuse(`${shown} is not a directory`);
    if (last && !st.isFile()) refuse(`${shown} is not a regular file`);
    existing = cur;
    if (last) stat = st;
  }
  // Belt and braces: the deepest existing ancestor really is inside the repository.
  const real = await fs.realpath(existing).catch(() => null);
  if (!real || !isInside(base, real)) refuse('the path resolves outside the repository');
  return { abs: path.join(base, ...segs), rel: norm, stat };
}

/**
 * Writes `content` to the repository-relative path `rel` under `root` after checkRepoPath: missing
 * parent directories are created, and the file is replaced by renaming a fresh temporary file, so
 * a symbolic link swapped in at the last moment is replaced rather than followed.
 */
export async function writeRepoFile(root: string, rel: string, content: string): Promise<string> {
  const { abs, stat } = await checkRepoPath(root, rel);
  const dir = path.dirname(abs);
  await fs.mkdir(dir, { recursive: true });
  // Re-check after creating directories (nothing below the root may have become a link meanwhile).
  await checkRepoPath(root, rel);
  const tmp = path.join(dir, `.${path.basename(abs)}.terrafix-${randomBytes(6).toString('hex')}.tmp`);
  try {
    // "wx": O_CREAT | O_EXCL, so an existing entry (link or not) at the temporary name is never opened.
    await fs.writeFile(tmp, content, { flag: 'wx', mode: stat ? stat.mode & 0o777 : 0o644 });
    await fs.rename(tmp, abs);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return abs;
}
