/**
 * Terraform engine public API: index a repository, resolve values, locate a failure's resource,
 * find related blocks, apply block-level patches (formatted), validate a candidate change.
 * No Temporal imports. Offsets are UTF-16 code-unit offsets (see types.ts).
 */
export * from './types';
export {
  indexRepository,
  overlayIndex,
  indexWithContext,
  indexTextBytes,
  attributeValue,
  resolveExpression,
  setResolutionContext,
  scopeForInstance,
  keySuffix,
} from './indexer';
export { evaluate, collectRefs, valueToString } from './resolve';
export { getParser, parseHcl, MAX_HCL_NESTING, MAX_HCL_FILE_BYTES } from './parser';
export {
  locate,
  findBlock,
  relatedBlocks,
  blocksReferring,
  isRefTo,
  blockRefs,
  stripKeys,
  moduleLocalAddress,
  arnContext,
} from './locate';
export { applyPatch, safeRelPath, indentUnit } from './edit';
export { checkRepoPath, writeRepoFile, realRoot, type RepoPath } from './fsSafe';
export { formatBlockText, findTerraform } from './format';
export {
  arnToTerraform,
  parseArn,
  responseTypeToTerraform,
  accountLevelType,
  ARN_RULES,
  CFN_TYPES,
} from './awsTypes';
export { validateChange } from './validate';
