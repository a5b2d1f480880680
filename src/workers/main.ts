/**
 * `terrafix worker`: the production worker process. Validates config, installs the Runtime, connects
 * to Temporal and Redis, serves every task queue, runs the health server, and shuts down gracefully.
 */
import os from 'node:os';
import Redis from 'ioredis';
import { NativeConnection } from '@temporalio/worker';
import {
  configuredGroups,
  createActivities,
  STAGE_GROUPS,
  STAGE_NAMES,
  type StageGroup,
  type StageName,
} from '../activities';
import { ConfigError } from '../errors';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/definitions';
import { loadConfig, taskQueues, type Config } from '../config';
import { connectClient } from '../temporal/connection';
import { dataConverterFor } from '../temporal/codec';
import { ensureSchedule, remediationOptionsFromConfig } from '../temporal/schedule';
import { createLogger, logger, registerSecret, setLogger, type Logger } from '../logger';
import { RecordStore } from '../state/recordStore';
import { startHealthServer } from './health';
import { createMetrics } from './metrics';
import { servicesFromConfig, type ProductionDeps } from './production';
import { connectionOptions, createWorkerSet, installRuntime } from './worker';
import { freePort } from '../process/ports';
import { tuneWorkerHeap } from '../process/heap';
import { ACTIVITY_QUEUES, QUEUE_ROLES, type QueueRole } from '../temporal/queues';

export interface RunWorkerOptions {
  config?: Config;
  logger?: Logger;
  /** Extra production dependencies (e.g. a code host or LLM client for the sandbox). */
  overrides?: Pick<ProductionDeps, 'codeHost' | 'llm'>;
  /** Prebuilt workflow bundle; defaults to $TERRAFIX_WORKFLOW_BUNDLE, else the workflows source. */
  workflowBundlePath?: string;
  /**
   * The stages this worker serves (stage names or the groups in STAGE_GROUPS). Unset: every stage, and
   * the worker refuses to start when one of them has no configuration. Set: only these must be
   * configured; the others fail with StageNotImplementedError (a configuration error) if called here.
   */
  stages?: string[];
  /** Called once the workers run and the health server listens. */
  onReady?: (info: { healthPort: number }) => void;
}

export interface RunningWorker {
  healthPort: number;
  /** Graceful shutdown: in-flight activities get the grace time, then are handed back. */
  shutdown(): Promise<void>;
  /** Settles when the workers have stopped. */
  done: Promise<void>;
}

/**
 * The stages a worker serves (`--stages`: stage names or groups; unset: all), checked against the
 * modules it has: a worker that would serve a stage without its configuration refuses to start
 * (ConfigError naming the stages and the variables they need).
 */
export function selectStages(configured: ReadonlySet<StageGroup>, wanted?: string[]): Set<StageName> {
  const groups = Object.entries(STAGE_GROUPS) as [StageGroup, (typeof STAGE_GROUPS)[StageGroup]][];
  let serve: StageName[] = STAGE_NAMES;
  if (wanted) {
    const unknown = wanted.filter((w) => !(w in STAGE_GROUPS) && !STAGE_NAMES.includes(w as StageName));
    if (unknown.length)
      throw new ConfigError(
        `invalid --stages: ${unknown.join(', ')}: expected stage groups (${Object.keys(STAGE_GROUPS).join(', ')}) or stage names (${STAGE_NAMES.join(', ')})`,
      );
    serve = groups.flatMap(([group, g]) =>
      g.stages.filter((s) => wanted.includes(group) || wanted.includes(s)),
    );
  }
  const problems: string[] = [];
  for (const [group, g] of groups) {
    const missing = g.stages.filter((s) => serve.includes(s) && !configured.has(group));
    if (missing.length) problems.push(`  ${group} (${missing.join(', ')}): needs ${g.needs}`);
  }
  if (problems.length)
    throw new ConfigError(
      `invalid configuration: this worker would serve stages it cannot run:\n${problems.join('\n')}\n  (or pass --stages to serve fewer, e.g. --stages repository,pull-requests)`,
    );
  return new Set(serve);
}

/** The task queues a worker polls: main always (workflows, records), the others when it serves their stages. */
export function queuesFor(serve: ReadonlySet<StageName>): QueueRole[] {
  return QUEUE_ROLES.filter(
    (role) =>
      role === 'main' ||
      (Object.entries(ACTIVITY_QUEUES) as [string, QueueRole[]][]).some(
        ([name, roles]) => roles.includes(role) && serve.has(name as StageName),
      ),
  );
}

/**
 * The workflows upsert TerraFix's search attributes; an unregistered one would fail every workflow
 * task. So the worker refuses to start (ConfigError with the commands to run) when one is missing. A
 * server that does not let the worker list them (Temporal Cloud without the permission) only warns.
 */
export async function checkSearchAttributes(
  connection: NativeConnection,
  namespace: string,
  log: Logger,
): Promise<void> {
  let custom: Record<string, unknown>;
  try {
    const r = await connection.operatorService.listSearchAttributes({ namespace });
    custom = (r.customAttributes ?? {}) as Record<string, unknown>;
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      "could not list the namespace search attributes; make sure TerraFix's are registered (README)",
    );
    return;
  }
  const missing = SEARCH_ATTRIBUTE_NAMES.filter((n) => !(n in custom));
  if (missing.length)
    throw new ConfigError(
      `invalid configuration: namespace ${namespace} lacks TerraFix's search attributes ${missing.join(', ')}; register them once:\n${missing
        .map(
          (n) =>
            `  temporal operator search-attribute create --namespace ${namespace} --name ${n} --type Keyword`,
        )
        .join('\n')}`,
    );
}

/** Runs the worker until SIGINT/SIGTERM; resolves after a graceful shutdown. */
export async function runWorker(opts: RunWorkerOptions = {}): Promise<void> {
  const config = opts.config ?? loadConfig();
  const w = await startWorker({ ...opts, config });
  if (config.SCHEDULE_ON_START) {
    // Create the poll schedule, or update it when POLL_INTERVAL_SECONDS changed (idempotent).
    const client = await connectClient(config);
    try {
      const r = await ensureSchedule(client, {
        scheduleId: config.TEMPORAL_SCHEDULE_ID,
        taskQueue: taskQueues(config).main,
        intervalSeconds: config.POLL_INTERVAL_SECONDS,
        options: remediationOptionsFromConfig(config),
      });
      (opts.logger ?? logger()).info(
        { scheduleId: config.TEMPORAL_SCHEDULE_ID, result: r },
        `poll schedule ${r}`,
      );
    } finally {
      await client.connection.close();
    }
  }
  await w.done;
}

/** Starts the worker process core and returns a handle (tests, the sandbox, benchmarks). */
export async function startWorker(opts: RunWorkerOptions = {}): Promise<RunningWorker> {
  tuneWorkerHeap();
  const config = opts.config ?? loadConfig();
  for (const s of [
    config.VANTA_CLIENT_SECRET,
    config.VANTA_API_TOKEN,
    config.GITHUB_TOKEN,
    config.GITHUB_APP_PRIVATE_KEY,
    config.TEMPORAL_API_KEY,
    config.TEMPORAL_PAYLOAD_KEYS,
    process.env.AWS_SECRET_ACCESS_KEY,
    process.env.AWS_SESSION_TOKEN,
  ]) {
    registerSecret(s);
  }
  const log = opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  setLogger(log);
  const started = Date.now();
  const sdkMetricsPort = await freePort();
  installRuntime({ metricsPort: sdkMetricsPort, logger: log });
  const metrics = createMetrics();

  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const records = new RecordStore(redis, { ttlSeconds: config.STATE_RETENTION_DAYS * 86400 });

  const services = servicesFromConfig({ config, redis, records, logger: log, metrics, ...opts.overrides });
  let serve: Set<StageName>;
  try {
    serve = selectStages(configuredGroups(services), opts.stages);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const missing = STAGE_NAMES.filter((s) => !serve.has(s));
  if (missing.length) {
    log.warn(
      { missing },
      `not served by this worker (--stages): ${missing.join(', ')}; their task queues are not polled here`,
    );
  }
  const activities = createActivities({ ...services, serve });

  const connection = await NativeConnection.connect(connectionOptions(config));
  try {
    await checkSearchAttributes(connection, config.TEMPORAL_NAMESPACE, log);
  } catch (err) {
    await connection.close();
    redis.disconnect();
    throw err;
  }
  const bundlePath = opts.workflowBundlePath ?? process.env.TERRAFIX_WORKFLOW_BUNDLE;
  const set = await createWorkerSet({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities,
    queues: queuesFor(serve),
    workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
    maxConcurrentActivities: config.MAX_CONCURRENT_WORKERS,
    maxConcurrentLlm: config.LLM_CONCURRENCY,
    vantaActivitiesPerSecond: config.VANTA_ACTIVITIES_PER_SECOND,
    githubActivitiesPerSecond: config.GITHUB_ACTIVITIES_PER_SECOND,
    githubActivitySlots: config.GITHUB_ACTIVITY_SLOTS,
    maxCachedWorkflows: config.WORKFLOW_CACHE_SIZE,
    dataConverter: dataConverterFor(config),
  });

  const health = await startHealthServer(
    {
      alive: () => set.running(),
      readiness: {
        temporal: () => connection.workflowService.getSystemInfo({}),
        redis: () => redis.ping(),
      },
      status: () => ({
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        host: os.hostname(),
        namespace: config.TEMPORAL_NAMESPACE,
        workers: [...set.workers.entries()].map(([queue, w]) => ({
          queue,
          state: w.getState(),
          status: w.getStatus(),
        })),
        missingStages: missing,
      }),
      metrics: async () => {
        const own = await metrics.registry.metrics();
        const sdk = await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`)
          .then((r) => r.text())
          .catch(() => '');
        return `${own}\n${sdk}`;
      },
    },
    config.HEALTH_PORT,
  );
  log.info({ healthPort: health.port, queues: [...set.workers.keys()] }, 'TerraFix worker running');
  opts.onReady?.({ healthPort: health.port });
  // The Runtime's default shutdown signals (SIGINT, SIGTERM) stop the workers; in-flight activities
  // get shutdownGraceTime to finish, then are handed back to the server for another worker.
  const done = set.run().finally(async () => {
    await health.close();
    await connection.close();
    redis.disconnect();
    log.info('TerraFix worker stopped');
  });
  return {
    healthPort: health.port,
    done,
    async shutdown() {
      await set.shutdown();
      await done.catch(() => undefined);
    },
  };
}

if (require.main === module) {
  runWorker().catch((err: Error) => {
    process.stderr.write(`terrafix worker: ${err.message}\n`);
    process.exit(1);
  });
}
