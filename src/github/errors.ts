/**
 * Errors of the GitHub module. All are retryable (their kinds are in ERROR_KINDS, src/errors.ts): Temporal
 * retries them (a git failure is usually transient).
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
 * GitHub refused the credentials (401). Retryable (an App installation token may be refreshed), and
 * a configuration error once retries are exhausted: the record is short-lived and the log names the fix.
 */
export class GitHubAuthError extends TerraFixError {}

/** A transient GitHub API error (5xx, 401, 403 without rate-limit info): Temporal retries it. */
export class GitHubApiError extends TerraFixError {}
