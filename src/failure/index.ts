/** The Failure's home: parsing both input shapes and the identities derived from a failure. */
export { normalizeFailure } from './parse';
export { groupKeyOf, groupWorkflowId, remediationWorkflowId } from './ids';
