/**
 * One table of activity options for remediateFailureWorkflow (timeouts, heartbeat, retry, queue) and
 * `call(name, summary, input)`, which schedules an activity with them. Deterministic: no I/O.
 */
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { TerraFixActivities } from '../activities/types';
import { CAPACITY_ERROR_TYPES, NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { ACTIVITY_QUEUES, queueName, type QueueRole } from '../temporal/queues';

/** Stage work: five attempts with backoff; permanent errors end the stage at once. */
export const stageRetry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

/** Redis bookkeeping retries without limit: an outage makes workflows wait, never skip the record. */
export const stateRetry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

// The activity adapter heartbeats every 10 s: with a 30 s heartbeat timeout a crashed worker is
// noticed in 30 s, not after the whole start-to-close timeout.
const HEARTBEAT = '30s';

type Name = keyof TerraFixActivities;
type Options = Omit<ActivityOptions, 'taskQueue' | 'summary'> & { queue?: QueueRole };

/** Options per activity (and per variant: generate with the rules or the LLM). */
export const ACTIVITY_OPTIONS: Partial<Record<Name | 'generateLlm', Options>> = {
  claim: { startToCloseTimeout: '30s', retry: stateRetry },
  record: { startToCloseTimeout: '30s', retry: stateRetry },
  prepare: { startToCloseTimeout: '10m', heartbeatTimeout: HEARTBEAT, retry: stageRetry },
  analyze: { startToCloseTimeout: '5m', heartbeatTimeout: HEARTBEAT, retry: stageRetry },
  generate: { startToCloseTimeout: '2m', heartbeatTimeout: HEARTBEAT, retry: stageRetry },
  generateLlm: { queue: 'llm', startToCloseTimeout: '5m', heartbeatTimeout: HEARTBEAT, retry: stageRetry },
  validate: { startToCloseTimeout: '10m', heartbeatTimeout: HEARTBEAT, retry: stageRetry },
  // The PR limits are not retried by Temporal: the workflow waits for capacity on a durable timer.
  openPullRequest: {
    startToCloseTimeout: '10m',
    heartbeatTimeout: HEARTBEAT,
    retry: {
      ...stageRetry,
      maximumAttempts: 10,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES, ...CAPACITY_ERROR_TYPES],
    },
  },
  joinGroup: { startToCloseTimeout: '1m', retry: stageRetry },
  closePullRequest: { startToCloseTimeout: '2m', retry: stageRetry },
  checkPullRequest: { startToCloseTimeout: '1m', retry: stageRetry },
  remindPullRequest: { startToCloseTimeout: '2m', retry: stageRetry },
  failureStillPresent: { startToCloseTimeout: '2m', retry: stageRetry },
};

const acts = proxyActivities<TerraFixActivities>({ startToCloseTimeout: '1m', retry: stageRetry });

/** Schedules activity `name` with its options from the table, on its queue, with a UI summary. */
export function call<K extends Name>(
  name: K,
  summary: string,
  args: Parameters<TerraFixActivities[K]>,
  variant?: 'generateLlm',
): ReturnType<TerraFixActivities[K]> {
  const { queue, ...opts } = ACTIVITY_OPTIONS[variant ?? name] ?? {};
  const role = queue ?? ACTIVITY_QUEUES[name][0]!;
  const fn = acts[name] as unknown as {
    executeWithOptions(o: ActivityOptions, a: unknown[]): ReturnType<TerraFixActivities[K]>;
  };
  return fn.executeWithOptions(
    {
      ...opts,
      // The main queue is the workflow's own queue: no taskQueue, exactly as before the table.
      ...(role === 'main' ? {} : { taskQueue: queueName(workflowInfo().taskQueue, role) }),
      summary,
    },
    args,
  );
}
