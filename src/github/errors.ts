/**
 * Errors of the GitHub module. All are retryable (their kinds are in ERROR_KINDS, src/errors.ts): Temporal retries them
 * (a PR limit waits durably for capacity, a git failure is usually transient).
 */
import { TerraFixError } from '../errors';

/** A git command failed; the message carries redacted stderr. */
export class GitCommandError extends TerraFixError {
  constructor(
    message: string,
    readonly exitCode?: number,
  ) {
    super(message);
  }
}

/**
 * prConcurrentLimit or prHourlyLimit is reached for a repository. Retryable on purpose: the
 * activity's retry policy turns it into a durable wait until capacity frees up.
 */
export class PrLimitReachedError extends TerraFixError {
  constructor(
    message: string,
    readonly limit: 'concurrent' | 'hourly',
  ) {
    super(message);
  }
}

/**
 * GitHub refused the credentials (401). Retryable (an App installation token may be refreshed), and
 * a configuration error once retries are exhausted: the record is short-lived and the log names the fix.
 */
export class GitHubAuthError extends TerraFixError {}
