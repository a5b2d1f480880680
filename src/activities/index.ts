/**
 * createActivities(services): every TerraFix activity, built from the services this worker has, one
 * file per concern (records, vanta, repository, pullRequests, grouping), each wrapped in the adapter
 * (logging context, heartbeats, metrics). Workflows schedule them through
 * `proxyActivities<TerraFixActivities>`, the type of what this returns, so "go to definition" lands
 * on the body. A stage whose module is not configured (or not served, `--stages`) fails with
 * StageNotImplementedError.
 */
import { adapt, notServed } from './adapter';
import { groupingActivities } from './grouping';
import { pullRequestActivities } from './pullRequests';
import { recordActivities, type RecordServices } from './records';
import { repositoryActivities, withIndexCache, type StageServices } from './repository';
import { vantaActivities } from './vanta';
import type { VantaServices } from '../vanta';

export type { TerraFixActivities } from './types';
export type { ActivityMetrics } from './adapter';
export type { StageServices, StageCounters } from './repository';
export { GROUP_WORKFLOW_TYPE } from '../temporal/names';

const CODE_HOST_NEEDED =
  'a code host: GITHUB_TOKEN, GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY, or CODE_HOST=local';

/** Stages by the module that implements them, for `--stages` and the start-up check. */
export const STAGE_GROUPS = {
  vanta: {
    stages: ['listFailures', 'failureStillPresent'],
    needs: 'VANTA_CLIENT_ID and VANTA_CLIENT_SECRET (or VANTA_API_TOKEN)',
  },
  repository: {
    stages: ['prepare', 'analyze', 'generate', 'validate'],
    needs: CODE_HOST_NEEDED,
  },
  'pull-requests': {
    stages: [
      'openPullRequest',
      'checkPullRequest',
      'closePullRequest',
      'remindPullRequest',
      'openGroupPullRequest',
    ],
    needs: CODE_HOST_NEEDED,
  },
} as const satisfies Record<string, { stages: readonly string[]; needs: string }>;

export type StageGroup = keyof typeof STAGE_GROUPS;
export type StageName = (typeof STAGE_GROUPS)[StageGroup]['stages'][number];

/** Every stage, group by group. */
export const STAGE_NAMES: StageName[] = Object.values(STAGE_GROUPS).flatMap((g) => [...g.stages]);

/** What a worker has: Redis records always; Vanta and a code host when configured. */
export interface ActivityServices extends RecordServices {
  /** Vanta client and listing options (absent without Vanta credentials). */
  vanta?: VantaServices;
  /** The code host, LLM and PR-link settings (absent without a code host). */
  code?: StageServices;
  /** The stages this worker serves (`--stages`); unset: every stage. */
  serve?: ReadonlySet<string>;
  /** Stage bodies that replace the built ones: the activity doubles of workflow tests. */
  stages?: StageImplementations;
}

/** Builds every activity a Worker registers from the services this worker has. */
export function createActivities(s: ActivityServices) {
  const repo = s.code ? withIndexCache(s.code) : undefined;
  const impl = {
    ...recordActivities(s),
    ...vantaActivities(s.vanta),
    ...repositoryActivities(repo),
    ...pullRequestActivities(repo),
    ...groupingActivities(repo),
  };
  const bodies = impl as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(s.stages ?? {})) if (typeof fn === 'function') bodies[name] = fn;
  for (const name of STAGE_NAMES) if (s.serve && !s.serve.has(name)) bodies[name] = notServed(name);
  return adapt(impl, s);
}

type Built = ReturnType<typeof createActivities>;

/** Stage bodies by name: the doubles a workflow test gives `createActivities` (`stages`). */
export type StageImplementations = Partial<Pick<Built, StageName>>;

/** The stage groups whose services this configuration has. */
export function configuredGroups(s: Pick<ActivityServices, 'vanta' | 'code'>): Set<StageGroup> {
  const out = new Set<StageGroup>();
  if (s.vanta) out.add('vanta');
  if (s.code) {
    out.add('repository');
    out.add('pull-requests');
  }
  return out;
}
