/**
 * The "terrafix-poll" Temporal Schedule: created or updated idempotently (interval changes are applied,
 * an unchanged schedule is left alone), overlap SKIP and an explicit catch-up window.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { Config } from '../config';
import type { RemediationOptions } from '../workflows/definitions';

/** Remediation options from configuration (engine, follow-up timings, record TTLs by outcome). */
export function remediationOptionsFromConfig(c: Config): RemediationOptions {
  return {
    engine: c.FIX_ENGINE,
    followUp: true,
    prCheckIntervalMs: c.PR_CHECK_INTERVAL_HOURS * 3600_000,
    staleAfterMs: c.PR_STALE_DAYS * 86_400_000,
    rejectedSuppressSeconds: c.REJECTED_SUPPRESS_DAYS * 86_400,
    retryAfterSeconds: c.RETRY_AFTER_MINUTES * 60,
    configErrorRetrySeconds: c.CONFIG_ERROR_RETRY_MINUTES * 60,
    notFoundRetrySeconds: c.NOT_FOUND_RETRY_HOURS * 3600,
    ...(c.GROUP_BY === 'test' ? { groupBy: 'test' as const } : {}),
  };
}

export interface ScheduleSettings {
  scheduleId: string;
  taskQueue: string;
  intervalSeconds: number;
  options?: RemediationOptions;
  paused?: boolean;
}

/** The interval, in seconds, of an existing schedule (undefined when it has none). */
export function scheduleIntervalSeconds(d: ScheduleDescription): number | undefined {
  const every = d.spec.intervals?.[0]?.every;
  if (every === undefined) return undefined;
  return typeof every === 'number' ? every / 1000 : Number(every) / 1000;
}

/** Creates the schedule, or updates it when its interval, task queue or options changed. */
export async function ensureSchedule(
  client: Client,
  s: ScheduleSettings,
): Promise<'created' | 'updated' | 'unchanged'> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'pollFailuresWorkflow',
    workflowId: `${s.scheduleId}-run`,
    taskQueue: s.taskQueue,
    args: [{ options: s.options ?? { followUp: true } }],
    workflowExecutionTimeout: '30m',
    staticSummary: 'TerraFix poll: list Vanta failures and start one remediation per failure',
  };
  const spec = { intervals: [{ every: `${s.intervalSeconds}s` }] };
  const handle = client.schedule.getHandle(s.scheduleId);
  try {
    const d = await handle.describe();
    const action0 = d.action as { taskQueue?: string; args?: unknown[] };
    const sameArgs = JSON.stringify(action0.args ?? []) === JSON.stringify(action.args);
    if (scheduleIntervalSeconds(d) === s.intervalSeconds && action0.taskQueue === s.taskQueue && sameArgs) {
      return 'unchanged';
    }
    await handle.update((prev) => ({ ...prev, spec, action }));
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  try {
    await client.schedule.create({
      scheduleId: s.scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m', pauseOnFailure: false },
      state: { paused: s.paused ?? false, note: 'managed by TerraFix' },
    });
    return 'created';
  } catch (err) {
    // Another worker created it between our describe and create: the schedule exists, which is what we want.
    if (err instanceof ScheduleAlreadyRunning) return 'unchanged';
    throw err;
  }
}
