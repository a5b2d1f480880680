/**
 * Activity contracts: the typed boundary between workflows and the modules that do the work.
 * Workflows import these as types only; `createActivities(deps)` provides the implementations.
 */
import type {
  Failure,
  GenerateResult,
  Patch,
  PreparedRepo,
  PullRequestResult,
  RecordStatus,
  RemediationRecord,
  Target,
  VerifiedFix,
} from '../contracts';

export interface ClaimInput {
  failureKey: string;
  workflowId: string;
  runId: string;
}

export type ClaimResult = { claimed: true } | { claimed: false; existing: RemediationRecord };

export interface AnalyzeInput {
  failure: Failure;
  prepared: PreparedRepo;
}

export type AnalyzeResult =
  | { status: 'found'; target: Target; candidates: Target[] }
  | { status: 'ambiguous'; target: Target; candidates: Target[] }
  | { status: 'not_found'; reason: string; candidates: Target[] };

export interface GenerateInput {
  failure: Failure;
  prepared: PreparedRepo;
  target: Target;
  engine: 'rules' | 'llm';
  /** Validation errors of the previous attempt (the one LLM repair round). */
  previousErrors?: string[];
  previousPatch?: Patch;
}

export interface ValidateInput {
  failure: Failure;
  prepared: PreparedRepo;
  target: Target;
  generated: Extract<GenerateResult, { status: 'patch' }>;
}

export type ValidateResult = { ok: true; fix: VerifiedFix } | { ok: false; errors: string[] };

export interface OpenPullRequestInput {
  failure: Failure;
  prepared: PreparedRepo;
  target: Target;
  fix: VerifiedFix;
}

export interface RecordInput {
  failureKey: string;
  workflowId: string;
  runId: string;
  status: RecordStatus;
  stage?: string;
  prUrl?: string;
  prNumber?: number;
  repo?: string;
  sha?: string;
  reason?: string;
  /** TTL override in seconds (defaults to STATE_RETENTION_DAYS). */
  ttlSeconds?: number;
}

export type PullRequestState = 'open' | 'merged' | 'closed' | 'missing';

export interface CheckPullRequestInput {
  prepared: PreparedRepo;
  number: number;
}

export interface FailureStillPresentInput {
  failure: Failure;
}

export interface ClosePullRequestInput {
  prepared: PreparedRepo;
  number: number;
  comment: string;
}

/** Grouping (GROUP_BY=test): a member as the group workflow carries it (mirrors GroupMember). */
export interface GroupMemberInput {
  workflowId: string;
  failure: Failure;
  prepared: PreparedRepo;
  target: Target;
  generated: Extract<GenerateResult, { status: 'patch' }>;
}

export interface JoinGroupInput {
  groupKey: string;
  groupWorkflowId: string;
  testId: string;
  /** Task queue of the group workflow (the member's own). */
  taskQueue: string;
  member: GroupMemberInput;
  /** Remediation options handed to the group workflow when this join starts it. */
  options?: Record<string, unknown>;
}

export interface OpenGroupPullRequestInput {
  groupKey: string;
  testId: string;
  /** The base the combined fix is rebuilt on (the newest member's). */
  prepared: PreparedRepo;
  members: GroupMemberInput[];
}

export interface OpenGroupPullRequestResult {
  /** Absent when no member's fix survived (nothing to write). */
  pr?: PullRequestResult;
  included: string[];
  excluded: { failureKey: string; reason: string }[];
}

/** Every activity a TerraFix worker can register. */
export interface TerraFixActivities {
  listFailures(): Promise<Failure[]>;
  /** Keys whose Redis record says a new remediation must not start (open PR, rejected, resolved...). */
  filterSuppressed(keys: string[]): Promise<string[]>;
  /** Counts a poll's outcome in the worker's metrics (seen, started, deduplicated, suppressed). */
  recordPollResult(result: {
    found: number;
    started: number;
    alreadyRunning: number;
    suppressed: number;
    invalid: number;
  }): Promise<void>;
  claim(input: ClaimInput): Promise<ClaimResult>;
  prepare(failure: Failure): Promise<PreparedRepo>;
  analyze(input: AnalyzeInput): Promise<AnalyzeResult>;
  generate(input: GenerateInput): Promise<GenerateResult>;
  validate(input: ValidateInput): Promise<ValidateResult>;
  openPullRequest(input: OpenPullRequestInput): Promise<PullRequestResult>;
  record(input: RecordInput): Promise<void>;
  checkPullRequest(input: CheckPullRequestInput): Promise<PullRequestState>;
  failureStillPresent(input: FailureStillPresentInput): Promise<boolean>;
  closePullRequest(input: ClosePullRequestInput): Promise<void>;
  /** Comments on a stale PR and labels it, so reviewers see it is still waiting. */
  remindPullRequest(input: ClosePullRequestInput): Promise<void>;
  /** Adds a member to its group PR workflow (signalWithStart); idempotent by failure key. */
  joinGroup(input: JoinGroupInput): Promise<void>;
  /** Rebuilds the group's combined fix at the base SHA and creates or updates its one PR. */
  openGroupPullRequest(input: OpenGroupPullRequestInput): Promise<OpenGroupPullRequestResult>;
}

export type ActivityName = keyof TerraFixActivities;

export type { GenerateResult } from '../contracts';
