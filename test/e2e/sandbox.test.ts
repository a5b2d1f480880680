/**
 * End to end in production wiring: the sandbox (Vanta, GitHub and Bedrock emulators seeded with the
 * demo organisation) + an in-process worker built by src/workers/main.ts, against the harness
 * Temporal server and Redis. One poll must open one PR per expected failure, and a second poll none.
 */
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { temporal } from '@temporalio/proto';
import { dataConverterFor } from '../../src/temporal/codec';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { processOnce } from '../../src/cli/commands/temporal';
import type { RunningWorker } from '../../src/workers/main';
import { runGit } from '../../src/github/git';
import { parseFailureMarker } from '../../src/pullRequests/content';
import { startSandbox, type ExpectedFix, type Sandbox } from '../../src/sandbox/sandbox';
import type { EmulatedPull } from '../../src/sandbox/emulators/githubEmulator';
import { parseHcl } from '../../src/terraform';
import {
  remediationWorkflowId,
  type PollResult,
  type RemediationResult,
} from '../../src/workflows/definitions';
import {
  testClient,
  testRedisUrl,
  testTemporalAddress,
  testTmpDir,
  testWorkflowBundle,
  uniqueName,
} from '../harness/env';

jest.setTimeout(90_000);

let sandbox: Sandbox;
let worker: RunningWorker;
let client: Client;
let connection: Connection;
/** Every log line the sandbox's worker wrote at warn level or above (JSON, one per line). */
const logLines: { level: number; msg: string }[] = [];
const captured = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      try {
        logLines.push(JSON.parse(line) as { level: number; msg: string });
      } catch {
        logLines.push({ level: 60, msg: `unparsable log line: ${line}` });
      }
    }
    done();
  },
});

beforeAll(async () => {
  const taskQueue = uniqueName('e2e');
  sandbox = await startSandbox({
    org: 'demo',
    temporalAddress: testTemporalAddress(),
    redisUrl: testRedisUrl(),
    taskQueue,
    entityIdSuffix: `-${taskQueue}`,
    dir: path.join(testTmpDir(), taskQueue),
    logger: createLogger({ level: 'warn', destination: captured, pretty: false }),
  });
  worker = await sandbox.startWorker({ workflowBundlePath: testWorkflowBundle().codePath });
  ({ client, connection } = await testClient(dataConverterFor(sandbox.config)));
}, 60_000);

afterAll(async () => {
  await connection?.close();
  await worker?.shutdown();
  await sandbox?.stop();
});

function pollOnce(): Promise<PollResult> {
  return client.workflow.execute('pollFailuresWorkflow', {
    taskQueue: sandbox.config.TEMPORAL_TASK_QUEUE,
    workflowId: uniqueName('poll'),
    args: [{ options: { followUp: false } }],
  }) as Promise<PollResult>;
}

function pullsFor(repo: string): EmulatedPull[] {
  const [owner, name] = repo.split('/') as [string, string];
  return sandbox.github.listPulls(owner, name);
}

/** The PR whose body carries this failure's key (TerraFix puts a marker with the key in the body). */
function pullFor(x: ExpectedFix): EmulatedPull[] {
  return pullsFor(x.repo).filter((p) => parseFailureMarker(p.body ?? '') === x.failureKey);
}

async function changedFiles(repo: string, pr: EmulatedPull): Promise<string[]> {
  const gitDir = path.join(sandbox.github.dir, `${repo}.git`);
  const r = await runGit(['--git-dir', gitDir, 'diff', '--name-only', pr.base.sha, pr.head.sha]);
  return r.stdout.split('\n').filter(Boolean).sort();
}

it('opens one verified PR per expected failure, then dedupes a second poll', async () => {
  const expected = sandbox.expected;
  expect(expected.length).toBeGreaterThanOrEqual(15);
  expect(new Set(expected.map((x) => x.testId)).size).toBeGreaterThanOrEqual(8);

  const first = await pollOnce();
  // The demo seed also holds passing entities and a non-AWS test: only the failing AWS ones count.
  expect(first.found).toBe(expected.length);
  expect(first.started).toBe(expected.length);

  const results = await Promise.all(
    expected.map(
      (x) =>
        client.workflow.getHandle(remediationWorkflowId(x.failureKey)).result() as Promise<RemediationResult>,
    ),
  );
  for (const [i, x] of expected.entries()) {
    const r = results[i]!;
    expect({ key: x.failureKey, outcome: r.outcome, reason: r.reason }).toEqual({
      key: x.failureKey,
      outcome: 'pr_opened',
      reason: undefined,
    });
    expect(r.engine).toBe(x.engine);
    if (x.ruleId) expect(r.ruleId).toBe(x.ruleId);

    const prs = pullFor(x);
    expect(prs).toHaveLength(1);
    const pr = prs[0]!;
    expect(r.prUrl).toContain(`/pull/${pr.number}`);
    expect(pr.body).toContain('Fixes: ');
    expect(await changedFiles(x.repo, pr)).toEqual([...x.files].sort());
    // The fixed files still parse.
    const [owner, name] = x.repo.split('/') as [string, string];
    for (const file of x.files) {
      const text = await sandbox.github.readFile(owner, name, pr.head.sha, file);
      expect(text).not.toBeNull();
      expect((await parseHcl(text!, file)).errors).toEqual([]);
    }
  }
  // Nothing else was opened, and the LLM answers came from the recordings.
  const repos = [...new Set(expected.map((x) => x.repo))];
  expect(repos.flatMap(pullsFor)).toHaveLength(expected.length);
  expect(sandbox.bedrock.requests.length).toBe(expected.filter((x) => x.engine === 'llm').length);

  // Payloads are encrypted in the sandbox as in production: the history holds no file of the fix.
  const sample = expected[0]!;
  const history = await client.workflow.getHandle(remediationWorkflowId(sample.failureKey)).fetchHistory();
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
  expect(bytes).toContain('binary/encrypted');
  expect(bytes).not.toContain(sample.displayName);

  const second = await pollOnce();
  expect(second.found).toBe(expected.length);
  expect(second.started).toBe(0);
  expect(second.suppressed + second.alreadyRunning).toBe(expected.length);
  expect(repos.flatMap(pullsFor)).toHaveLength(expected.length);

  // A clean run of the demo organisation writes no error-level line (expected 404s, label races).
  expect(logLines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
});

it('starts one remediation from a failure JSON file (process-once) and a second start finds the open PR', async () => {
  const key = `vanta:aws-dynamodb-pitr-backups:manual-${uniqueName('k')}`;
  const file = path.join(sandbox.dir, 'failure.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      key,
      source: 'vanta',
      testId: 'aws-dynamodb-pitr-backups',
      testName: 'DynamoDB tables have point-in-time recovery',
      testUrl: 'https://app.vanta.com/tests/aws-dynamodb-pitr-backups',
      resource: { displayName: 'acme-orders', responseType: 'DynamoDB table' },
    }),
  );
  const lines: string[] = [];
  const out = (l: string) => void lines.push(l);
  const before = pullsFor('acme/data-infra').length;
  const r = await processOnce(client, sandbox.config, file, { wait: true, engine: 'auto' }, out);
  expect(r.exitCode).toBe(0);
  expect(r.result?.outcome).toBe('pr_opened');
  expect(r.result?.ruleId).toBe('dynamodb-pitr');
  expect(lines[0]).toBe(`started ${remediationWorkflowId(key)}`);
  const prs = pullsFor('acme/data-infra').filter((p) => parseFailureMarker(p.body ?? '') === key);
  expect(prs).toHaveLength(1);
  expect(await changedFiles('acme/data-infra', prs[0]!)).toEqual(['dynamodb.tf']);

  const again = await processOnce(client, sandbox.config, file, { wait: true }, out);
  expect(again.exitCode).toBe(0);
  // The first run completed, so a new run starts; its claim finds the Redis record of the open PR.
  expect(again.result?.outcome).toBe('skipped');
  expect(again.result?.reason).toContain('pr_open');
  expect(pullsFor('acme/data-infra')).toHaveLength(before + 1);
});

it('fixes a generated organisation: one PR per failure, LLM ones through the programmatic Bedrock handler', async () => {
  const taskQueue = uniqueName('gen');
  const gen = await startSandbox({
    org: { repos: 2, failures: 8, filesPerRepo: 2, llmFraction: 0.25 },
    temporalAddress: testTemporalAddress(),
    redisUrl: testRedisUrl(),
    taskQueue,
    dir: path.join(testTmpDir(), taskQueue),
  });
  try {
    await gen.startWorker({ workflowBundlePath: testWorkflowBundle().codePath });
    expect(gen.expected.filter((x) => x.engine === 'llm')).toHaveLength(2);
    const poll = (await client.workflow.execute('pollFailuresWorkflow', {
      taskQueue,
      workflowId: uniqueName('poll'),
      args: [{ options: { followUp: false } }],
    })) as PollResult;
    expect(poll.started).toBe(8);
    const results = await Promise.all(
      gen.expected.map(
        (x) =>
          client.workflow
            .getHandle(remediationWorkflowId(x.failureKey))
            .result() as Promise<RemediationResult>,
      ),
    );
    expect(results.map((r) => [r.outcome, r.engine])).toEqual(
      gen.expected.map((x) => ['pr_opened', x.engine]),
    );
    for (const x of gen.expected) {
      const [owner, name] = x.repo.split('/') as [string, string];
      const prs = gen.github
        .listPulls(owner, name)
        .filter((p) => parseFailureMarker(p.body) === x.failureKey);
      expect(prs).toHaveLength(1);
    }
    expect(gen.bedrock.requests).toHaveLength(2);
  } finally {
    await gen.stop();
  }
});
