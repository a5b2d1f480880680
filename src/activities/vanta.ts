/**
 * The Vanta activities: list the failing tests' resources, and ask whether one failure is still
 * reported (the follow-up after a merge). Thin adapters over src/vanta.
 */
import type { Failure } from '../contracts';
import { isFailurePresent, listFailuresWithStats, type VantaServices } from '../vanta';
import { notConfigured } from './adapter';

function build(v: VantaServices) {
  return {
    /** Every failing resource of the tests the filters select, as Failures. */
    async listFailures(): Promise<Failure[]> {
      const before = v.api.requestCount;
      const { failures, stats } = await listFailuresWithStats(v.api, v.listOptions);
      v.logger.info({ ...stats, requests: v.api.requestCount - before }, 'listed Vanta failures');
      return failures;
    },
    /** True while Vanta still reports the failure's resource failing its test. */
    failureStillPresent: ({ failure }: { failure: Failure }): Promise<boolean> =>
      isFailurePresent(v.api, failure),
  };
}

export type VantaActivities = ReturnType<typeof build>;

/** The Vanta activities over `v`; without Vanta credentials, each fails with StageNotImplementedError. */
export function vantaActivities(v: VantaServices | undefined): VantaActivities {
  return v ? build(v) : notConfigured<VantaActivities>(['listFailures', 'failureStillPresent']);
}
