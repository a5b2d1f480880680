/**
 * The task-queue routing table: which queue each activity runs on. Config (queue names), the workers
 * (which activities each queue's worker registers) and the workflows (where they schedule an activity)
 * all read it. Plain data: safe in workflow code.
 */
import type { TerraFixActivities } from '../activities/types';

/** The four queues: main (workflows, light activities), LLM generation, Vanta and GitHub rate limits. */
export type QueueRole = 'main' | 'llm' | 'vanta' | 'github';

export const QUEUE_ROLES: QueueRole[] = ['main', 'llm', 'vanta', 'github'];

/** The queue of a role, from the base queue (TEMPORAL_TASK_QUEUE, or a workflow's own task queue). */
export function queueName(base: string, role: QueueRole): string {
  return role === 'main' ? base : `${base}-${role}`;
}

/**
 * Queues each activity is registered on. The first is where workflows schedule it by default;
 * `generate` runs on main for rules and on llm for the model (LLM_CONCURRENCY per worker).
 */
export const ACTIVITY_QUEUES: Record<keyof TerraFixActivities, QueueRole[]> = {
  filterSuppressed: ['main'],
  recordPollResult: ['main'],
  claim: ['main'],
  record: ['main'],
  prepare: ['main'],
  analyze: ['main'],
  generate: ['main', 'llm'],
  validate: ['main'],
  joinGroup: ['main'],
  listFailures: ['vanta'],
  // Asks Vanta: on the Vanta queue, so a worker without Vanta credentials never takes it.
  failureStillPresent: ['vanta'],
  openPullRequest: ['github'],
  checkPullRequest: ['github'],
  closePullRequest: ['github'],
  remindPullRequest: ['github'],
  openGroupPullRequest: ['github'],
};

/** The activities a queue's worker registers (from ACTIVITY_QUEUES). */
export function activitiesOn<A extends Record<keyof TerraFixActivities, unknown>>(
  all: A,
  role: QueueRole,
): Partial<A> {
  const out: Partial<A> = {};
  for (const [name, roles] of Object.entries(ACTIVITY_QUEUES) as [keyof TerraFixActivities, QueueRole[]][])
    if (roles.includes(role)) out[name] = all[name];
  return out;
}
