/**
 * The inputs and results of the activities (plain JSON through Temporal histories). Workflows import
 * these, and `TerraFixActivities` (the type of what `createActivities` returns), as types only.
 */
import type { createActivities } from './index';
import type {
  Failure,
  GroupMember,
  Patch,
  PreparedRepo,
  PatchResult,
  PullRequestResult,
  RecordWrite,
  Target,
  VerifiedFix,
  VerifyResult,
} from '../contracts';

export type { ClaimInput, ClaimResult } from './records';

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
  generated: PatchResult;
}

export type ValidateResult = VerifyResult;

export interface OpenPullRequestInput {
  failure: Failure;
  prepared: PreparedRepo;
  target: Target;
  fix: VerifiedFix;
}

/** A record write (the record activity's input). */
export type RecordInput = RecordWrite;

export type { PullRequestState } from '../contracts';

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

export interface JoinGroupInput {
  groupKey: string;
  groupWorkflowId: string;
  testId: string;
  /** Task queue of the group workflow (the member's own). */
  taskQueue: string;
  member: GroupMember;
  /** Remediation options handed to the group workflow when this join starts it. */
  options?: Record<string, unknown>;
}

export interface OpenGroupPullRequestInput {
  groupKey: string;
  testId: string;
  /** The base the combined fix is rebuilt on (the newest member's). */
  prepared: PreparedRepo;
  members: GroupMember[];
}

export interface OpenGroupPullRequestResult {
  /** Absent when no member's fix survived (nothing to write). */
  pr?: PullRequestResult;
  included: string[];
  excluded: { failureKey: string; reason: string }[];
}

/** Every activity a TerraFix worker registers: the type of what `createActivities` returns. */
export type TerraFixActivities = ReturnType<typeof createActivities>;

export type ActivityName = keyof TerraFixActivities;

export type { GenerateResult } from '../contracts';
