/**
 * remediateFailureWorkflow: claim → prepare → analyze → generate → validate → open PR → record,
 * then (optionally) follow the PR to its outcome. Deterministic: no I/O, no Node APIs.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  sleep,
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { GenerateResult, TerraFixActivities } from '../activities/types';
import type { Failure, PreparedRepo, Target, VerifiedFix } from '../contracts';
import {
  CAPACITY_ERROR_TYPES,
  CONFIG_ERROR_TYPES,
  NON_RETRYABLE_ERROR_TYPES,
  OUTCOME_BY_ERROR_TYPE,
} from '../errors';
import { call } from './calls';
import {
  SA,
  failureResolvedSignal,
  groupKeyOf,
  groupLeaveSignal,
  groupPrResultSignal,
  groupWorkflowId,
  prOutcomeSignal,
  statusQuery,
  type GroupPrResult,
  type LiveOutcome,
  type Outcome,
  type PrOutcomeSignal,
  type RemediateInput,
  type RemediationResult,
  type RemediationStatus,
  type Stage,
} from './definitions';

/** Patch id of the live TerraFixOutcome values (`pr_open`, `awaiting_vanta`). */
const LIVE_OUTCOME_PATCH = 'live-outcome';

/** Text for a Markdown line: no line breaks, no characters that start Markdown/HTML structure. */
function md(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/([\\`*_[\]<>#|])/g, '\\$1')
    .slice(0, 500);
}

/** Error message of a failed activity (its cause), for the status query and the record. */
function reasonOf(err: unknown): string {
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

export async function remediateFailureWorkflow(input: RemediateInput): Promise<RemediationResult> {
  const { failure } = input;
  const options = input.options ?? {};
  const info = workflowInfo();
  const status: RemediationStatus = {
    failureKey: failure.key,
    testId: failure.testId,
    stage: 'queued',
    startedAt: new Date(info.startTime).toISOString(),
    stages: [],
  };
  setHandler(statusQuery, () => status);
  let prSignal: PrOutcomeSignal | undefined;
  let resolvedElsewhere = false;
  setHandler(prOutcomeSignal, (s) => {
    prSignal = s;
  });
  setHandler(failureResolvedSignal, () => {
    resolvedElsewhere = true;
  });
  // Grouping (options.groupBy === 'test'): the group workflow reports which PR carries this fix.
  let groupResult: GroupPrResult | undefined;
  setHandler(groupPrResultSignal, (r) => {
    groupResult = r;
  });

  // Current Details is Markdown in the Web UI: a heading line and a list (single newlines would collapse).
  const describe = () =>
    [
      `**${md(failure.testName ?? failure.testId)}** — ${md(failure.resource.displayName ?? failure.resource.terraformAddress ?? failure.resource.arn ?? failure.key)}`,
      '',
      `- stage: ${status.stage}${status.outcome ? ` · outcome: ${status.outcome}` : ''}`,
      status.target ? `- target: \`${status.target.replace(/`/g, "'")}\`` : '',
      status.engine ? `- engine: ${status.engine}${status.ruleId ? ` (${status.ruleId})` : ''}` : '',
      status.prUrl ? `- PR: ${status.prUrl}` : '',
      status.lastError ? `- last error: ${md(status.lastError)}` : '',
      ...details,
    ]
      .filter((l, i) => i === 1 || Boolean(l))
      .join('\n');
  /** Extra lines of Current Details (PR capacity wait, group) set by later stages. */
  let details: string[] = [];
  const setDetails = (...lines: string[]) => {
    details = lines.map((l) => `- ${l}`);
    setCurrentDetails(describe());
  };
  const setLiveOutcome = (value: LiveOutcome) => upsertSearchAttributes([{ key: SA.outcome, value }]);

  const enter = (stage: Stage, summary?: string) => {
    const now = new Date().toISOString();
    const prev = status.stages[status.stages.length - 1];
    if (prev && !prev.endedAt) {
      prev.endedAt = now;
      prev.durationMs = Date.parse(now) - Date.parse(prev.startedAt);
    }
    status.stage = stage;
    if (stage !== 'done') status.stages.push({ stage, startedAt: now, summary });
    upsertSearchAttributes([{ key: SA.stage, value: stage }]);
    setCurrentDetails(describe());
  };

  const finish = async (
    outcome: Outcome,
    extra: {
      reason?: string;
      recordStatus?: Parameters<TerraFixActivities['record']>[0]['status'];
      ttlSeconds?: number;
    } = {},
  ): Promise<RemediationResult> => {
    status.outcome = outcome;
    if (extra.reason) status.lastError = extra.reason;
    setLiveOutcome(outcome);
    if (extra.recordStatus) {
      enter('record');
      await call('record', `record ${extra.recordStatus}`, [
        {
          failureKey: failure.key,
          workflowId: info.workflowId,
          runId: info.runId,
          status: extra.recordStatus,
          stage: status.stages.filter((s) => s.stage !== 'record').at(-1)?.stage,
          prUrl: status.prUrl,
          prNumber: status.prNumber,
          repo: status.repo,
          sha: prepared?.baseSha,
          reason: extra.reason,
          ttlSeconds: extra.ttlSeconds,
        },
      ]);
    }
    enter('done');
    return {
      failureKey: failure.key,
      outcome,
      reason: extra.reason,
      prUrl: status.prUrl,
      engine: status.engine,
      ruleId: status.ruleId,
      stages: status.stages,
    };
  };

  /** Runs a stage; a failure that exhausts retries (or is non-retryable) ends the workflow with its reason. */
  const runStage = async <T>(
    stage: Stage,
    call: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; reason: string; type?: string }> => {
    enter(stage);
    try {
      return { ok: true, value: await call() };
    } catch (err) {
      const reason = reasonOf(err);
      status.lastError = reason;
      return { ok: false, reason, type: errorType(err) };
    }
  };

  let prepared: PreparedRepo | undefined = undefined;

  enter('claim');
  const claim = await call('claim', `claim ${failure.key}`, [
    { failureKey: failure.key, workflowId: info.workflowId, runId: info.runId },
  ]);
  if (!claim.claimed) {
    const reason = `record exists: ${claim.existing.status}${claim.existing.prUrl ? ` (${claim.existing.prUrl})` : ''} since ${claim.existing.updatedAt}`;
    return finish('skipped', { reason });
  }

  const ttl = {
    transient: options.retryAfterSeconds ?? 3600,
    configError: options.configErrorRetrySeconds ?? 900,
    notFound: options.notFoundRetrySeconds ?? 86_400,
  };

  /**
   * Ends the run after a stage error: expected errors map to their outcome, the rest to "failed". The
   * record's TTL follows the kind of error, so a later poll tries again when that can help: soon after
   * a configuration error or a transient one, after a day when the resource or a fix was not found.
   */
  const failStage = (r: { reason: string; type?: string }) => {
    const outcome: Outcome = (r.type && OUTCOME_BY_ERROR_TYPE[r.type]) || 'failed';
    const recordStatus =
      outcome === 'failed' ? 'failed' : (outcome as 'not_found' | 'fix_rejected' | 'no_fix');
    const configError = r.type !== undefined && CONFIG_ERROR_TYPES.includes(r.type);
    const transient =
      outcome === 'failed' && (r.type === undefined || !NON_RETRYABLE_ERROR_TYPES.includes(r.type));
    const ttlSeconds =
      outcome !== 'failed'
        ? ttl.notFound
        : configError
          ? ttl.configError
          : transient
            ? ttl.transient
            : undefined;
    return finish(outcome, {
      reason: configError ? `configuration: ${r.reason}` : r.reason,
      recordStatus,
      ttlSeconds,
    });
  };

  const prep = await runStage('prepare', () =>
    call('prepare', 'resolve repository and base commit', [failure]),
  );
  if (!prep.ok) return failStage(prep);
  prepared = prep.value;
  status.repo = `${prepared.repo.owner}/${prepared.repo.name}`;
  upsertSearchAttributes([{ key: SA.repo, value: status.repo }]);

  const analysis = await runStage('analyze', () =>
    call('analyze', `locate resource at ${prepared!.baseSha.slice(0, 12)}`, [
      { failure, prepared: prepared! },
    ]),
  );
  if (!analysis.ok) return failStage(analysis);
  if (analysis.value.status === 'not_found') {
    return finish('not_found', {
      reason: analysis.value.reason,
      recordStatus: 'not_found',
      ttlSeconds: ttl.notFound,
    });
  }
  const target: Target = analysis.value.target;
  status.target = `${target.file}: ${target.address}`;

  const engine = options.engine ?? 'auto';
  const generate = async (
    eng: 'rules' | 'llm',
    previousErrors?: string[],
    previousPatch?: GenerateResult,
  ) => {
    const summary =
      eng === 'llm'
        ? previousErrors
          ? 'LLM repair round'
          : 'generate fix with the LLM'
        : 'generate fix with the rule catalog';
    return call(
      'generate',
      summary,
      [
        {
          failure,
          prepared: prepared!,
          target,
          engine: eng,
          previousErrors,
          previousPatch: previousPatch?.status === 'patch' ? previousPatch.patch : undefined,
        },
      ],
      eng === 'llm' ? 'generateLlm' : undefined,
    );
  };

  const gen = await runStage('generate', async () => {
    if (engine === 'llm') return generate('llm');
    const byRule = await generate('rules');
    if (byRule.status === 'no_rule' && engine === 'auto') return generate('llm');
    return byRule;
  });
  if (!gen.ok) return failStage(gen);
  let generated = gen.value;
  if (generated.status === 'already_compliant') {
    status.ruleId = generated.ruleId;
    return finish('already_compliant', { reason: generated.reason, recordStatus: 'already_compliant' });
  }
  if (generated.status !== 'patch') {
    return finish('no_fix', { reason: generated.reason, recordStatus: 'no_fix', ttlSeconds: ttl.notFound });
  }
  status.engine = generated.engine;
  status.ruleId = generated.ruleId;
  if (generated.ruleId) upsertSearchAttributes([{ key: SA.ruleId, value: generated.ruleId }]);

  const validateOnce = (g: Extract<GenerateResult, { status: 'patch' }>) =>
    runStage('validate', () =>
      call('validate', `verify ${g.engine} fix`, [{ failure, prepared: prepared!, target, generated: g }]),
    );
  let validation = await validateOnce(generated);
  if (!validation.ok) return failStage(validation);
  if (!validation.value.ok && generated.engine === 'llm') {
    // One repair round-trip with the validation errors.
    const errors = validation.value.errors;
    const repaired = await runStage('generate', () => generate('llm', errors, generated));
    if (!repaired.ok) return failStage(repaired);
    if (repaired.value.status !== 'patch')
      return finish('fix_rejected', {
        reason: errors.join('; '),
        recordStatus: 'fix_rejected',
        ttlSeconds: ttl.notFound,
      });
    generated = repaired.value;
    validation = await validateOnce(generated);
    if (!validation.ok) return failStage(validation);
  }
  if (!validation.value.ok) {
    return finish('fix_rejected', {
      reason: validation.value.errors.join('; '),
      recordStatus: 'fix_rejected',
      ttlSeconds: ttl.notFound,
    });
  }
  const fix: VerifiedFix = validation.value.fix;
  if (options.groupBy === 'test') return joinGroupAndWait(generated);

  // The PR limits (PR_CONCURRENT_LIMIT / PR_HOURLY_LIMIT) make the code host refuse a new PR for now;
  // the remediation then waits on a durable timer and tries again, instead of failing or spinning.
  const openPr = () =>
    runStage('open_pr', () =>
      call('openPullRequest', 'open or update the pull request', [
        { failure, prepared: prepared!, target, fix },
      ]),
    );
  let pr = await openPr();
  while (!pr.ok && pr.type !== undefined && CAPACITY_ERROR_TYPES.includes(pr.type)) {
    setDetails(`waiting for PR capacity: ${md(pr.reason)}`);
    await sleep(options.prLimitWaitMs ?? 15 * 60_000);
    pr = await openPr();
  }
  setDetails();
  if (!pr.ok) return failStage(pr);
  if (pr.value.action === 'rejected_by_reviewer') {
    status.prUrl = pr.value.url;
    return finish('rejected_by_reviewer', {
      reason: 'a TerraFix PR for this failure was closed unmerged',
      recordStatus: 'rejected',
      ttlSeconds: options.rejectedSuppressSeconds,
    });
  }
  status.prUrl = pr.value.url;
  status.prNumber = pr.value.number;
  const opened = await finishOpen();
  return opened;

  async function finishOpen(): Promise<RemediationResult> {
    const following = Boolean(options.followUp) && status.prNumber !== undefined;
    const prOpenRecordSeconds =
      options.prOpenRecordSeconds ??
      Math.ceil(
        ((options.staleAfterMs ?? 30 * 86_400_000) + (options.vantaWaitMs ?? 2 * 86_400_000)) / 1000,
      ) + 86_400;
    // The PR's URL as a search attribute: `terrafix list` and the Web UI's columns show it (never encrypted).
    if (status.prUrl && patched(LIVE_OUTCOME_PATCH))
      upsertSearchAttributes([{ key: SA.prUrl, value: status.prUrl.slice(0, 2000) }]);
    enter('record');
    await call('record', 'record pr_open', [
      {
        failureKey: failure.key,
        workflowId: info.workflowId,
        runId: info.runId,
        status: 'pr_open',
        stage: 'open_pr',
        prUrl: status.prUrl,
        prNumber: status.prNumber,
        repo: status.repo,
        sha: prepared!.baseSha,
        // Followed PRs keep their record until the workflow records the PR's outcome.
        ttlSeconds: following ? prOpenRecordSeconds : undefined,
      },
    ]);
    if (!following) return finish('pr_opened');
    // patched: runs that were already following a PR before this search attribute was added replay as before.
    if (patched(LIVE_OUTCOME_PATCH)) setLiveOutcome('pr_open');
    return followUp(prepared!, status.prNumber!);
  }

  /** Grouped mode: hand the verified patch to the group PR workflow and wait for the PR it lands in. */
  async function joinGroupAndWait(
    g: Extract<GenerateResult, { status: 'patch' }>,
  ): Promise<RemediationResult> {
    const groupKey = groupKeyOf(prepared!, failure.testId);
    const gid = groupWorkflowId(groupKey);
    const joined = await runStage('open_pr', () =>
      call('joinGroup', `join group PR ${groupKey}`, [
        {
          groupKey,
          groupWorkflowId: gid,
          testId: failure.testId,
          taskQueue: info.taskQueue,
          member: { workflowId: info.workflowId, failure, prepared: prepared!, target, generated: g },
          options: { ...options },
        },
      ]),
    );
    if (!joined.ok) return failStage(joined);
    setDetails(`group: ${gid}`);
    const waitMs = options.groupWaitMs ?? 6 * 3600_000;
    if (!(await condition(() => groupResult !== undefined, waitMs))) {
      return finish('failed', {
        reason: `group ${gid} did not write its PR within ${Math.round(waitMs / 60_000)} min`,
        recordStatus: 'failed',
        ttlSeconds: ttl.transient,
      });
    }
    const r = groupResult!;
    if (r.status === 'failed') {
      return finish('failed', {
        reason: `group PR: ${r.reason}`,
        recordStatus: 'failed',
        ttlSeconds: ttl.transient,
      });
    }
    if (r.status === 'excluded') {
      return finish('fix_rejected', {
        reason: `excluded from the group PR: ${r.reason}`,
        recordStatus: 'fix_rejected',
        ttlSeconds: ttl.notFound,
      });
    }
    status.prUrl = r.pr.url;
    status.prNumber = r.pr.number;
    if (r.status === 'rejected_by_reviewer') {
      return finish('rejected_by_reviewer', {
        reason: 'the TerraFix group PR for this test was closed unmerged',
        recordStatus: 'rejected',
        ttlSeconds: options.rejectedSuppressSeconds,
      });
    }
    return finishOpen();
  }

  /** The closed loop: wait for the PR outcome, then for Vanta to report the entity passing. */
  async function followUp(prep: PreparedRepo, prNumber: number): Promise<RemediationResult> {
    const checkEvery = options.prCheckIntervalMs ?? 4 * 3600_000;
    const staleAfter = options.staleAfterMs ?? 30 * 24 * 3600_000;
    const vantaWait = options.vantaWaitMs ?? 2 * 24 * 3600_000;
    enter('awaiting_merge');
    const deadline = Date.now() + staleAfter;
    let prState: string = 'open';
    while (Date.now() < deadline) {
      await condition(
        () => prSignal !== undefined || resolvedElsewhere,
        Math.min(checkEvery, Math.max(1, deadline - Date.now())),
      );
      if (resolvedElsewhere && options.groupBy === 'test') {
        // The group PR carries other fixes: ask the group to drop this one (it closes the PR when empty).
        try {
          await getExternalWorkflowHandle(groupWorkflowId(groupKeyOf(prep, failure.testId))).signal(
            groupLeaveSignal,
            { failureKey: failure.key, reason: 'resolved elsewhere', updatePr: true },
          );
        } catch {
          // The group already ended (its PR was merged or closed): nothing left to update.
        }
        return finish('resolved_elsewhere', { recordStatus: 'resolved_elsewhere' });
      }
      if (resolvedElsewhere) {
        await call('closePullRequest', 'close PR: fixed elsewhere', [
          {
            prepared: prep,
            number: prNumber,
            comment:
              'Vanta no longer reports this failure, so it was fixed elsewhere. TerraFix is closing this PR.',
          },
        ]);
        return finish('resolved_elsewhere', { recordStatus: 'resolved_elsewhere' });
      }
      prState =
        prSignal?.state ??
        (await call('checkPullRequest', 'check PR state', [{ prepared: prep, number: prNumber }]));
      prSignal = undefined;
      if (prState === 'merged' || prState === 'closed' || prState === 'missing') break;
      const stillFailing = await call('failureStillPresent', 'is the failure still reported by Vanta?', [
        { failure },
      ]);
      if (!stillFailing) resolvedElsewhere = true;
    }
    if (prState === 'closed' || prState === 'missing') {
      return finish('rejected', {
        reason: 'PR closed without merge',
        recordStatus: 'rejected',
        ttlSeconds: options.rejectedSuppressSeconds,
      });
    }
    if (prState !== 'merged') {
      const reason = `no PR outcome within ${Math.round(staleAfter / 3600_000)} h`;
      try {
        await call('remindPullRequest', 'remind reviewers: PR is stale', [
          {
            prepared: prep,
            number: prNumber,
            comment: `TerraFix opened this PR ${Math.round(staleAfter / 86_400_000)} day(s) ago and it has had no review outcome since. The compliance failure is still open in Vanta: please review, merge or close it.`,
          },
        ]);
      } catch (err) {
        status.lastError = `stale reminder failed: ${reasonOf(err)}`;
      }
      return finish('stale', { reason, recordStatus: 'stale' });
    }
    enter('awaiting_vanta');
    if (patched(LIVE_OUTCOME_PATCH)) setLiveOutcome('awaiting_vanta');
    const vantaDeadline = Date.now() + vantaWait;
    while (Date.now() < vantaDeadline) {
      const still = await call('failureStillPresent', 'is the failure still reported by Vanta?', [
        { failure },
      ]);
      if (!still) return finish('resolved', { recordStatus: 'resolved' });
      await condition(() => resolvedElsewhere, Math.min(checkEvery, Math.max(1, vantaDeadline - Date.now())));
      if (resolvedElsewhere) return finish('resolved', { recordStatus: 'resolved' });
    }
    return finish('stale', { reason: 'merged, but Vanta still reports the failure', recordStatus: 'stale' });
  }
}

/** The failure key's search attributes and UI summary, set by whoever starts the workflow. */
export function remediationStartMetadata(failure: Failure) {
  return {
    staticSummary:
      `${failure.testName ?? failure.testId}: ${failure.resource.displayName ?? failure.resource.terraformAddress ?? failure.key}`.slice(
        0,
        200,
      ),
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
