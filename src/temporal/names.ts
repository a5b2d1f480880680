/**
 * Names shared by workflows and the activities that signal or start them. Plain constants: safe to
 * import from workflow code and from activities without importing workflow modules.
 */

/** Workflow type name of the group PR workflow (src/workflows/groupPullRequest.ts). */
export const GROUP_WORKFLOW_TYPE = 'groupPullRequestWorkflow';

/** Signal a remediation sends to join its group PR workflow. */
export const GROUP_JOIN_SIGNAL = 'groupJoin';
