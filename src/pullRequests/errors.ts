/** Errors of the PR policy (their kinds are in ERROR_KINDS, src/errors.ts). */
import { TerraFixError } from '../errors';

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
