/**
 * Duplicates: two production worker processes (each with its own repository cache) and overlapping
 * polls (three pollFailuresWorkflow runs at once, then two more while the remediations run, from
 * the moment the first one runs) on 60 failures (DUPLICATES_FAILURES) → zero duplicate PRs, one
 * remediation workflow per failure, and the polls' "started" counts add up to exactly the number of
 * failures. The waits judge progress, not the clock: they fail only when nothing finishes for
 * FAULT_STALL_MS.
 */
import fs from 'node:fs';
import { dataConverterFor } from '../../src/temporal/codec';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import type { PollResult, RemediationResult } from '../../src/workflows/definitions';
import { remediationWorkflowId } from '../../src/workflows/definitions';
import { testClient, testRedisUrl, testTemporalAddress, testTmpDir, uniqueName } from '../harness/env';
import {
  accountPulls,
  awaitAllWithProgress,
  countWorkflows,
  diagnoseRemediations,
  faultStallMs,
  PendingCalls,
  remediationQuery,
  waitForProgress,
  WorkerProcesses,
  writeEnvFile,
} from './helpers';

const FAILURES = Number(process.env.DUPLICATES_FAILURES ?? 60);

// Only a backstop: the progress-based waits below decide (FAULT_STALL_MS without progress fails).
jest.setTimeout(3_600_000);

let sandbox: Sandbox;
let client: Client;
let connection: Connection;
let procs: WorkerProcesses;
let calls: PendingCalls;

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
  ({ client, connection } = await testClient(dataConverterFor(sandbox.config)));
  calls = new PendingCalls(connection);
}, 120_000);

afterAll(async () => {
  await procs?.killAll();
  await calls?.cancelAll();
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
  const query = remediationQuery(tq);
  const diagnose = () => diagnoseRemediations(client, { taskQueue: tq, procs });
  const stallMs = faultStallMs();
  const repos = [...new Set(sandbox.expected.map((x) => x.repo))];
  const allPulls = () =>
    repos.flatMap((r) => {
      const [owner, name] = r.split('/') as [string, string];
      return sandbox.github.listPulls(owner, name);
    });

  // Three polls at once, then two more as soon as the first remediation runs (however fast or slow
  // the run is): the late polls meet remediations that are claimed, started but not yet claimed, or
  // not yet started by the first polls.
  const polls = await Promise.all([startPoll(), startPoll(), startPoll()]);
  const running = () => countWorkflows(client, `${query} AND ExecutionStatus = 'Running'`);
  await waitForProgress({
    what: 'the first remediation to run',
    done: async () => ((await running()) > 0 ? 1 : 0),
    total: 1,
    stallMs,
    intervalMs: 50,
    diagnose,
  });
  const runningAtLatePolls = await running();
  polls.push(...(await Promise.all([startPoll(), startPoll()])));

  await waitForProgress({
    what: 'every remediation to finish',
    done: () => countWorkflows(client, `${query} AND ExecutionStatus != 'Running'`),
    total: FAILURES,
    stallMs,
    diagnose,
  });
  const pollResults = (await awaitAllWithProgress(
    polls.map((p) => calls.track(() => p.result())),
    { what: 'the polls to finish', stallMs, diagnose },
  )) as PollResult[];
  const results = (await awaitAllWithProgress(
    sandbox.expected.map((x) =>
      calls.track(() => client.workflow.getHandle(remediationWorkflowId(x.failureKey)).result()),
    ),
    { what: 'the remediation results', stallMs, diagnose },
  )) as RemediationResult[];
  const pulls = allPulls();
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
    runningAtLatePolls,
    prs: acc.total,
    duplicateKeys: acc.duplicateKeys.length,
    workflows: await countWorkflows(client, query),
    durationSeconds: Math.round((Date.now() - t0) / 1000),
    stallMs,
  };
  process.stdout.write(`DUPLICATES RESULT ${JSON.stringify(summary)}\n`);

  for (const p of pollResults) {
    expect(p.found).toBe(FAILURES);
    // Every failure is either started by this poll, already running, or already recorded.
    expect(p.started + p.alreadyRunning + p.suppressed).toBe(FAILURES);
  }
  // Every failure started at least once. A poll that read the records just before a run wrote its
  // record may start one more run once that run closed: its claim finds the record and it is skipped.
  const startedTotal = pollResults.reduce((n, p) => n + p.started, 0);
  expect(startedTotal).toBeGreaterThanOrEqual(FAILURES);
  // The last two polls overlapped running remediations.
  expect(runningAtLatePolls).toBeGreaterThan(0);
  expect(
    results.filter(
      (r) => !(r.outcome === 'pr_opened' || (r.outcome === 'skipped' && /pr_open/.test(r.reason ?? ''))),
    ),
  ).toEqual([]);
  // Exactly one run per failure opened its PR (visibility is eventually consistent: wait for it).
  await waitForProgress({
    what: 'visibility to show one pr_opened run per failure',
    done: () => countWorkflows(client, `${query} AND TerraFixOutcome = 'pr_opened'`),
    total: FAILURES,
    stallMs,
    diagnose,
  });
  expect(await countWorkflows(client, `${query} AND TerraFixOutcome = 'pr_opened'`)).toBe(FAILURES);
  expect(acc.duplicateKeys).toEqual([]);
  expect(acc.duplicateBranches).toEqual([]);
  expect(acc.missingKeys).toEqual([]);
  expect(acc.total).toBe(FAILURES);
  expect(summary.workflows).toBe(startedTotal);
});
