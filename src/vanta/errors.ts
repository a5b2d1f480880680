/**
 * Vanta-specific errors. All are retryable by Temporal (their kinds are in ERROR_KINDS,
 * src/errors.ts); permanent problems use PermanentApiError / ApiShapeError from src/errors.
 */
import { PermanentApiError, TerraFixError } from '../errors';

/** Vanta kept answering 401 after one coordinated token refresh (credentials revoked elsewhere?). */
export class VantaAuthError extends TerraFixError {}

/** Vanta kept answering 429 / 5xx / network errors after the bounded retries. */
export class VantaUnavailableError extends TerraFixError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The shared request budget (or the token endpoint's 5/min) did not free up in time. */
export class RequestBudgetExhaustedError extends TerraFixError {}

/**
 * A permanent (4xx) answer with its HTTP status. Its `name` stays "PermanentApiError" so Temporal
 * treats it as non-retryable like any other PermanentApiError.
 */
export class VantaHttpError extends PermanentApiError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'PermanentApiError';
  }
}
