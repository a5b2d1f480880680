/**
 * The worker process core: installs the Temporal Runtime once (Prometheus metrics), connects (plain,
 * mTLS or API key for Temporal Cloud), and runs one Worker per task queue (src/temporal/queues.ts routes the activities).
 */
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type NativeConnectionOptions,
  type WorkerOptions,
} from '@temporalio/worker';
import { taskQueues, type Config } from '../config';
import { temporalConnectionSettings } from '../temporal/connection';
import type { TerraFixActivities } from '../activities/types';
import { activitiesOn } from '../temporal/queues';
import type { Logger } from '../logger';

let runtimeInstalled = false;

/** Installs the Temporal Runtime with a Prometheus exporter on 127.0.0.1:metricsPort (once per process). */
export function installRuntime(opts: { metricsPort?: number; logger?: Logger } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const log = opts.logger;
  try {
    Runtime.install({
      logger: log
        ? new DefaultLogger('WARN', (entry) => {
            const level = entry.level === 'ERROR' ? 'error' : 'warn';
            log[level]({ sdk: entry.meta }, entry.message);
          })
        : new DefaultLogger('WARN'),
      telemetryOptions: opts.metricsPort
        ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${opts.metricsPort}` } } }
        : undefined,
    });
  } catch (err) {
    // Already installed (e.g. a connection was made first in tests): keep the existing runtime.
    log?.warn({ err: (err as Error).message }, 'Temporal Runtime already installed');
  }
}

/** Connection options for a plain, mTLS or API-key (Temporal Cloud) server. */
export function connectionOptions(c: Config): NativeConnectionOptions {
  return temporalConnectionSettings(c);
}

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: TerraFixActivities;
  /** Prebuilt bundle (production image) or the workflows source path (development, tests). */
  workflowBundle?: { codePath: string };
  workflowsPath?: string;
  maxConcurrentActivities?: number;
  /** Bedrock concurrency: how many LLM generations run at once on this worker. */
  maxConcurrentLlm?: number;
  /** Server-side limits (hold across all workers of the queue). */
  vantaActivitiesPerSecond?: number;
  githubActivitiesPerSecond?: number;
  /** Concurrent activities on the GitHub queue per worker (GITHUB_ACTIVITY_SLOTS, default 4). */
  githubActivitySlots?: number;
  /** Workflow executions cached in memory on the main queue (WORKFLOW_CACHE_SIZE). */
  maxCachedWorkflows?: number;
  /** Which queues this process serves (all by default). */
  queues?: ('main' | 'llm' | 'vanta' | 'github')[];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Payload codec (encryption) — the same one every client uses; see src/temporal/codec.ts. */
  dataConverter?: WorkerOptions['dataConverter'];
}

export interface WorkerSet {
  workers: Map<string, Worker>;
  /** Runs until shutdown() (or a signal handled by the Runtime); rejects if a worker fails. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
  running(): boolean;
}

/** Creates the workers for the main, LLM, Vanta and GitHub task queues. */
export async function createWorkerSet(o: WorkerSetOptions): Promise<WorkerSet> {
  const q = taskQueues({ TEMPORAL_TASK_QUEUE: o.taskQueue });
  const a = o.activities;
  const serve = new Set(o.queues ?? ['main', 'llm', 'vanta', 'github']);
  const common = {
    connection: o.connection,
    namespace: o.namespace,
    shutdownGraceTime: o.shutdownGraceTime ?? '30s',
    ...(o.dataConverter ? { dataConverter: o.dataConverter } : {}),
  };
  const workers = new Map<string, Worker>();
  if (serve.has('main')) {
    workers.set(
      q.main,
      await Worker.create({
        ...common,
        taskQueue: q.main,
        ...(o.workflowBundle
          ? { workflowBundle: o.workflowBundle }
          : { workflowsPath: o.workflowsPath ?? require.resolve('../workflows') }),
        activities: activitiesOn(a, 'main'),
        maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities ?? 10,
        ...(o.maxCachedWorkflows ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
      }),
    );
  }
  if (serve.has('llm')) {
    workers.set(
      q.llm,
      await Worker.create({
        ...common,
        taskQueue: q.llm,
        activities: activitiesOn(a, 'llm'),
        maxConcurrentActivityTaskExecutions: o.maxConcurrentLlm ?? 2,
      }),
    );
  }
  if (serve.has('vanta')) {
    workers.set(
      q.vanta,
      await Worker.create({
        ...common,
        taskQueue: q.vanta,
        activities: activitiesOn(a, 'vanta'),
        maxConcurrentActivityTaskExecutions: 2,
        maxTaskQueueActivitiesPerSecond: o.vantaActivitiesPerSecond ?? 1,
      }),
    );
  }
  if (serve.has('github')) {
    workers.set(
      q.github,
      await Worker.create({
        ...common,
        taskQueue: q.github,
        activities: activitiesOn(a, 'github'),
        maxConcurrentActivityTaskExecutions: o.githubActivitySlots ?? 4,
        maxTaskQueueActivitiesPerSecond: o.githubActivitiesPerSecond ?? 1,
      }),
    );
  }
  let isRunning = false;
  return {
    workers,
    running: () => isRunning && [...workers.values()].every((w) => w.getState() === 'RUNNING'),
    async run() {
      isRunning = true;
      try {
        await Promise.all([...workers.values()].map((w) => w.run()));
      } finally {
        isRunning = false;
      }
    },
    async shutdown() {
      for (const w of workers.values()) {
        if (w.getState() === 'RUNNING') w.shutdown();
      }
    },
  };
}
