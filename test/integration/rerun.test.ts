/**
 * When a remediation may run again: workflow ids are reusable after any closed run, and the Redis
 * record (with a TTL chosen by outcome) is the only gate. A transient failure is retried by a later
 * poll, a failure that comes back after its record expired is remediated again, process-once follows
 * the same rules, and configuration errors are short-lived, logged at error level and counted.
 */
import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import pino from 'pino';
import type { StageImplementations } from '../../src/activities';
import { processOnce } from '../../src/cli/commands/temporal';
import { remediationOptionsFromConfig } from '../../src/temporal/schedule';
import { loadConfig } from '../../src/config';
import type { Failure } from '../../src/contracts';
import { RepoNotMappedError } from '../../src/errors';
import {
  prOutcomeSignal,
  remediationWorkflowId,
  statusQuery,
  type PollResult,
  type RemediationOptions,
  type RemediationResult,
} from '../../src/workflows/definitions';
import {
  preparedRepo,
  sampleFailure,
  startTestPipeline,
  successfulStages,
  type TestPipeline,
} from '../harness/pipeline';
import { uniqueName } from '../harness/env';

jest.setTimeout(120_000);

let p: TestPipeline;
/** The failures Vanta reports now, and per-key behaviour of the prepare stage. */
let reported: Failure[] = [];
const failPrepare = new Map<string, 'transient' | 'not-mapped'>();
let stillFailing = true;
const calls: Record<string, number> = {};
const opened: string[] = [];
const logLines: { level: number; msg: string; fix?: string }[] = [];
const configErrors: string[] = [];
/** Default-branch heads by repository, as the code host would report them. */
const heads = new Map<string, string>();

beforeAll(async () => {
  const stages: StageImplementations = successfulStages([], calls);
  stages.listFailures = async () => reported;
  const okPrepare = stages.prepare!;
  stages.prepare = async (failure) => {
    const mode = failPrepare.get(failure.key);
    if (mode === 'transient')
      // Retryable, with a short delay so the five attempts run out quickly.
      throw ApplicationFailure.create({
        message: 'GitHub get repository failed (502)',
        type: 'GitHubApiError',
        nextRetryDelay: '20ms',
      });
    if (mode === 'not-mapped') throw new RepoNotMappedError(`no repository mapped for ${failure.key}`);
    return okPrepare(failure);
  };
  stages.openPullRequest = async (input) => {
    opened.push(input.failure.key);
    return {
      action: 'created',
      url: `http://github.local/acme/infra/pull/${opened.length}`,
      number: opened.length,
      branch: 'terrafix/x',
    };
  };
  stages.checkPullRequest = async () => 'open';
  const okAnalyze = stages.analyze!;
  stages.analyze = async (input) =>
    input.failure.key.includes('notfound')
      ? { status: 'not_found', reason: 'no block matches bucket-5', candidates: [] }
      : okAnalyze(input);
  stages.failureStillPresent = async () => stillFailing;
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(l));
      done();
    },
  });
  p = await startTestPipeline(stages, {
    ttlSeconds: 3600,
    logger: pino({ level: 'warn' }, sink),
    branchHead: async (repo) => heads.get(repo),
    metrics: {
      observeStage: () => undefined,
      observeConfigError: (stage, name) => void configErrors.push(`${stage}:${name}`),
    },
  });
});
afterAll(() => p?.close());

const shortTtls: RemediationOptions = {
  followUp: false,
  retryAfterSeconds: 1,
  configErrorRetrySeconds: 1,
  notFoundRetrySeconds: 1,
};

function poll(options: RemediationOptions = shortTtls): Promise<PollResult> {
  return p.client.workflow.execute('pollFailuresWorkflow', {
    taskQueue: p.taskQueue,
    workflowId: uniqueName('poll'),
    args: [{ options }],
  }) as Promise<PollResult>;
}

function result(key: string): Promise<RemediationResult> {
  return p.client.workflow.getHandle(remediationWorkflowId(key)).result() as Promise<RemediationResult>;
}

/** Waits until Redis has dropped the record (its TTL ran out); the tests wait for state, not time. */
async function recordExpired(key: string): Promise<void> {
  while (await p.records.get(key)) await new Promise((r) => setTimeout(r, 100));
}

it('retries a transient failure on a later poll once its short record expired', async () => {
  const f = sampleFailure(1, `vanta:rerun-transient-${uniqueName('k')}`);
  reported = [f];
  failPrepare.set(f.key, 'transient');
  expect(await poll()).toMatchObject({ found: 1, started: 1 });
  const first = await result(f.key);
  expect(first.outcome).toBe('failed');
  expect(first.reason).toContain('502');
  // The record holds it back for RETRY_AFTER (1 s here), not for the retention period.
  const ttl = await p.redis.ttl(`terrafix:record:${f.key}`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(1);
  expect(await poll()).toMatchObject({ started: 0, suppressed: 1 });

  failPrepare.delete(f.key);
  await recordExpired(f.key);
  // The closed run does not block its id: a new run starts and succeeds.
  expect(await poll()).toMatchObject({ found: 1, started: 1, alreadyRunning: 0 });
  expect((await result(f.key)).outcome).toBe('pr_opened');
  expect(opened.filter((k) => k === f.key)).toHaveLength(1);
});

it('remediates again a failure that was resolved and came back after its record expired', async () => {
  const f = sampleFailure(2, `vanta:rerun-regress-${uniqueName('k')}`);
  reported = [f];
  stillFailing = true;
  expect(
    await poll({ ...shortTtls, followUp: true, prCheckIntervalMs: 200, vantaWaitMs: 60_000 }),
  ).toMatchObject({
    started: 1,
  });
  const h = p.client.workflow.getHandle(remediationWorkflowId(f.key));
  while ((await h.query(statusQuery)).stage !== 'awaiting_merge')
    await new Promise((r) => setTimeout(r, 100));
  await h.signal(prOutcomeSignal, { state: 'merged' });
  stillFailing = false;
  expect((await result(f.key)).outcome).toBe('resolved');
  expect((await p.records.get(f.key))?.status).toBe('resolved');

  // Vanta reports it again (a regression) after the record's retention ran out.
  await p.records.delete(f.key);
  stillFailing = true;
  expect(await poll()).toMatchObject({ found: 1, started: 1, alreadyRunning: 0 });
  expect((await result(f.key)).outcome).toBe('pr_opened');
  expect(opened.filter((k) => k === f.key)).toHaveLength(2);
});

it('process-once follows the same rules: the record gates, a closed run never does', async () => {
  const f = sampleFailure(3, `vanta:rerun-once-${uniqueName('k')}`);
  const config = loadConfig({ TEMPORAL_TASK_QUEUE: p.taskQueue, RETRY_AFTER_MINUTES: '1' });
  const out: string[] = [];
  const print = (l: string) => void out.push(l);
  const r1 = await processOnce(p.client, config, f, { wait: true }, print);
  expect(r1.result?.outcome).toBe('pr_opened');
  // A second start while the PR record exists: a new run, which the record turns into "skipped".
  const r2 = await processOnce(p.client, config, f, { wait: true }, print);
  expect(r2.result?.outcome).toBe('skipped');
  expect(r2.result?.reason).toContain('pr_open');
  // Once the record is gone, process-once remediates again.
  await p.records.delete(f.key);
  const r3 = await processOnce(p.client, config, f, { wait: true }, print);
  expect(r3.result?.outcome).toBe('pr_opened');
  expect(out.filter((l) => l.startsWith('started '))).toHaveLength(3);
  expect(opened.filter((k) => k === f.key)).toHaveLength(2);
});

it('records a configuration error briefly, logs it at error level with the fix and counts it', async () => {
  const f = sampleFailure(4, `vanta:rerun-config-${uniqueName('k')}`);
  reported = [f];
  failPrepare.set(f.key, 'not-mapped');
  await poll({ ...shortTtls, configErrorRetrySeconds: 600 });
  const r = await result(f.key);
  expect(r.outcome).toBe('failed');
  expect(r.reason).toMatch(/^configuration: RepoNotMappedError: no repository mapped/);
  const ttl = await p.redis.ttl(`terrafix:record:${f.key}`);
  expect(ttl).toBeGreaterThan(500);
  expect(ttl).toBeLessThanOrEqual(600);
  expect(configErrors).toContain('prepare:RepoNotMappedError');
  const line = logLines.find((l) => l.level === 50 && l.msg.includes('configuration error'));
  expect(line?.fix).toContain('GITHUB_REPO_MAPPING');
});

it('keeps not_found for a day by default; the TTLs come from config', async () => {
  const c = loadConfig({});
  expect(remediationOptionsFromConfig(c)).toMatchObject({
    retryAfterSeconds: 3600,
    configErrorRetrySeconds: 900,
    notFoundRetrySeconds: 86_400,
    rejectedSuppressSeconds: 30 * 86_400,
  });
  const f = sampleFailure(5, `vanta:rerun-notfound-${uniqueName('k')}`);
  const r = (await p.client.workflow.execute('remediateFailureWorkflow', {
    taskQueue: p.taskQueue,
    workflowId: remediationWorkflowId(f.key),
    args: [{ failure: f, options: { ...remediationOptionsFromConfig(c), followUp: false } }],
  })) as RemediationResult;
  expect(r.outcome).toBe('not_found');
  const ttl = await p.redis.ttl(`terrafix:record:${f.key}`);
  expect(ttl).toBeGreaterThan(86_000);
  expect(ttl).toBeLessThanOrEqual(86_400);
});

it('tries a not_found failure again as soon as the default branch moved past the commit it was decided on', async () => {
  const f = sampleFailure(6, `vanta:rerun-notfound-moved-${uniqueName('k')}`);
  reported = [f];
  heads.set('acme/infra', preparedRepo.baseSha);
  expect(await poll({ ...shortTtls, notFoundRetrySeconds: 86_400 })).toMatchObject({ started: 1 });
  expect((await result(f.key)).outcome).toBe('not_found');
  expect(await p.records.get(f.key)).toMatchObject({
    status: 'not_found',
    repo: 'acme/infra',
    sha: preparedRepo.baseSha,
  });
  // Same commit: the day-long record holds.
  expect(await poll()).toMatchObject({ started: 0, suppressed: 1 });
  // A new commit on the default branch: the record no longer blocks, and the failure runs again.
  heads.set('acme/infra', 'f'.repeat(40));
  expect(await poll()).toMatchObject({ started: 1, suppressed: 0 });
  expect((await result(f.key)).outcome).toBe('not_found');
});
