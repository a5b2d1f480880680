/**
 * pollFailuresWorkflow: one run per schedule tick. Lists failures, drops the suppressed ones, and starts
 * one child remediation per failure with a stable workflow id (duplicates impossible), then returns.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { TerraFixActivities } from '../activities/types';
import type { Failure } from '../contracts';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { queueName } from '../temporal/queues';
import {
  REMEDIATION_ID_REUSE_POLICY,
  remediationWorkflowId,
  type PollInput,
  type PollResult,
} from './definitions';
import { remediateFailureWorkflow, remediationStartMetadata } from './remediateFailure';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

/** Children are started in batches so a burst of 1,000 failures does not issue 1,000 commands at once. */
const START_BATCH = 100;

export async function pollFailuresWorkflow(input: PollInput = {}): Promise<PollResult> {
  const base = workflowInfo().taskQueue;
  const vanta = proxyActivities<TerraFixActivities>({
    taskQueue: queueName(base, 'vanta'),
    startToCloseTimeout: '15m',
    heartbeatTimeout: '2m',
    retry,
  });
  const state = proxyActivities<TerraFixActivities>({
    startToCloseTimeout: '1m',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  });

  const all = await vanta.listFailures.executeWithOptions(
    {
      taskQueue: queueName(base, 'vanta'),
      startToCloseTimeout: '15m',
      heartbeatTimeout: '2m',
      retry,
      summary: 'list failing entities from Vanta',
    },
    [],
  );
  // Keep the first occurrence of each key; a source may repeat an entity across pages.
  const seen = new Set<string>();
  const failures = all.filter((f) =>
    typeof f?.key === 'string' && f.key.length > 0 && !seen.has(f.key) ? (seen.add(f.key), true) : false,
  );
  const invalid = all.length - failures.length;
  const suppressedKeys = new Set(
    failures.length ? await state.filterSuppressed(failures.map((f) => f.key)) : [],
  );
  const result: PollResult = {
    found: failures.length,
    started: 0,
    alreadyRunning: 0,
    suppressed: suppressedKeys.size,
    invalid,
  };

  const counts = await startChildren(
    failures.filter((f) => !suppressedKeys.has(f.key)),
    input,
  );
  result.started = counts.started;
  result.alreadyRunning = counts.alreadyRunning;
  try {
    await state.recordPollResult.executeWithOptions(
      {
        startToCloseTimeout: '1m',
        retry: { maximumAttempts: 3 },
        summary: `found ${result.found}, started ${result.started}`,
      },
      [result],
    );
  } catch {
    // Metrics only: a poll never fails because its counts could not be recorded.
  }
  return result;
}

/** Starts one child per failure, in batches; a failure whose remediation is running counts as already running. */
async function startChildren(
  toStart: Failure[],
  input: PollInput,
): Promise<{ started: number; alreadyRunning: number }> {
  const result = { started: 0, alreadyRunning: 0 };
  for (let i = 0; i < toStart.length; i += START_BATCH) {
    const batch = toStart.slice(i, i + START_BATCH);
    const outcomes = await Promise.all(
      batch.map(async (failure) => {
        try {
          await startChild(remediateFailureWorkflow, {
            workflowId: remediationWorkflowId(failure.key),
            taskQueue: input.childTaskQueue,
            args: [{ failure, options: input.options }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: REMEDIATION_ID_REUSE_POLICY,
            ...remediationStartMetadata(failure),
          });
          return 'started' as const;
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already' as const;
          throw err;
        }
      }),
    );
    for (const o of outcomes) {
      if (o === 'started') result.started += 1;
      else result.alreadyRunning += 1;
    }
  }
  return result;
}
