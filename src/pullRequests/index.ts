/**
 * The pull-request module's public surface: the CodeHost interface the activities use, the PR
 * policy settings, the port a code host implements and the policy written once over it.
 */
export type {
  CodeHost,
  HeartbeatOption,
  OpenPullRequestRequest,
  PullRequestPolicy,
  PullRequestState,
} from './codeHost';
export { policyFromConfig } from './codeHost';
export type {
  CodeHostPort,
  CommitInfo,
  FileContent,
  LabelSpec,
  NewPull,
  PullInfo,
  RepositoryAccess,
  ReviewerRequest,
} from './port';
export {
  PullRequests,
  STALE_LABEL,
  commentMarker,
  isTerraFixCommit,
  type PullRequestsOptions,
} from './policy';
export { PrLimitReachedError } from './errors';
export { branchName, prBody, prTitle, prLabels, parseFailureMarker } from './content';
