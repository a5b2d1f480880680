/**
 * Chaos: 40 failures (CHAOS_FAILURES) through the real production pipeline (real Temporal, real
 * Redis, worker processes running `startWorker` with the sandbox env, the GitHub/Vanta/Bedrock
 * emulators injecting 429/5xx faults and latency) while the worker process is SIGKILLed at random
 * moments (CHAOS_KILLS, 0.5–6 s apart, as soon as remediations run) and restarted. Expect exactly one PR
 * per failure, no duplicates, none lost, and every workflow finished. The waits judge progress, not
 * the clock: they fail only when no remediation finishes for FAULT_STALL_MS, with a diagnosis.
 */
import fs from 'node:fs';
import { dataConverterFor } from '../../src/temporal/codec';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { generatedLlmHandler, startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import {
  remediationWorkflowId,
  type PollResult,
  type RemediationResult,
} from '../../src/workflows/definitions';
import { testClient, testRedisUrl, testTemporalAddress, testTmpDir, uniqueName } from '../harness/env';
import {
  accountPulls,
  awaitAllWithProgress,
  countWorkflows,
  diagnoseRemediations,
  faultStallMs,
  PendingCalls,
  remediationQuery,
  sleep,
  waitForProgress,
  WorkerProcesses,
  writeEnvFile,
  type PullLike,
} from './helpers';

const FAILURES = Number(process.env.CHAOS_FAILURES ?? 40);
const FAULT_RATE = 0.15;

// Only a backstop: the progress-based waits below decide (FAULT_STALL_MS without progress fails).
jest.setTimeout(3_600_000);

let sandbox: Sandbox;
let client: Client;
let connection: Connection;
let procs: WorkerProcesses;
let calls: PendingCalls;
let bedrockFaults = 0;

beforeAll(async () => {
  const taskQueue = uniqueName('chaos');
  const dir = path.join(testTmpDir(), taskQueue);
  fs.mkdirSync(dir, { recursive: true });
  sandbox = await startSandbox({
    org: { repos: 2, failures: FAILURES, llmFraction: 0.1 },
    temporalAddress: testTemporalAddress(),
    redisUrl: testRedisUrl(),
    taskQueue,
    dir,
    latencyMs: { vanta: 40, bedrock: 150 },
    faultRate: { vanta: FAULT_RATE, github: FAULT_RATE },
  });
  // Bedrock throttles too.
  sandbox.bedrock.setHandler(async (req) => {
    await sleep(150);
    if (Math.random() < FAULT_RATE) {
      bedrockFaults += 1;
      return { error: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' };
    }
    return generatedLlmHandler(req);
  });
  procs = new WorkerProcesses(dir);
  ({ client, connection } = await testClient(dataConverterFor(sandbox.config)));
  calls = new PendingCalls(connection);
}, 120_000);

afterAll(async () => {
  await procs?.killAll();
  await calls?.cancelAll();
  await connection?.close();
  await sandbox?.stop();
});

function allPulls(): PullLike[] {
  const repos = [...new Set(sandbox.expected.map((x) => x.repo))];
  return repos.flatMap((r) => {
    const [owner, name] = r.split('/') as [string, string];
    return sandbox.github.listPulls(owner, name);
  });
}

it(`opens exactly ${FAILURES} PRs through SIGKILLs and injected faults`, async () => {
  const t0 = Date.now();
  const tq = sandbox.config.TEMPORAL_TASK_QUEUE;
  const envFile = writeEnvFile(sandbox.dir, 'worker', {
    ...sandbox.env,
    LOG_LEVEL: 'warn',
    HEALTH_PORT: '0',
  });
  let worker: ChildProcess = await procs.start(envFile, 'worker');

  // Besides the random faults, the first Vanta requests surely fail (the poll lists only a few pages).
  sandbox.vanta.inject429(1, 1);
  sandbox.vanta.inject5xx(1, 503);
  const poll = await client.workflow.start('pollFailuresWorkflow', {
    taskQueue: tq,
    workflowId: uniqueName('chaos-poll'),
    args: [{ options: { followUp: false } }],
  });
  const query = remediationQuery(tq);
  const closed = () => countWorkflows(client, `${query} AND ExecutionStatus != 'Running'`);
  const diagnose = () => diagnoseRemediations(client, { taskQueue: tq, procs });
  const stallMs = faultStallMs();

  // Chaos phase, from the moment the poll has started remediations (a kill while the poll's Vanta
  // listing runs would only idle everything until its 2 min heartbeat timeout, and no remediation
  // would be hit on a small run): kill the worker at random moments (0.5–6 s apart) while any
  // remediation is unfinished, until the kill budget is spent; each time start a fresh process after a
  // short random pause.
  await waitForProgress({
    what: 'the poll to start the first remediation',
    done: async () => ((await countWorkflows(client, query)) > 0 ? 1 : 0),
    total: 1,
    stallMs,
    intervalMs: 100,
    diagnose,
  });
  const maxKills = Number(process.env.CHAOS_KILLS ?? 10);
  const runningAtKills: number[] = [];
  while (procs.kills < maxKills) {
    await sleep(500 + Math.random() * 5500);
    if ((await closed()) >= FAILURES) break;
    runningAtKills.push(await countWorkflows(client, `${query} AND ExecutionStatus = 'Running'`));
    await procs.kill(worker);
    await sleep(Math.random() * 1500);
    worker = await procs.start(envFile, 'worker');
  }

  const [pollResult] = (await awaitAllWithProgress([calls.track(() => poll.result())], {
    what: 'the poll to finish',
    stallMs,
    diagnose,
  })) as [PollResult];
  expect(pollResult.found).toBe(FAILURES);
  expect(pollResult.started + pollResult.alreadyRunning).toBe(FAILURES);

  await waitForProgress({
    what: 'every remediation to finish',
    done: closed,
    total: FAILURES,
    stallMs,
    diagnose,
  });
  const results = await awaitAllWithProgress(
    sandbox.expected.map(
      (x) =>
        calls.track(() =>
          client.workflow.getHandle(remediationWorkflowId(x.failureKey)).result(),
        ) as Promise<RemediationResult>,
    ),
    { what: 'the remediation results', stallMs, diagnose },
  );
  const outcomes = results.reduce<Record<string, number>>(
    (acc, r) => ((acc[r.outcome] = (acc[r.outcome] ?? 0) + 1), acc),
    {},
  );
  const pulls = allPulls();
  const acc = accountPulls(
    pulls,
    sandbox.expected.map((x) => x.failureKey),
  );
  const vantaFaults = sandbox.vanta.requestLog.filter((r) => r.status === 429 || r.status >= 500).length;
  const githubFaults = sandbox.github.requests.filter((r) => r.status === 429 || r.status >= 500).length;
  const summary = {
    failures: FAILURES,
    prs: acc.total,
    duplicateKeys: acc.duplicateKeys.length,
    duplicateBranches: acc.duplicateBranches.length,
    lost: acc.missingKeys.length,
    outcomes,
    workflows: await countWorkflows(client, query),
    running: await countWorkflows(client, `${query} AND ExecutionStatus = 'Running'`),
    kills: procs.kills,
    runningAtKills,
    workerStarts: procs.started,
    injectedFaults: {
      vanta: vantaFaults,
      vantaRequests: sandbox.vanta.requestLog.length,
      github: githubFaults,
      githubRequests: sandbox.github.requests.length,
      bedrock: bedrockFaults,
    },
    durationSeconds: Math.round((Date.now() - t0) / 1000),
    stallMs,
  };
  process.stdout.write(`CHAOS RESULT ${JSON.stringify(summary)}\n`);

  expect(outcomes).toEqual({ pr_opened: FAILURES });
  expect(acc.duplicateKeys).toEqual([]);
  expect(acc.duplicateBranches).toEqual([]);
  expect(acc.missingKeys).toEqual([]);
  expect(acc.unexpectedKeys).toEqual([]);
  expect(acc.total).toBe(FAILURES);
  expect(summary.workflows).toBe(FAILURES);
  expect(summary.running).toBe(0);
  expect(procs.kills).toBeGreaterThan(0);
  // The kills hit remediations in flight.
  expect(runningAtKills[0]).toBeGreaterThan(0);
  expect(vantaFaults + githubFaults).toBeGreaterThan(0);
  // Every PR is recorded in Redis.
  const redis = new Redis(testRedisUrl());
  try {
    const raw = await redis.mget(...sandbox.expected.map((x) => `terrafix:record:${x.failureKey}`));
    const notRecorded = raw.filter(
      (r) => r === null || (JSON.parse(r) as { status?: string }).status !== 'pr_open',
    );
    expect(notRecorded).toEqual([]);
  } finally {
    redis.disconnect();
  }
});
