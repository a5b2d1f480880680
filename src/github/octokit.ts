/**
 * Octokit with throttling (primary and secondary limits, Retry-After honoured), retries of 5xx, and
 * authentication by token or as a GitHub App installation (tokens refreshed by @octokit/auth-app).
 */
import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import { createAppAuth } from '@octokit/auth-app';
import type { Logger } from '../logger';
import { registerSecret } from '../logger';
import { ConfigError, redactSecrets } from '../errors';

export type GitHubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId: string };

export interface OctokitOptions {
  baseUrl: string;
  auth: GitHubAuth;
  logger: Logger;
  /** Multiplier applied to Retry-After seconds (ms); tests pass a small value. Default 1000. */
  retryAfterBaseMs?: number;
  /** Retries of a request hitting a rate limit before giving up (default 4). */
  maxRateLimitRetries?: number;
  /** Minimum spacing of content-creating requests (ms). Default: the plugin's (1 s writes, 3 s notifying). */
  writeSpacingMs?: number;
  userAgent?: string;
}

export const ThrottledOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof ThrottledOctokit>;

/** A minimal Bottleneck.Group look-alike: serial per key with a minimum spacing between jobs. */
function spacedGroup(minTimeMs: number) {
  let tail: Promise<unknown> = Promise.resolve();
  let last = 0;
  const limiter = {
    schedule<T>(...args: unknown[]): Promise<T> {
      const rest = typeof args[0] === 'function' ? args : args.slice(1);
      const fn = rest[0] as (...a: unknown[]) => Promise<T>;
      const run = async () => {
        const wait = last + minTimeMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        last = Date.now();
        return fn(...rest.slice(1));
      };
      const p = tail.then(run, run);
      tail = p.catch(() => undefined);
      return p;
    },
  };
  return { key: () => limiter };
}

/** Creates the client; secrets are registered with the logger so they are masked everywhere. */
export function createGitHubClient(opts: OctokitOptions): GitHubClient {
  const log = opts.logger.child({ component: 'github' });
  const maxRetries = opts.maxRateLimitRetries ?? 4;
  const secrets: string[] = [];
  let auth: unknown;
  let authStrategy: unknown;
  if (opts.auth.kind === 'token') {
    registerSecret(opts.auth.token);
    secrets.push(opts.auth.token);
    auth = opts.auth.token;
  } else {
    registerSecret(opts.auth.privateKey);
    authStrategy = createAppAuth;
    auth = {
      appId: Number(opts.auth.appId),
      privateKey: opts.auth.privateKey,
      installationId: Number(opts.auth.installationId),
    };
  }
  const spacing =
    opts.writeSpacingMs === undefined
      ? {}
      : { write: spacedGroup(opts.writeSpacingMs), notifications: spacedGroup(opts.writeSpacingMs) };
  const clean = (s: string) => redactSecrets(s, secrets);
  return new ThrottledOctokit({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    auth,
    authStrategy,
    userAgent: opts.userAgent ?? 'terrafix',
    log: {
      debug: (m: string) => log.debug(clean(m)),
      info: (m: string) => log.debug(clean(m)),
      warn: (m: string) => log.warn(clean(m)),
      // The request-log plugin reports every non-2xx as an error. 404, 409 and 422 are expected answers
      // here (branch, label and CODEOWNERS lookups; a ref or label created concurrently), so they stay at
      // debug; other statuses are warnings, because the caller decides what is an error (and retries).
      error: (m: string) => (isExpectedStatusLine(m) ? log.debug(clean(m)) : log.warn(clean(m))),
    },
    retry: { retryAfterBaseValue: opts.retryAfterBaseMs ?? 1000 },
    throttle: {
      retryAfterBaseValue: opts.retryAfterBaseMs ?? 1000,
      ...spacing,
      onRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn(
          { retryAfter, method: options.method, url: options.url, retryCount },
          'GitHub rate limit hit',
        );
        return retryCount < maxRetries;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn(
          { retryAfter, method: options.method, url: options.url, retryCount },
          'GitHub secondary rate limit hit',
        );
        return retryCount < maxRetries;
      },
    },
  });
}

/** GitHub authentication from config: an App when GITHUB_APP_ID is set, else GITHUB_TOKEN. */
export function authFromConfig(c: {
  GITHUB_TOKEN?: string;
  GITHUB_APP_ID?: string;
  GITHUB_APP_PRIVATE_KEY?: string;
  GITHUB_APP_INSTALLATION_ID?: string;
}): GitHubAuth {
  if (c.GITHUB_APP_ID) {
    if (!c.GITHUB_APP_PRIVATE_KEY || !c.GITHUB_APP_INSTALLATION_ID) {
      throw new ConfigError(
        'invalid configuration:\n  GITHUB_APP_INSTALLATION_ID: is required with GITHUB_APP_ID (and GITHUB_APP_PRIVATE_KEY)',
      );
    }
    return {
      kind: 'app',
      appId: c.GITHUB_APP_ID,
      privateKey: c.GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, '\n'),
      installationId: c.GITHUB_APP_INSTALLATION_ID,
    };
  }
  if (c.GITHUB_TOKEN) return { kind: 'token', token: c.GITHUB_TOKEN };
  throw new ConfigError(
    'invalid configuration:\n  GITHUB_TOKEN: is required (or GITHUB_APP_ID with a private key) when CODE_HOST=github',
  );
}

/** The token git should use right now (installation tokens are cached and refreshed by auth-app). */
export async function currentToken(client: GitHubClient): Promise<string> {
  const a = (await client.auth({ type: 'installation' })) as { token: string };
  registerSecret(a.token);
  return a.token;
}

/** True for request-log lines such as `GET /x - 404 with id ABC in 12ms` with an expected status. */
export function isExpectedStatusLine(line: string): boolean {
  const m = / - (\d{3})(?: with id \S+)? in \d+ms$/.exec(line);
  return m !== null && ['404', '409', '422'].includes(m[1]!);
}
