/**
 * Names shared by workflows and clients: queries, signals, search attribute keys and the
 * workflow input/output shapes. Safe to import from workflow code (no Node APIs).
 */
import { defineSearchAttributeKey, SearchAttributeType, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
export { groupKeyOf, groupWorkflowId, remediationWorkflowId } from '../failure/ids';
import { GROUP_JOIN_SIGNAL } from '../temporal/names';
import type { Failure, GroupMember, PullRequestResult, RecordStatus, RecordWrite } from '../contracts';

export const SA = {
  failureKey: defineSearchAttributeKey('TerraFixFailureKey', SearchAttributeType.KEYWORD),
  testId: defineSearchAttributeKey('TerraFixTestId', SearchAttributeType.KEYWORD),
  ruleId: defineSearchAttributeKey('TerraFixRuleId', SearchAttributeType.KEYWORD),
  repo: defineSearchAttributeKey('TerraFixRepo', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('TerraFixStage', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('TerraFixOutcome', SearchAttributeType.KEYWORD),
  severity: defineSearchAttributeKey('TerraFixSeverity', SearchAttributeType.KEYWORD),
  prUrl: defineSearchAttributeKey('TerraFixPrUrl', SearchAttributeType.KEYWORD),
};

/** Names of TerraFix's custom search attributes (all Keyword), to register once per namespace. */
export const SEARCH_ATTRIBUTE_NAMES: string[] = Object.values(SA).map((k) => k.name);

/** Every stage, in order (the TerraFixStage values). */
export const STAGES = [
  'queued',
  'claim',
  'prepare',
  'analyze',
  'generate',
  'validate',
  'open_pr',
  'record',
  'awaiting_merge',
  'awaiting_vanta',
  'done',
] as const;
export type Stage = (typeof STAGES)[number];

/** Every final outcome of a remediation. */
export const OUTCOMES = [
  'pr_opened',
  'already_compliant',
  'not_found',
  'no_fix',
  'fix_rejected',
  'skipped',
  'failed',
  'resolved',
  'rejected',
  'stale',
  'resolved_elsewhere',
  'rejected_by_reviewer',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Values of the TerraFixOutcome search attribute: the final outcome, or the live state while a
 * followed PR is open (`pr_open`) or merged and waiting for Vanta's re-check (`awaiting_vanta`).
 */
export const LIVE_OUTCOMES = [...OUTCOMES, 'pr_open', 'awaiting_vanta'] as const;
export type LiveOutcome = (typeof LIVE_OUTCOMES)[number];

export interface StageTiming {
  stage: Stage;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  summary?: string;
}

/**
 * A remediation's state, kept by the workflow and returned by the `status` query. Its result and its
 * Redis record are projections of it (`resultOf`, `recordOf`), so the three never disagree.
 */
export interface RemediationStatus {
  failureKey: string;
  testId: string;
  stage: Stage;
  outcome?: Outcome;
  startedAt: string;
  stages: StageTiming[];
  prUrl?: string;
  prNumber?: number;
  repo?: string;
  /** The base commit the fix was built on. */
  sha?: string;
  engine?: 'rule' | 'llm';
  ruleId?: string;
  target?: string;
  lastError?: string;
  /** Why the run ended as it did (set when it finishes). */
  reason?: string;
}

export interface RemediationOptions {
  /** auto = rules, then the LLM when no rule matches; rules/llm force one engine. */
  engine?: 'auto' | 'rules' | 'llm';
  /** Follow the PR after opening it (merge/close/stale, Vanta re-check). */
  followUp?: boolean;
  /** How often the PR's state is checked, in ms (default 4 h). */
  prCheckIntervalMs?: number;
  /** When a PR with no outcome counts as stale, in ms (default 30 days). */
  staleAfterMs?: number;
  /** How long to wait for Vanta to report the entity passing after merge, in ms (default 2 days). */
  vantaWaitMs?: number;
  /** Wait before trying again when the PR limits refuse a new PR, in ms (default 15 min). */
  prLimitWaitMs?: number;
  /** Suppression after a rejected PR, in seconds (default 30 days). */
  rejectedSuppressSeconds?: number;
  /** Record TTL after a transient failure whose retries ran out, in seconds (default 1 h). */
  retryAfterSeconds?: number;
  /** Record TTL after a configuration error, in seconds (default 15 min). */
  configErrorRetrySeconds?: number;
  /** Record TTL after not_found, no_fix or fix_rejected, in seconds (default 1 day). */
  notFoundRetrySeconds?: number;
  /** Record TTL of an open PR that the workflow follows, in seconds (default: stale + Vanta wait + 1 day). */
  prOpenRecordSeconds?: number;
  /** none = one PR per failure; test = one PR per (repository, test), updated as resources join or leave. */
  groupBy?: 'none' | 'test';
  /** Grouping: how long the group waits for no new member before (re)writing its PR, in ms (default 30 s). */
  groupDebounceMs?: number;
  /** Grouping: how long a member waits for its group's PR before failing, in ms (default 6 h). */
  groupWaitMs?: number;
}

export interface RemediateInput {
  failure: Failure;
  options?: RemediationOptions;
}

/** What a remediation workflow returns: the final projection of its state. */
export type RemediationResult = Pick<
  RemediationStatus,
  'failureKey' | 'reason' | 'prUrl' | 'engine' | 'ruleId' | 'stages'
> & { outcome: Outcome };

/** The result projection of a finished remediation's state. */
export function resultOf(s: RemediationStatus & { outcome: Outcome }): RemediationResult {
  return {
    failureKey: s.failureKey,
    outcome: s.outcome,
    reason: s.reason,
    prUrl: s.prUrl,
    engine: s.engine,
    ruleId: s.ruleId,
    stages: s.stages,
  };
}

/** The record projection of a remediation's state: what Redis keeps across runs. */
export function recordOf(
  s: RemediationStatus,
  run: { workflowId: string; runId: string },
  status: RecordStatus,
  ttlSeconds?: number,
): RecordWrite {
  return {
    failureKey: s.failureKey,
    workflowId: run.workflowId,
    runId: run.runId,
    status,
    stage: s.stages.filter((t) => t.stage !== 'record').at(-1)?.stage,
    prUrl: s.prUrl,
    prNumber: s.prNumber,
    repo: s.repo,
    sha: s.sha,
    reason: s.reason,
    ttlSeconds,
  };
}

export interface PollInput {
  options?: RemediationOptions;
  /** Task queue for children (defaults to the poller's own). */
  childTaskQueue?: string;
}

export type { PollResult } from '../contracts';

export type PrOutcomeSignal = { state: 'merged' | 'closed' | 'open'; by?: string };

export const statusQuery = defineQuery<RemediationStatus>('status');
/** Sent by a webhook receiver or `terrafix pr-event` when a PR's state changes. */
export const prOutcomeSignal = defineSignal<[PrOutcomeSignal]>('prOutcome');
/** Sent by the poller when Vanta stops reporting the failure. */
export const failureResolvedSignal = defineSignal<[]>('failureResolved');

/**
 * Reuse of a remediation's workflow id: a new run is allowed after any closed run (completed, failed,
 * terminated), because the Redis record is what stops repeats (a PR open, a rejection, a recent
 * failure). Temporal still refuses a second run while one is running, so two at once are impossible.
 */
export const REMEDIATION_ID_REUSE_POLICY = WorkflowIdReusePolicy.ALLOW_DUPLICATE;

export type { GroupMember } from '../contracts';

/** What a group tells each member once its PR was written. */
export type GroupPrResult =
  | { status: 'included'; pr: PullRequestResult; groupWorkflowId: string }
  | { status: 'rejected_by_reviewer'; pr: PullRequestResult; groupWorkflowId: string }
  | { status: 'excluded'; reason: string; groupWorkflowId: string }
  /** The PR could not be written (retries exhausted): the member ends failed and a later poll retries. */
  | { status: 'failed'; reason: string; groupWorkflowId: string };

/** A member leaving its group; `updatePr` asks the group to drop its fix from the PR. */
export interface GroupLeave {
  failureKey: string;
  reason: string;
  updatePr: boolean;
}

export interface GroupInput {
  groupKey: string;
  testId: string;
  options?: RemediationOptions;
  /** Carried over by continueAsNew. */
  carried?: {
    members: GroupMember[];
    notified: Record<string, 'included' | 'excluded'>;
    pr?: PullRequestResult;
    writes: number;
    /** When the group stops waiting for a PR outcome (epoch ms). */
    staleAt: number;
  };
}

export interface GroupStatus {
  groupKey: string;
  testId: string;
  members: { failureKey: string; workflowId: string; notified?: 'included' | 'excluded' }[];
  pr?: PullRequestResult;
  /** How many times the PR was written. */
  writes: number;
  state: 'collecting' | 'writing' | 'open' | 'done';
}

export interface GroupResult {
  groupKey: string;
  outcome: 'empty' | 'merged' | 'closed' | 'stale' | 'rejected_by_reviewer' | 'closed_resolved_elsewhere';
  pr?: PullRequestResult;
  writes: number;
}

/**
 * Patch id of the group-owned follow-up: the group PR workflow checks its PR, tells members the
 * outcome (prOutcome) and reminds once when stale; grouped members no longer check or remind.
 */
export const GROUP_FOLLOW_UP_PATCH = 'group-follow-up';

/** Members → group: join (sent with signalWithStart by the joinGroup activity) and leave. */
export const groupJoinSignal = defineSignal<[GroupMember]>(GROUP_JOIN_SIGNAL);
export const groupLeaveSignal = defineSignal<[GroupLeave]>('groupLeave');
/** Group → member: the PR that now carries (or does not carry) the member's fix. */
export const groupPrResultSignal = defineSignal<[GroupPrResult]>('groupPrResult');
export const groupStatusQuery = defineQuery<GroupStatus>('groupStatus');
