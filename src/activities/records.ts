/**
 * The record activities: claim a failure, write its record, say which failures a poll must not start
 * (open PR, rejection, recent failure...), and count a poll's outcome. Thin adapters over RecordStore.
 */
import type { PollResult, RecordWrite, RemediationRecord } from '../contracts';
import type { Logger } from '../logger';
import type { RecordStore } from '../state/recordStore';
import type { ActivityMetrics } from './adapter';

export interface ClaimInput {
  failureKey: string;
  workflowId: string;
  runId: string;
}

export type ClaimResult = { claimed: true } | { claimed: false; existing: RemediationRecord };

/** What the record activities work with. */
export interface RecordServices {
  records: RecordStore;
  logger: Logger;
  metrics?: ActivityMetrics;
  /** Head SHA of a repository's default branch ("owner/name"): lets the poll re-try not_found/no_fix. */
  branchHead?: (repo: string) => Promise<string | undefined>;
}

/** claim, record, filterSuppressed and recordPollResult. */
export function recordActivities(s: RecordServices) {
  return {
    /** Takes the failure for this run unless its record says it must not be worked on now. */
    claim: (input: ClaimInput): Promise<ClaimResult> => s.records.claim(input),
    /** Writes the failure's record (status, PR, reason) with a TTL that depends on the outcome. */
    record: async (input: RecordWrite): Promise<void> => {
      await s.records.put(input);
    },
    /** Keys whose record says a new remediation must not start (open PR, rejected, resolved...). */
    filterSuppressed: (keys: string[]): Promise<string[]> =>
      s.records.suppressed(keys, { headOf: s.branchHead }),
    /** Counts a poll's outcome in the worker's metrics (seen, started, deduplicated, suppressed). */
    recordPollResult: async (result: PollResult): Promise<void> => {
      s.metrics?.observePoll?.(result);
      s.logger.info({ poll: result }, 'poll finished');
    },
  };
}
