/**
 * Duplicates: two production worker processes and overlapping polls (several pollFailuresWorkflow
 * runs at once, then more while the remediations run) on 300 failures → zero duplicate PRs, one
 * remediation workflow per failure, and the polls' "started" counts add up to exactly 300.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import type { PollResult, RemediationResult } from '../../src/workflows/definitions';
import { remediationWorkflowId } from '../../src/workflows/definitions';
import { testClient, testRedisUrl, testTemporalAddress, testTmpDir, uniqueName } from '../harness/env';
import { accountPulls, countWorkflows, sleep, waitFor, WorkerProcesses, writeEnvFile } from './helpers';

const FAILURES = Number(process.env.DUPLICATES_FAILURES ?? 300);

jest.setTimeout(1_200_000);

let sandbox: Sandbox;
let client: Client;
let connection: Connection;
let procs: WorkerProcesses;

beforeAll(async () => {
  const taskQueue = uniqueName('dups');
  const dir = path.join(testTmpDir(), taskQueue);
  fs.mkdirSync(dir, { recursive: true });
  sandbox = await startSandbox({
    org: { repos: 2, failures: FAILURES },
    temporalAddress: testTemporalAddress(),
    redisUrl: testRedisUrl(),
    taskQueue,
    dir,
  });
  procs = new WorkerProcesses(dir);
  ({ client, connection } = await testClient());
}, 120_000);

afterAll(async () => {
  await procs?.killAll();
  await connection?.close();
  await sandbox?.stop();
});

it(`two workers and overlapping polls open exactly one PR per failure (${FAILURES})`, async () => {
  const t0 = Date.now();
  const tq = sandbox.config.TEMPORAL_TASK_QUEUE;
  // Each worker has its own repository cache, as two machines would.
  const envFor = (n: number) =>
    writeEnvFile(sandbox.dir, `worker-${n}`, {
      ...sandbox.env,
      WORKSPACE_DIR: path.join(sandbox.dir, `workspace-${n}`),
      LOG_LEVEL: 'warn',
      HEALTH_PORT: '0',
    });
  await Promise.all([procs.start(envFor(1), 'worker-a'), procs.start(envFor(2), 'worker-b')]);

  const startPoll = () =>
    client.workflow.start('pollFailuresWorkflow', {
      taskQueue: tq,
      workflowId: uniqueName('dups-poll'),
      args: [{ options: { followUp: false } }],
    });
  // Three polls at once, then two more while the remediations are running.
  const polls = await Promise.all([startPoll(), startPoll(), startPoll()]);
  await sleep(3000);
  polls.push(...(await Promise.all([startPoll(), startPoll()])));
  const pollResults = (await Promise.all(polls.map((p) => p.result()))) as PollResult[];

  const query = `WorkflowType = 'remediateFailureWorkflow' AND TaskQueue = '${tq}'`;
  await waitFor(
    async () =>
      (await countWorkflows(client, `${query} AND ExecutionStatus != 'Running'`)) >= FAILURES
        ? true
        : undefined,
    'every remediation to finish',
    1_100_000,
    1000,
  );
  const results = (await Promise.all(
    sandbox.expected.map((x) => client.workflow.getHandle(remediationWorkflowId(x.failureKey)).result()),
  )) as RemediationResult[];
  const repos = [...new Set(sandbox.expected.map((x) => x.repo))];
  const pulls = repos.flatMap((r) => {
    const [owner, name] = r.split('/') as [string, string];
    return sandbox.github.listPulls(owner, name);
  });
  const acc = accountPulls(
    pulls,
    sandbox.expected.map((x) => x.failureKey),
  );
  const summary = {
    failures: FAILURES,
    polls: pollResults.length,
    started: pollResults.map((p) => p.started),
    alreadyRunning: pollResults.map((p) => p.alreadyRunning),
    suppressed: pollResults.map((p) => p.suppressed),
    prs: acc.total,
    duplicateKeys: acc.duplicateKeys.length,
    workflows: await countWorkflows(client, query),
    durationSeconds: Math.round((Date.now() - t0) / 1000),
  };
  process.stdout.write(`DUPLICATES RESULT ${JSON.stringify(summary)}\n`);

  for (const p of pollResults) {
    expect(p.found).toBe(FAILURES);
    // Every failure is either started by this poll, already running, or already recorded.
    expect(p.started + p.alreadyRunning + p.suppressed).toBe(FAILURES);
  }
  expect(pollResults.reduce((n, p) => n + p.started, 0)).toBe(FAILURES);
  expect(results.filter((r) => r.outcome !== 'pr_opened')).toEqual([]);
  expect(acc.duplicateKeys).toEqual([]);
  expect(acc.duplicateBranches).toEqual([]);
  expect(acc.missingKeys).toEqual([]);
  expect(acc.total).toBe(FAILURES);
  expect(summary.workflows).toBe(FAILURES);
});
