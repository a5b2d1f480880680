/** The one error taxonomy: every error class is in ERROR_KINDS, and the workflow lists derive from it. */
import fs from 'node:fs';
import path from 'node:path';
import {
  CAPACITY_ERROR_TYPES,
  CONFIG_ERROR_HINTS,
  ERROR_KINDS,
  NON_RETRYABLE_ERROR_TYPES,
  OUTCOME_BY_ERROR_TYPE,
  RepoNotMappedError,
  ResourceNotFoundError,
} from '../../src/errors';
import { GitHubAuthError } from '../../src/github/errors';
import { PrLimitReachedError } from '../../src/pullRequests/errors';
import { VantaHttpError } from '../../src/vanta/errors';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'sandbox' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

it('lists every error class of src/ (a new class without a kind fails here)', () => {
  const classes = new Map<string, string>();
  for (const f of sourceFiles(path.join(__dirname, '..', '..', 'src'))) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/export class (\w+Error) extends (\w+)/g))
      classes.set(m[1]!, m[2]!);
  }
  expect(classes.size).toBeGreaterThan(15);
  // VantaHttpError reports itself as PermanentApiError (its `name`), so it needs no entry of its own.
  const missing = [...classes.keys()].filter(
    (c) => !(c in ERROR_KINDS) && c !== 'VantaHttpError' && c !== 'TerraFixError',
  );
  expect(missing).toEqual([]);
});

it('derives the non-retryable, configuration, outcome and capacity lists', () => {
  expect(NON_RETRYABLE_ERROR_TYPES).toEqual(
    expect.arrayContaining([
      'ConfigError',
      'InvalidFailureError',
      'ResourceNotFoundError',
      'RepoNotMappedError',
      'FixRejectedError',
      'NoFixAvailableError',
      'StageNotImplementedError',
      'PermanentApiError',
      'ApiShapeError',
    ]),
  );
  expect(NON_RETRYABLE_ERROR_TYPES).not.toContain('PrLimitReachedError');
  expect(NON_RETRYABLE_ERROR_TYPES).not.toContain('GitHubAuthError');
  expect(Object.keys(CONFIG_ERROR_HINTS).sort()).toEqual(
    [
      'ConfigError',
      'GitHubAuthError',
      'RepoNotMappedError',
      'StageNotImplementedError',
      'VantaAuthError',
    ].sort(),
  );
  expect(OUTCOME_BY_ERROR_TYPE).toEqual({
    ResourceNotFoundError: 'not_found',
    FixRejectedError: 'fix_rejected',
    NoFixAvailableError: 'no_fix',
  });
  expect(CAPACITY_ERROR_TYPES).toEqual(['PrLimitReachedError']);
});

it('gives every error its retryable flag and outcome', () => {
  expect(new ResourceNotFoundError('x')).toMatchObject({ retryable: false, outcome: 'not_found' });
  expect(new RepoNotMappedError('x')).toMatchObject({ retryable: false, outcome: 'failed' });
  expect(new GitHubAuthError('x')).toMatchObject({ retryable: true, outcome: 'failed' });
  expect(new PrLimitReachedError('x', 'hourly').retryable).toBe(true);
  expect(new VantaHttpError('x', 404)).toMatchObject({ name: 'PermanentApiError', retryable: false });
});
