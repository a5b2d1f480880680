/**
 * The environment of every child process TerraFix starts (git, terraform): an allowlist, never the
 * worker's environment minus a few names. The worker holds GITHUB_*, VANTA_*, AWS_*, REDIS_* and
 * TEMPORAL_* secrets; a child gets none of them, only what a tool needs to run on this host, plus
 * the variables the caller sets explicitly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Names a child may inherit from the worker (locale, time zone, temp dir, proxies, CA bundles). */
export const INHERITED_ENV = [
  'PATH',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

/**
 * Builds a child environment: the allowlisted names from `from` (default process.env) plus
 * `extra` (undefined values are dropped). HOME is only what the caller passes.
 */
export function childEnv(
  extra: Record<string, string | undefined> = {},
  from: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of INHERITED_ENV) if (from[k] !== undefined) env[k] = from[k];
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

let emptyHome: string | undefined;

/** An empty directory to use as HOME for tools that must not read the worker's dotfiles. */
export function emptyHomeDir(): string {
  if (!emptyHome || !fs.existsSync(emptyHome)) {
    emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-home-'));
  }
  return emptyHome;
}
