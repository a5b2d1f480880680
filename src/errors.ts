/**
 * Error classes shared by all modules and the one taxonomy of every TerraFix error (ERROR_KINDS). Each
 * class sets `name`, which Temporal uses as the failure type; the lists the workflows and Temporal's
 * retry policies need are derived from ERROR_KINDS.
 */

/** Base class: an error TerraFix raised on purpose, with a stable name and its kind (ERROR_KINDS). */
export class TerraFixError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Whether Temporal retries it. */
  get retryable(): boolean {
    return ERROR_KINDS[this.name]?.retryable ?? true;
  }

  /** The remediation outcome it ends in. */
  get outcome(): 'not_found' | 'fix_rejected' | 'no_fix' | 'failed' {
    return ERROR_KINDS[this.name]?.outcome ?? 'failed';
  }
}

/** Malformed configuration (names the variables and what was expected). */
export class ConfigError extends TerraFixError {}
/** A CLI argument or option that is not valid (checked before any connection is made). */
export class InvalidArgumentError extends TerraFixError {}
/** A failure payload that is not a valid Failure. */
export class InvalidFailureError extends TerraFixError {}
/** The failing resource could not be found in the repository. */
export class ResourceNotFoundError extends TerraFixError {}
/** No repository is mapped for a failure. */
export class RepoNotMappedError extends TerraFixError {}
/** A generated fix failed validation or guardrails. */
export class FixRejectedError extends TerraFixError {}
/**
 * A model answer put a redaction placeholder somewhere other than the attribute it was taken from
 * (or invented one): invalid LLM output, so the answer is discarded and nothing is committed.
 */
export class PlaceholderMisuseError extends TerraFixError {}
/** No rule matches and no LLM is configured. */
export class NoFixAvailableError extends TerraFixError {}
/** A stage has no implementation wired in this worker. */
export class StageNotImplementedError extends TerraFixError {}
/** An external API answered with a permanent error (4xx other than 401/429). */
export class PermanentApiError extends TerraFixError {}
/** An external API answered with a shape we did not expect. */
export class ApiShapeError extends TerraFixError {}

/** How TerraFix treats an error, by its type name (the `name` Temporal reports as the failure type). */
export interface ErrorKind {
  /** Temporal retries it with the stage's retry policy. */
  retryable: boolean;
  /** The remediation outcome it ends in (default `failed`). */
  outcome?: 'not_found' | 'fix_rejected' | 'no_fix';
  /** A configuration error: the fix an operator should make (short record, error log, metric). */
  configHint?: string;
  /** The PR limits refused a new PR: the workflow waits on a durable timer and tries again. */
  waitsForCapacity?: boolean;
}

/**
 * The one error taxonomy. Every TerraFix error type is listed here (classes live in their modules,
 * e.g. src/github/errors.ts); the lists Temporal and the workflows need are derived from it. Plain
 * data, so workflow code can import it. A type not listed is retryable and ends as `failed`.
 */
export const ERROR_KINDS: Record<string, ErrorKind> = {
  ConfigError: {
    retryable: false,
    configHint: 'correct the variable named in the message and restart the worker',
  },
  InvalidArgumentError: { retryable: false },
  InvalidFailureError: { retryable: false },
  ResourceNotFoundError: { retryable: false, outcome: 'not_found' },
  RepoNotMappedError: { retryable: false, configHint: 'add the account or resource to GITHUB_REPO_MAPPING' },
  FixRejectedError: { retryable: false, outcome: 'fix_rejected' },
  PlaceholderMisuseError: { retryable: true },
  NoFixAvailableError: { retryable: false, outcome: 'no_fix' },
  StageNotImplementedError: {
    retryable: false,
    configHint:
      'configure the module this stage needs (Vanta: VANTA_CLIENT_ID/VANTA_CLIENT_SECRET; code host: GITHUB_TOKEN, GITHUB_APP_* or CODE_HOST=local) on the workers that serve it',
  },
  PermanentApiError: { retryable: false },
  ApiShapeError: { retryable: false },
  VantaAuthError: {
    retryable: true,
    configHint: 'check VANTA_CLIENT_ID/VANTA_CLIENT_SECRET (or VANTA_API_TOKEN) and the OAuth scope',
  },
  VantaUnavailableError: { retryable: true },
  RequestBudgetExhaustedError: { retryable: true },
  GitHubAuthError: {
    retryable: true,
    configHint:
      'check GITHUB_TOKEN (or the GitHub App id, key and installation) and its access to the repository',
  },
  GitHubApiError: { retryable: true },
  GitCommandError: { retryable: true },
  PrLimitReachedError: { retryable: true, waitsForCapacity: true },
  LlmThrottledError: { retryable: true },
  // Retried today like any unlisted error, although Bedrock's validation and access errors are permanent.
  LlmRequestError: { retryable: true },
  TemporalUnreachableError: { retryable: true },
};

const kinds = Object.entries(ERROR_KINDS);

/** Failure types that Temporal must not retry (derived from ERROR_KINDS). */
export const NON_RETRYABLE_ERROR_TYPES: string[] = kinds.filter(([, k]) => !k.retryable).map(([n]) => n);

/** Fix hints of the configuration errors (derived from ERROR_KINDS). */
export const CONFIG_ERROR_HINTS: Record<string, string> = Object.fromEntries(
  kinds.filter(([, k]) => k.configHint).map(([n, k]) => [n, k.configHint!]),
);

/** Error type names that are configuration errors (see CONFIG_ERROR_HINTS). */
export const CONFIG_ERROR_TYPES = Object.keys(CONFIG_ERROR_HINTS);

/** Outcome by error type (derived from ERROR_KINDS). */
export const OUTCOME_BY_ERROR_TYPE: Record<string, 'not_found' | 'fix_rejected' | 'no_fix'> =
  Object.fromEntries(kinds.filter(([, k]) => k.outcome).map(([n, k]) => [n, k.outcome!]));

/** Error types that mean "wait for PR capacity, then try again" (derived from ERROR_KINDS). */
export const CAPACITY_ERROR_TYPES: string[] = kinds.filter(([, k]) => k.waitsForCapacity).map(([n]) => n);

/** Replaces every occurrence of the given secrets (and common token shapes) in a text. */
export function redactSecrets(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  return out
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '***')
    .replace(/(authorization:\s*(?:bearer|token|basic)\s+)[^\s"']+/gi, '$1***')
    .replace(/(https?:\/\/)[^/@\s:]+:[^/@\s]+@/g, '$1***@');
}
