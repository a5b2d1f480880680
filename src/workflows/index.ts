/** Workflow entry point for the worker bundle. */
export { pollFailuresWorkflow } from './pollFailures';
export { remediateFailureWorkflow } from './remediateFailure';
export { groupPullRequestWorkflow } from './groupPullRequest';
