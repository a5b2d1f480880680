/** groupPullRequestWorkflow lives in src/workflows/group/ (the spine in index.ts, state, writing, following). */
export { groupPullRequestWorkflow } from './group';
