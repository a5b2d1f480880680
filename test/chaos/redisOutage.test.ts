/**
 * Redis unavailable for a while: the Redis that holds the claim/record is stopped mid-run (a dedicated
 * redis-server on a fixed port) and started again, empty. Workflows wait (claim and record retry
 * without limit) and resume; none completes while its record cannot be written; Temporal's workflow
 * ids still prevent duplicates, even after the records are lost. The waits judge progress, not the
 * clock: they fail only when nothing moves for FAULT_STALL_MS (the outage itself is a fixed 15 s).
 */
import fs from 'node:fs';
import { dataConverterFor } from '../../src/temporal/codec';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client, type Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import { freePort, startRedis, type RedisServer } from '../../src/sandbox/services';
import type { RunningWorker } from '../../src/workers/main';
import {
  remediationWorkflowId,
  type PollResult,
  type RemediationResult,
} from '../../src/workflows/definitions';
import { testClient, testTemporalAddress, testTmpDir, testWorkflowBundle, uniqueName } from '../harness/env';
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
  type PullLike,
} from './helpers';

const FAILURES = 12;
const OUTAGE_MS = 15_000;

// Only a backstop: the progress-based waits below decide (FAULT_STALL_MS without progress fails).
jest.setTimeout(3_600_000);

let redisPort: number;
let redisServer: RedisServer | undefined;
let sandbox: Sandbox;
let worker: RunningWorker;
let client: Client;
let connection: Connection;
let calls: PendingCalls;

beforeAll(async () => {
  redisPort = await freePort();
  redisServer = await startRedis({ port: redisPort });
  const taskQueue = uniqueName('redis-outage');
  const dir = path.join(testTmpDir(), taskQueue);
  fs.mkdirSync(dir, { recursive: true });
  sandbox = await startSandbox({
    org: { repos: 1, failures: FAILURES },
    temporalAddress: testTemporalAddress(),
    redisUrl: redisServer.url,
    taskQueue,
    dir,
    env: { LOG_LEVEL: 'error' },
  });
  worker = await sandbox.startWorker({ workflowBundlePath: testWorkflowBundle().codePath });
  ({ client, connection } = await testClient(dataConverterFor(sandbox.config)));
  calls = new PendingCalls(connection);
}, 120_000);

afterAll(async () => {
  await calls?.cancelAll();
  await connection?.close();
  await worker?.shutdown();
  await sandbox?.stop();
  await redisServer?.stop();
});

function pulls(): PullLike[] {
  const [owner, name] = sandbox.expected[0]!.repo.split('/') as [string, string];
  return sandbox.github.listPulls(owner, name);
}

it('workflows wait for Redis and resume; nothing is done without a record; ids still dedupe', async () => {
  const tq = sandbox.config.TEMPORAL_TASK_QUEUE;
  const query = remediationQuery(tq);
  const stallMs = faultStallMs();
  const diagnose = async () =>
    `redis: ${redisServer ? `up at ${redisServer.url}` : 'stopped'}; PRs: ${pulls().length}\n` +
    (await diagnoseRemediations(client, { taskQueue: tq }));
  const poll = async () => {
    const run = calls.track(
      () =>
        client.workflow.execute('pollFailuresWorkflow', {
          taskQueue: tq,
          workflowId: uniqueName('outage-poll'),
          args: [{ options: { followUp: false } }],
        }) as Promise<PollResult>,
    );
    const [r] = await awaitAllWithProgress([run], { what: 'the poll', stallMs, diagnose });
    return r!;
  };

  const first = await poll();
  expect(first.started).toBe(FAILURES);

  // Stop Redis as soon as the first PR exists: the rest are somewhere between claim and record.
  await waitForProgress({
    what: 'the first PR',
    done: () => (pulls().length > 0 ? 1 : 0),
    total: 1,
    stallMs,
    intervalMs: 50,
    diagnose,
  });
  await redisServer!.stop();
  redisServer = undefined;
  // Let a workflow whose record was written just before the stop finish and reach visibility.
  await sleep(2000);
  const completedAtStop = await countWorkflows(client, `${query} AND ExecutionStatus = 'Completed'`);
  const prsAtStop = pulls().length;

  // A duplicate start is refused by Temporal alone (Redis is down).
  const running = sandbox.expected[FAILURES - 1]!;
  await expect(
    client.workflow.start('remediateFailureWorkflow', {
      taskQueue: tq,
      workflowId: remediationWorkflowId(running.failureKey),
      args: [{ failure: { key: running.failureKey } }],
    }),
  ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);

  await sleep(OUTAGE_MS);
  // No workflow finished while its record could not be written, although PRs kept being opened.
  const completedDuringOutage = await countWorkflows(client, `${query} AND ExecutionStatus = 'Completed'`);
  const prsDuringOutage = pulls().length;
  const runningDuringOutage = await countWorkflows(client, `${query} AND ExecutionStatus = 'Running'`);
  expect(completedDuringOutage).toBe(completedAtStop);
  expect(runningDuringOutage).toBe(FAILURES - completedAtStop);
  expect(runningDuringOutage).toBeGreaterThan(0);

  // Redis comes back (empty: persistence is off) on the same address.
  redisServer = await startRedis({ port: redisPort });
  const t0 = Date.now();
  const results = (await awaitAllWithProgress(
    sandbox.expected.map((x) =>
      calls.track(() => client.workflow.getHandle(remediationWorkflowId(x.failureKey)).result()),
    ),
    { what: 'every remediation to finish after the outage', stallMs, diagnose },
  )) as RemediationResult[];
  const resumeSeconds = Math.round((Date.now() - t0) / 1000);
  expect(results.map((r) => r.outcome)).toEqual(sandbox.expected.map(() => 'pr_opened'));

  // Every workflow that finished after the outage wrote its record first.
  const redis = new Redis(redisServer.url);
  try {
    const raw = await redis.mget(...sandbox.expected.map((x) => `terrafix:record:${x.failureKey}`));
    const recorded = raw.filter(
      (r) => r !== null && (JSON.parse(r) as { status: string }).status === 'pr_open',
    );
    expect(recorded).toHaveLength(FAILURES - completedAtStop);

    // Records lost entirely: the record is the gate, so a new poll starts every failure again (their
    // earlier runs are closed), and each run finds its open PR instead of opening a second one.
    await redis.flushall();
    const prsBefore = pulls().length;
    const again = await poll();
    expect(again).toMatchObject({ found: FAILURES, started: FAILURES, alreadyRunning: 0 });
    const rerun = (await awaitAllWithProgress(
      sandbox.expected.map((x) =>
        calls.track(() => client.workflow.getHandle(remediationWorkflowId(x.failureKey)).result()),
      ),
      { what: 'the re-runs after the records were lost', stallMs, diagnose },
    )) as RemediationResult[];
    expect(rerun.map((r) => r.outcome)).toEqual(sandbox.expected.map(() => 'pr_opened'));
    expect(pulls().length).toBe(prsBefore);
  } finally {
    redis.disconnect();
  }
  const acc = accountPulls(
    pulls(),
    sandbox.expected.map((x) => x.failureKey),
  );
  process.stdout.write(
    `REDIS OUTAGE RESULT ${JSON.stringify({ failures: FAILURES, completedAtStop, prsAtStop, prsDuringOutage, runningDuringOutage, outageMs: OUTAGE_MS, resumeSeconds, prs: acc.total, stallMs })}\n`,
  );
  expect(acc.duplicateKeys).toEqual([]);
  expect(acc.missingKeys).toEqual([]);
  expect(acc.total).toBe(FAILURES);
});
