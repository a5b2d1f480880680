/** remediateFailureWorkflow lives in src/workflows/remediate/ (the spine in index.ts, one module per step). */
export { remediateFailureWorkflow, remediationStartMetadata } from './remediate';
