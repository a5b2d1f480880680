/**
 * One table of activity options for the workflows (timeouts, heartbeat, retry, queue) and
 * `call(name, summary, input)`, which schedules an activity with them (`groupCall` for the group PR
 * workflow's variants). Deterministic: no I/O.
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

/** Group PR calls (groupPullRequestWorkflow): ten attempts with backoff; permanent errors end the call at once. */
export const groupRetry = { ...stageRetry, maximumAttempts: 10 };

// The activity adapter heartbeats every 10 s: with a 30 s heartbeat timeout a crashed worker is
// noticed in 30 s, not after the whole start-to-close timeout.
const HEARTBEAT = '30s';

type Name = keyof TerraFixActivities;
type Options = Omit<ActivityOptions, 'taskQueue' | 'summary'> & { queue?: QueueRole };
/** The calls the group PR workflow makes (each has a `group.<name>` variant). */
export type GroupCallName =
  'openGroupPullRequest' | 'checkPullRequest' | 'closePullRequest' | 'remindPullRequest';
/** Variants: generate with the LLM, and the group workflow's calls (10 attempts, 1 min heartbeat). */
export type Variant = 'generateLlm' | `group.${GroupCallName}`;

/** Options per activity, and per variant. */
export const ACTIVITY_OPTIONS: Partial<Record<Name | Variant, Options>> = {
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
  'group.openGroupPullRequest': { startToCloseTimeout: '15m', heartbeatTimeout: '1m', retry: groupRetry },
  'group.checkPullRequest': { startToCloseTimeout: '1m', heartbeatTimeout: '1m', retry: groupRetry },
  'group.closePullRequest': { startToCloseTimeout: '2m', heartbeatTimeout: '1m', retry: groupRetry },
  'group.remindPullRequest': { startToCloseTimeout: '2m', heartbeatTimeout: '1m', retry: groupRetry },
};

const acts = proxyActivities<TerraFixActivities>({ startToCloseTimeout: '1m', retry: stageRetry });

/** Schedules activity `name` with its options from the table, on its queue, with a UI summary. */
export function call<K extends Name>(
  name: K,
  summary: string,
  args: Parameters<TerraFixActivities[K]>,
  variant?: Variant,
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

/** Schedules a call of the group PR workflow with its `group.<name>` options (on the github queue). */
export function groupCall<K extends GroupCallName>(
  name: K,
  summary: string,
  args: Parameters<TerraFixActivities[K]>,
): ReturnType<TerraFixActivities[K]> {
  return call(name, summary, args, `group.${name}`);
}
