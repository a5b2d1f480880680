/**
 * Error classes shared by all modules. Each sets `name`, which Temporal uses as the failure type:
 * the names in NON_RETRYABLE_ERROR_TYPES end a workflow stage at once instead of retrying it.
 */

/** Base class: an error TerraFix raised on purpose, with a stable name. */
export class TerraFixError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
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

/** Failure types that Temporal must not retry. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'ConfigError',
  'InvalidFailureError',
  'ResourceNotFoundError',
  'RepoNotMappedError',
  'FixRejectedError',
  'NoFixAvailableError',
  'StageNotImplementedError',
  'PermanentApiError',
  'ApiShapeError',
];

/**
 * Errors that mean the deployment is misconfigured rather than the failure being unfixable: each
 * maps to the fix an operator should make. Their record is short-lived (CONFIG_ERROR_RETRY_MINUTES)
 * so the remediation runs again soon after the configuration is corrected.
 */
export const CONFIG_ERROR_HINTS: Record<string, string> = {
  ConfigError: 'correct the variable named in the message and restart the worker',
  RepoNotMappedError: 'add the account or resource to GITHUB_REPO_MAPPING',
  StageNotImplementedError:
    'configure the module this stage needs (Vanta: VANTA_CLIENT_ID/VANTA_CLIENT_SECRET; code host: GITHUB_TOKEN, GITHUB_APP_* or CODE_HOST=local) on the workers that serve it',
  VantaAuthError: 'check VANTA_CLIENT_ID/VANTA_CLIENT_SECRET (or VANTA_API_TOKEN) and the OAuth scope',
  GitHubAuthError:
    'check GITHUB_TOKEN (or the GitHub App id, key and installation) and its access to the repository',
};

/** Error type names that are configuration errors (see CONFIG_ERROR_HINTS). */
export const CONFIG_ERROR_TYPES = Object.keys(CONFIG_ERROR_HINTS);

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
