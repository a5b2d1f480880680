/**
 * The Failure's home: parsing both input shapes, the identities and label derived from a failure, and
 * the repository subdirectory its Terraform lives in. (The Failure type itself is in src/contracts.ts.)
 */
export { normalizeFailure } from './parse';
export { failureLabel, groupKeyOf, groupWorkflowId, remediationWorkflowId, repoSubdir } from './ids';
export { inRepoSubdir, terraformRoot } from './repoPath';
