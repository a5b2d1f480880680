/**
 * Contracts shared by every module (docs/architecture.md): Failure, Target, Patch, VerifiedFix and the
 * remediation record. Plain data only: these values travel through Temporal histories as JSON.
 */

export type { Failure, FailureResource, Severity } from './failure/types';
import type { Failure } from './failure/types';

/** Where a failing resource lives in the repository. */
export interface Target {
  /** Path relative to the repository root. */
  file: string;
  /** Full Terraform address, e.g. module.storage.aws_s3_bucket.this["logs"]. */
  address: string;
  /** Resource type (e.g. aws_s3_bucket), or "" for account-level placement targets. */
  resourceType: string;
  /** Module directory relative to the repository root ("" for the root module). */
  moduleDir: string;
  startByte: number;
  endByte: number;
  startLine: number;
  endLine: number;
  matchedBy: MatchKind;
  confidence: number;
  /** Addresses of blocks that reference or configure this one. */
  related: string[];
  /** True when the resource does not exist yet and a fix should add it (account-level controls). */
  placeholder?: boolean;
  /**
   * Set when the resource is created inside a registry module (e.g. terraform-aws-modules/s3-bucket/aws):
   * `address` and the byte range are the module call's, `resourceType` the type the module creates, and
   * a fix sets the module's inputs, never a vendored copy of the module.
   */
  module?: ModuleTarget;
}

/** A resource created inside a registry module, reached through the module call's inputs. */
export interface ModuleTarget {
  /** The module call's `source`, e.g. "terraform-aws-modules/s3-bucket/aws". */
  source: string;
  /** Key of the module in the registry-module table, e.g. "s3-bucket", "rds", "security-group". */
  kind: string;
  /** The input that names the resource (`bucket`, `name`, `identifier`). */
  nameInput: string;
}

export type MatchKind =
  | 'address'
  | 'file'
  | 'arn'
  | 'display_name'
  | 'resolved_name'
  /** The name expression had parts unknown offline (account id, random suffix...) matched as typed wildcards. */
  | 'pattern'
  /** The name is a registry module call's input (the module creates the resource). */
  | 'module_input'
  | 'tag'
  | 'label'
  | 'account_level';

export type Confidence = 'high' | 'medium' | 'low';

/** One edit of a patch. Whole-file rewrites are not a patch. */
export type PatchEdit =
  | { kind: 'replace_block'; file: string; address: string; text: string }
  | { kind: 'insert_after'; file: string; afterAddress: string | null; text: string }
  | { kind: 'set_attribute'; file: string; address: string; path: string[]; value: string }
  | { kind: 'add_nested_block'; file: string; address: string; path: string[]; text: string }
  | { kind: 'remove_nested_block'; file: string; address: string; path: string[]; index?: number }
  /** Deletes a whole resource block; only a rule may, only its target, listed in Patch.removes. */
  | { kind: 'remove_block'; file: string; address: string };

/** What merging a fix costs the team beyond the change itself, shown as a callout in the PR. */
export interface Impact {
  cost?: string;
  downtime?: string;
  /** The resource is replaced (destroyed and re-created). */
  replacement?: string;
  /** The resource is deleted (destroyed and not re-created). */
  removal?: string;
}

export interface Patch {
  /** Structured impact (cost, downtime, replacement) of merging the fix. */
  impact?: Impact;
  edits: PatchEdit[];
  explanation: string;
  changedAttributes: string[];
  confidence: Confidence;
  breakingChanges: string[];
  additionalRequirements: string[];
  /** Addresses the patch is allowed to remove or rename (normally none). */
  removes?: string[];
  /**
   * Why the fix needs a careful review although it verifies: a rule's prerequisite was only partly met
   * and the fix supplies the rest (e.g. adds the HTTPS listener a redirect needs). The PR is a draft.
   */
  reviewReasons?: string[];
}

export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite?: number;
}

export interface ValidationIssue {
  file: string;
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

/** A fix that was applied in a scratch copy and proven valid. */
export interface VerifiedFix {
  engine: 'rule' | 'llm';
  ruleId?: string;
  modelId?: string;
  files: { path: string; content: string }[];
  diff: string;
  explanation: string;
  changedAttributes: string[];
  confidence: Confidence;
  breakingChanges: string[];
  additionalRequirements: string[];
  warnings: string[];
  /** Lines of the repository or Vanta text that address an AI assistant (see src/security/injection). */
  promptInjection?: { source: string; line: number; excerpt: string }[];
  validation: { ran: string[]; skipped: string[] };
  tokens: TokenUsage | null;
  /** Structured impact of merging the fix (from the patch). */
  impact?: Impact;
  /** Why this fix needs a careful review (e.g. a rule's prerequisites are only partly met): a draft PR. */
  reviewReasons?: string[];
}

/** Where a failure's Terraform lives. */
export interface RepoRef {
  owner: string;
  name: string;
  /** Optional subdirectory of the repository holding the Terraform root. */
  path?: string;
}

export interface PreparedRepo {
  repo: RepoRef;
  defaultBranch: string;
  baseSha: string;
  cloneUrl: string;
}

export type RecordStatus =
  | 'in_progress'
  | 'pr_open'
  | 'already_compliant'
  | 'not_found'
  | 'no_fix'
  | 'fix_rejected'
  | 'rejected'
  | 'resolved'
  | 'resolved_elsewhere'
  | 'stale'
  | 'failed';

/** The cross-run record kept in Redis for each failure key. */
export interface RemediationRecord {
  failureKey: string;
  status: RecordStatus;
  workflowId: string;
  runId: string;
  stage?: string;
  prUrl?: string;
  prNumber?: number;
  repo?: string;
  sha?: string;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

/** A write of a failure's record: the record without its timestamps, and an optional TTL in seconds. */
export type RecordWrite = Omit<RemediationRecord, 'createdAt' | 'updatedAt'> & {
  /** TTL override in seconds (defaults to STATE_RETENTION_DAYS). */
  ttlSeconds?: number;
};

/** What one poll saw and did (the poll workflow's result and the worker's poll metrics). */
export interface PollResult {
  found: number;
  started: number;
  alreadyRunning: number;
  suppressed: number;
  invalid: number;
}

/** A PR's state as the code host reports it (`missing`: deleted, or never existed). */
export type PullRequestState = 'open' | 'merged' | 'closed' | 'missing';

export interface PullRequestResult {
  action: 'created' | 'updated' | 'unchanged' | 'rejected_by_reviewer';
  url?: string;
  number?: number;
  branch: string;
}

/** What the generate stage answers: a patch from a rule or the LLM, or why there is none. */
export type GenerateResult =
  | {
      status: 'patch';
      engine: 'rule' | 'llm';
      ruleId?: string;
      modelId?: string;
      patch: Patch;
      tokens: TokenUsage | null;
    }
  | { status: 'already_compliant'; ruleId: string; reason: string }
  | { status: 'no_rule'; reason: string }
  | { status: 'no_fix'; reason: string };

/** A patch from a rule or the LLM (the `patch` case of GenerateResult). */
export type PatchResult = Extract<GenerateResult, { status: 'patch' }>;

/** What verifying a patch answers: the verified fix, or why it was rejected. */
export type VerifyResult = { ok: true; fix: VerifiedFix } | { ok: false; errors: string[] };

/** A remediation that joined a group PR (GROUP_BY=test): everything needed to rebuild its fix at a newer base. */
export interface GroupMember {
  workflowId: string;
  failure: Failure;
  prepared: PreparedRepo;
  target: Target;
  generated: PatchResult;
}
