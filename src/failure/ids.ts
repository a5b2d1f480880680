/**
 * Identities derived from a failure: the remediation's workflow id (the business key makes duplicates
 * impossible), the group key and workflow id of a grouped PR, the repository subdirectory and the
 * failure's display label. Pure: safe in workflow code.
 */
import type { Failure, PreparedRepo } from '../contracts';

/** Workflow id for a failure key: the business key makes duplicates impossible. */
export function remediationWorkflowId(failureKey: string): string {
  return `remediate/${failureKey}`;
}

/** The group key for a repository and test: one PR per (repository, Terraform root, test). */
export function groupKeyOf(prepared: PreparedRepo, testId: string): string {
  const r = prepared.repo;
  const sub = repoSubdir(prepared);
  return `${r.owner}/${r.name}${sub ? `:${sub}` : ''}/${testId}`;
}

/** The repository subdirectory holding the Terraform root ('' for the repository root). */
export function repoSubdir(prepared: PreparedRepo): string {
  return prepared.repo.path ? prepared.repo.path.replace(/^\/+|\/+$/g, '') : '';
}

/** Workflow id of a group PR workflow. */
export function groupWorkflowId(groupKey: string): string {
  return `group/${groupKey}`;
}

/** The resource as people know it: Vanta's display name, else the Terraform address, ARN or key. */
export function failureLabel(failure: Failure, target?: { address: string }): string {
  const r = failure.resource;
  return r.displayName ?? r.terraformAddress ?? target?.address ?? r.arn ?? failure.key;
}
