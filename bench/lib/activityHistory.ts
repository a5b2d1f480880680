/**
 * Activity timings from Temporal workflow histories: pairs ActivityTaskScheduled/Started/closed
 * events by scheduled event id and summarises execution (closed − started, last attempt) and queue
 * wait (started − scheduled, which includes earlier attempts and their retry back-off) per type.
 */
import { summarize, type Summary } from './stats';

/** An int64 as protobufjs decodes it (Long), a number or a decimal string. */
type Int64 = number | string | { toNumber(): number };

interface ScheduledRef {
  scheduledEventId?: Int64 | null;
}

/** The parts of a history event (temporal.api.history.v1.IHistoryEvent) used here. */
export interface HistoryEventLike {
  eventId?: Int64 | null;
  eventTime?: { seconds?: Int64 | null; nanos?: number | null } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: (ScheduledRef & { attempt?: number | null }) | null;
  activityTaskCompletedEventAttributes?: ScheduledRef | null;
  activityTaskFailedEventAttributes?: ScheduledRef | null;
  activityTaskTimedOutEventAttributes?: ScheduledRef | null;
  activityTaskCanceledEventAttributes?: ScheduledRef | null;
}

export type ActivityOutcome = 'completed' | 'failed' | 'timed_out' | 'canceled' | 'open';

/** One scheduled activity of one workflow. */
export interface ActivityTiming {
  type: string;
  scheduledMs: number;
  startedMs?: number;
  closedMs?: number;
  outcome: ActivityOutcome;
  /** Attempt of the recorded start (1 = no retry) */
  attempt: number;
}

function int(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}

function timeMs(e: HistoryEventLike): number {
  const t = e.eventTime;
  return t ? int(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : Number.NaN;
}

/** The activities of one workflow history, in scheduling order. */
export function activityTimings(events: readonly HistoryEventLike[]): ActivityTiming[] {
  const byScheduled = new Map<number, ActivityTiming>();
  for (const e of events) {
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched) {
      byScheduled.set(int(e.eventId), {
        type: sched.activityType?.name ?? 'unknown',
        scheduledMs: timeMs(e),
        outcome: 'open',
        attempt: 1,
      });
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const a = byScheduled.get(int(started.scheduledEventId));
      if (a) {
        a.startedMs = timeMs(e);
        a.attempt = started.attempt ?? 1;
      }
      continue;
    }
    const closed: [ScheduledRef | null | undefined, ActivityOutcome][] = [
      [e.activityTaskCompletedEventAttributes, 'completed'],
      [e.activityTaskFailedEventAttributes, 'failed'],
      [e.activityTaskTimedOutEventAttributes, 'timed_out'],
      [e.activityTaskCanceledEventAttributes, 'canceled'],
    ];
    for (const [attrs, outcome] of closed) {
      if (!attrs) continue;
      const a = byScheduled.get(int(attrs.scheduledEventId));
      if (a) {
        a.closedMs = timeMs(e);
        a.outcome = outcome;
      }
      break;
    }
  }
  return [...byScheduled.values()];
}

/** Per activity type: execution and queue-wait distributions and how many ran, failed and retried. */
export interface ActivityTypeStats {
  /** Activities that started and closed (completed, failed or timed out) */
  count: number;
  failed: number;
  /** Activities whose recorded start was a retry (attempt > 1) */
  retried: number;
  /** ms from the (last attempt's) start to completion: the worker's execution time */
  execution: Summary;
  /** ms from scheduling to the (last attempt's) start: queue wait, plus earlier attempts if retried */
  queueWait: Summary;
}

/** Summarises the timings of many workflows by activity type. */
export function summarizeActivities(timings: readonly ActivityTiming[]): Record<string, ActivityTypeStats> {
  const groups = new Map<string, ActivityTiming[]>();
  for (const t of timings) {
    if (t.startedMs === undefined || t.closedMs === undefined) continue;
    const list = groups.get(t.type) ?? [];
    list.push(t);
    groups.set(t.type, list);
  }
  const out: Record<string, ActivityTypeStats> = {};
  for (const [type, list] of groups) {
    out[type] = {
      count: list.length,
      failed: list.filter((t) => t.outcome !== 'completed').length,
      retried: list.filter((t) => t.attempt > 1).length,
      execution: summarize(list.map((t) => t.closedMs! - t.startedMs!)),
      queueWait: summarize(list.map((t) => t.startedMs! - t.scheduledMs)),
    };
  }
  return out;
}
