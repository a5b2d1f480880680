/**
 * The production worker's health server: /health, /ready (503 when Redis stops), /status, /metrics.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startRedis, type RedisServer } from '../../src/sandbox/services';
import { startWorker, type RunningWorker } from '../../src/workers/main';
import { testTemporalAddress, testWorkflowBundle, uniqueName } from '../harness/env';

jest.setTimeout(60_000);

let redis: RedisServer;
const queue = uniqueName('health');
let worker: RunningWorker;
const get = (path: string) => fetch(`http://127.0.0.1:${worker.healthPort}${path}`);

beforeAll(async () => {
  redis = await startRedis();
  const config = loadConfig({
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: queue,
    REDIS_URL: redis.url,
    HEALTH_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  worker = await startWorker({
    config,
    logger: pino({ level: 'silent' }),
    workflowBundlePath: testWorkflowBundle().codePath,
    // No Vanta or code host configured: the worker serves no stage (without this it refuses to start).
    stages: [],
  });
});

afterAll(async () => {
  await worker?.shutdown();
  await redis?.stop();
});

it('serves /health, /status and /metrics, and /ready turns 503 when Redis stops', async () => {
  expect((await get('/health')).status).toBe(200);

  const ready = await get('/ready');
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', checks: { temporal: 'ok', redis: 'ok' } });

  const status = (await (await get('/status')).json()) as {
    workers: { queue: string; state: string }[];
    missingStages: string[];
  };
  // It serves no stage: only the main queue (workflows, records) is polled, not the Vanta, LLM or
  // GitHub queues, so it never takes work it cannot do from a worker that can.
  expect(status.workers.map((w) => [w.queue, w.state])).toEqual([[queue, 'RUNNING']]);
  expect(status.missingStages).toContain('listFailures'); // no Vanta credentials configured

  const metrics = await (await get('/metrics')).text();
  expect(metrics).toContain('terrafix_stage_duration_seconds');
  expect(metrics).toContain('terrafix_failures_total');
  expect(metrics).toMatch(/temporal_/); // the SDK's own metrics, served alongside

  await redis.stop();
  const notReady = await get('/ready');
  expect(notReady.status).toBe(503);
  const body = (await notReady.json()) as { checks: Record<string, string> };
  expect(body.checks.temporal).toBe('ok');
  expect(body.checks.redis).toMatch(/^unavailable/);
  expect((await get('/health')).status).toBe(200); // the process itself is still alive
});
