/**
 * Identities derived from a failure: the remediation's workflow id (the business key makes duplicates
 * impossible) and the group key and workflow id of a grouped PR. Pure: safe in workflow code.
 */
import type { PreparedRepo } from '../contracts';

/** Workflow id for a failure key: the business key makes duplicates impossible. */
export function remediationWorkflowId(failureKey: string): string {
  return `remediate/${failureKey}`;
}

/** The group key for a repository and test: one PR per (repository, Terraform root, test). */
export function groupKeyOf(prepared: PreparedRepo, testId: string): string {
  const r = prepared.repo;
  const sub = r.path ? `:${r.path.replace(/^\/+|\/+$/g, '')}` : '';
  return `${r.owner}/${r.name}${sub}/${testId}`;
}

/** Workflow id of a group PR workflow. */
export function groupWorkflowId(groupKey: string): string {
  return `group/${groupKey}`;
}
