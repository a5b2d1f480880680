/** Shared helpers for the Terraform engine tests. */
import path from 'node:path';
import type { Failure, FailureResource, Patch, PatchEdit } from '../../src/contracts';

export const fixture = (name: string): string => path.join(__dirname, '..', 'fixtures', 'terraform', name);

export function failure(
  resource: FailureResource,
  testId = 'test-id',
  extra: Partial<Failure> = {},
): Failure {
  return { key: `k:${testId}`, source: 'file', testId, resource, ...extra };
}

export function patch(edits: PatchEdit[], extra: Partial<Patch> = {}): Patch {
  return {
    edits,
    explanation: 'test',
    changedAttributes: [],
    confidence: 'high',
    breakingChanges: [],
    additionalRequirements: [],
    ...extra,
  };
}
