/** Repository-relative paths from untrusted input (fixes, emulator requests): normalised, or refused. */
import path from 'node:path';

/** Normalises a repository-relative path and refuses escapes (`..`, absolute paths, .git). */
export function safeRepoPath(p: string): string {
  const norm = path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (
    !norm ||
    norm.startsWith('/') ||
    norm === '..' ||
    norm.startsWith('../') ||
    norm.split('/').some((s) => s === '.git' || s === '..')
  ) {
    throw new Error(`refusing unsafe repository path: ${JSON.stringify(p)}`);
  }
  return norm;
}
