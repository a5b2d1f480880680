/**
 * The state of one remediation run: its status (the `status` query), the signals it received, the
 * Web UI's current details and search attributes, and how a run ends (finish, record, TTL by kind).
 * One instance per workflow run: no module state. Deterministic: no I/O.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Failure, PreparedRepo, RecordStatus, Target } from '../../contracts';
import { CONFIG_ERROR_TYPES, NON_RETRYABLE_ERROR_TYPES, OUTCOME_BY_ERROR_TYPE } from '../../errors';
import { failureLabel } from '../../failure/ids';
import { call } from '../calls';
import {
  SA,
  failureResolvedSignal,
  recordOf,
  resultOf,
  groupPrResultSignal,
  prOutcomeSignal,
  statusQuery,
  type GroupPrResult,
  type LiveOutcome,
  type Outcome,
  type PrOutcomeSignal,
  type RemediationOptions,
  type RemediationResult,
  type RemediationStatus,
  type Stage,
} from '../definitions';

/** Patch id of the live TerraFixOutcome values (`pr_open`, `awaiting_vanta`) and TerraFixPrUrl. */
export const LIVE_OUTCOME_PATCH = 'live-outcome';

/** Text for a Markdown line: no line breaks, no characters that start Markdown/HTML structure. */
export function md(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/([\\`*_[\]<>#|])/g, '\\$1')
    .slice(0, 500);
}

/** Error message of a failed activity (its cause), for the status query and the record. */
export function reasonOf(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause)
    return `${err.cause.name === 'ApplicationFailure' ? ((err.cause as ApplicationFailure).type ?? 'Error') : err.cause.name}: ${err.cause.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function errorType(err: unknown): string | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)
    return err.cause.type ?? undefined;
  return undefined;
}

export type StageResult<T> = { ok: true; value: T } | { ok: false; reason: string; type?: string };

/** One remediation run's state and the operations that report it. */
export class Run {
  readonly info = workflowInfo();
  readonly status: RemediationStatus;
  readonly ttl: { transient: number; configError: number; notFound: number };
  prepared?: PreparedRepo;
  target?: Target;
  /** Signals: a PR outcome from a webhook, Vanta no longer reporting the failure, the group's PR. */
  prSignal?: PrOutcomeSignal;
  resolvedElsewhere = false;
  groupResult?: GroupPrResult;
  /** Extra lines of Current Details (PR capacity wait, group) set by later stages. */
  private details: string[] = [];

  constructor(
    readonly failure: Failure,
    readonly options: RemediationOptions,
  ) {
    this.status = {
      failureKey: failure.key,
      testId: failure.testId,
      stage: 'queued',
      startedAt: new Date(this.info.startTime).toISOString(),
      stages: [],
    };
    this.ttl = {
      transient: options.retryAfterSeconds ?? 3600,
      configError: options.configErrorRetrySeconds ?? 900,
      notFound: options.notFoundRetrySeconds ?? 86_400,
    };
    setHandler(statusQuery, () => this.status);
    setHandler(prOutcomeSignal, (s) => {
      this.prSignal = s;
    });
    setHandler(failureResolvedSignal, () => {
      this.resolvedElsewhere = true;
    });
    // Grouping (options.groupBy === 'test'): the group workflow reports which PR carries this fix.
    setHandler(groupPrResultSignal, (r) => {
      this.groupResult = r;
    });
  }

  /** Current Details: Markdown in the Web UI, a heading line and a list (single newlines would collapse). */
  describe(): string {
    const { failure, status } = this;
    return [
      `**${md(failure.testName ?? failure.testId)}** — ${md(failureLabel(failure))}`,
      '',
      `- stage: ${status.stage}${status.outcome ? ` · outcome: ${status.outcome}` : ''}`,
      status.target ? `- target: \`${status.target.replace(/`/g, "'")}\`` : '',
      status.engine ? `- engine: ${status.engine}${status.ruleId ? ` (${status.ruleId})` : ''}` : '',
      status.prUrl ? `- PR: ${status.prUrl}` : '',
      status.lastError ? `- last error: ${md(status.lastError)}` : '',
      ...this.details,
    ]
      .filter((l, i) => i === 1 || Boolean(l))
      .join('\n');
  }

  setDetails(...lines: string[]): void {
    this.details = lines.map((l) => `- ${l}`);
    setCurrentDetails(this.describe());
  }

  setLiveOutcome(value: LiveOutcome): void {
    upsertSearchAttributes([{ key: SA.outcome, value }]);
  }

  /** Enters a stage: closes the previous stage's timing, updates TerraFixStage and the details. */
  enter(stage: Stage, summary?: string): void {
    const now = new Date().toISOString();
    const prev = this.status.stages[this.status.stages.length - 1];
    if (prev && !prev.endedAt) {
      prev.endedAt = now;
      prev.durationMs = Date.parse(now) - Date.parse(prev.startedAt);
    }
    this.status.stage = stage;
    if (stage !== 'done') this.status.stages.push({ stage, startedAt: now, summary });
    upsertSearchAttributes([{ key: SA.stage, value: stage }]);
    setCurrentDetails(this.describe());
  }

  /** Ends the run with an outcome, writing the Redis record first when there is one to write. */
  async finish(
    outcome: Outcome,
    extra: { reason?: string; recordStatus?: RecordStatus; ttlSeconds?: number } = {},
  ): Promise<RemediationResult> {
    const { status, info } = this;
    status.outcome = outcome;
    if (extra.reason) status.lastError = status.reason = extra.reason;
    this.setLiveOutcome(outcome);
    if (extra.recordStatus) {
      this.enter('record');
      await call('record', `record ${extra.recordStatus}`, [
        recordOf(status, info, extra.recordStatus, extra.ttlSeconds),
      ]);
    }
    this.enter('done');
    return resultOf({ ...status, outcome });
  }

  /** Runs a stage; a failure that exhausts retries (or is non-retryable) is returned with its reason. */
  async runStage<T>(stage: Stage, work: () => Promise<T>): Promise<StageResult<T>> {
    this.enter(stage);
    try {
      return { ok: true, value: await work() };
    } catch (err) {
      const reason = reasonOf(err);
      this.status.lastError = reason;
      return { ok: false, reason, type: errorType(err) };
    }
  }

  /**
   * Ends the run after a stage error: expected errors map to their outcome, the rest to "failed". The
   * record's TTL follows the kind of error, so a later poll tries again when that can help: soon after
   * a configuration error or a transient one, after a day when the resource or a fix was not found.
   */
  failStage(r: { reason: string; type?: string }): Promise<RemediationResult> {
    const outcome: Outcome = (r.type && OUTCOME_BY_ERROR_TYPE[r.type]) || 'failed';
    const recordStatus =
      outcome === 'failed' ? 'failed' : (outcome as 'not_found' | 'fix_rejected' | 'no_fix');
    const configError = r.type !== undefined && CONFIG_ERROR_TYPES.includes(r.type);
    const transient =
      outcome === 'failed' && (r.type === undefined || !NON_RETRYABLE_ERROR_TYPES.includes(r.type));
    const ttlSeconds =
      outcome !== 'failed'
        ? this.ttl.notFound
        : configError
          ? this.ttl.configError
          : transient
            ? this.ttl.transient
            : undefined;
    return this.finish(outcome, {
      reason: configError ? `configuration: ${r.reason}` : r.reason,
      recordStatus,
      ttlSeconds,
    });
  }
}

/** The failure key's search attributes and UI summary, set by whoever starts the workflow. */
export function remediationStartMetadata(failure: Failure) {
  return {
    staticSummary: `${failure.testName ?? failure.testId}: ${failureLabel(failure)}`.slice(0, 200),
    // Markdown in the Web UI: one list item per line.
    staticDetails: [
      `- failure key: \`${failure.key.replace(/`/g, "'")}\``,
      `- test: ${md(failure.testId)}${failure.testUrl ? ` (${md(failure.testUrl)})` : ''}`,
      failure.severity ? `- severity: ${md(failure.severity)}` : '',
      failure.resource.responseType ? `- resource type: ${md(failure.resource.responseType)}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    typedSearchAttributes: [
      { key: SA.failureKey, value: failure.key },
      { key: SA.testId, value: failure.testId },
      { key: SA.stage, value: 'queued' },
      ...(failure.severity ? [{ key: SA.severity, value: failure.severity }] : []),
    ],
  };
}
