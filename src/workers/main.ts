/**
 * `terrafix worker`: the production worker process. Validates config, installs the Runtime, connects
 * to Temporal and Redis, serves every task queue, runs the health server, and shuts down gracefully.
 */
import os from 'node:os';
import Redis from 'ioredis';
import { NativeConnection } from '@temporalio/worker';
import {
  createActivities,
  missingStages,
  STAGE_GROUPS,
  STAGE_NAMES,
  type StageImplementations,
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
import { createCodeHost } from '../github';
import { buildStages, hasCodeHostConfig, type ProductionDeps } from './production';
import { connectionOptions, createWorkerSet, installRuntime } from './worker';
import { freePort } from '../process/ports';

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
 * Keeps the stages a worker serves and checks that each has an implementation: a worker that would
 * serve a stage without its configuration refuses to start (ConfigError naming stages and variables).
 */
export function selectStages(built: StageImplementations, wanted?: string[]): StageImplementations {
  const all = STAGE_NAMES;
  let serve = all;
  if (wanted) {
    const unknown = wanted.filter((w) => !(w in STAGE_GROUPS) && !all.includes(w as never));
    if (unknown.length)
      throw new ConfigError(
        `invalid --stages: ${unknown.join(', ')}: expected stage groups (${Object.keys(STAGE_GROUPS).join(', ')}) or stage names (${all.join(', ')})`,
      );
    serve = all.filter((s) =>
      wanted.some((w) => w === s || STAGE_GROUPS[w]?.stages.includes(s as keyof StageImplementations)),
    );
  }
  const problems: string[] = [];
  for (const [group, g] of Object.entries(STAGE_GROUPS)) {
    const missing = g.stages.filter((s) => serve.includes(s) && typeof built[s] !== 'function');
    if (missing.length) problems.push(`  ${group} (${missing.join(', ')}): needs ${g.needs}`);
  }
  if (problems.length)
    throw new ConfigError(
      `invalid configuration: this worker would serve stages it cannot run:\n${problems.join('\n')}\n  (or pass --stages to serve fewer, e.g. --stages repository,pull-requests)`,
    );
  const out: StageImplementations = {};
  for (const s of serve) (out as Record<string, unknown>)[s] = built[s];
  return out;
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

  // One code host for the stages and the poll's branch-head check.
  const codeHost =
    opts.overrides?.codeHost ?? (hasCodeHostConfig(config) ? createCodeHost(config, log) : undefined);
  const built = await buildStages({ config, redis, logger: log, metrics, ...opts.overrides, codeHost });
  let stages: StageImplementations;
  try {
    stages = selectStages(built, opts.stages);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const missing = missingStages(stages);
  if (missing.length) {
    log.warn(
      { missing },
      `not served by this worker (--stages): ${missing.join(', ')}; they fail with StageNotImplementedError here`,
    );
  }
  const activities = createActivities({
    records,
    logger: log,
    stages,
    metrics,
    branchHead: codeHost
      ? (repo) => {
          const [owner, name] = repo.split('/');
          return owner && name ? codeHost.defaultBranchHead({ owner, name }) : Promise.resolve(undefined);
        }
      : undefined,
  });

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
    workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
    maxConcurrentActivities: config.MAX_CONCURRENT_WORKERS,
    maxConcurrentLlm: config.LLM_CONCURRENCY,
    vantaActivitiesPerSecond: config.VANTA_ACTIVITIES_PER_SECOND,
    githubActivitiesPerSecond: config.GITHUB_ACTIVITIES_PER_SECOND,
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
