/**
 * The one place that knows a mapping may name a subdirectory ("owner/name:subdir"): the Terraform
 * root inside a checkout, and a fix's paths from that root back to the repository root.
 */
import path from 'node:path';
import type { PreparedRepo, VerifiedFix } from '../contracts';
import { repoSubdir } from './ids';

/** The Terraform root inside a checkout; refuses a subdirectory that points outside it. */
export function terraformRoot(checkout: string, prepared: PreparedRepo): string {
  const sub = repoSubdir(prepared);
  const root = path.resolve(checkout, sub);
  if (root !== checkout && !root.startsWith(checkout + path.sep)) {
    throw new Error(`repository path "${sub}" points outside the checkout`);
  }
  return root;
}

/** A fix's file paths from the Terraform root to the repository root. */
export function inRepoSubdir(prepared: PreparedRepo, fix: VerifiedFix): VerifiedFix {
  const sub = repoSubdir(prepared);
  if (!sub) return fix;
  return { ...fix, files: fix.files.map((f) => ({ ...f, path: path.posix.join(sub, f.path) })) };
}
