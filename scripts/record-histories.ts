/**
 * Records event histories of real runs of pollFailuresWorkflow, remediateFailureWorkflow and
 * groupPullRequestWorkflow for the replay (determinism) test: test/replay/histories/*.json. Every path
 * through the workflows that the scenarios below reach (rule fix, LLM fix with a repair round, not
 * found, skipped by the record, stage failure, the follow-up paths merged → resolved, closed →
 * rejected, fixed elsewhere, and GROUP_BY=test: members join a group that writes one PR, a member
 * resolved elsewhere leaves and the PR is rewritten then closed, the reviewer rejected the group's PR,
 * the group PR cannot be written) is run on a real Temporal server with a real Redis record store;
 * the stages are scripted doubles, so the activity results are fixed and the histories stay small.
 *
 *   npx tsx scripts/record-histories.ts [outDir]
 *
 * Uses TEMPORAL_ADDRESS and REDIS_URL when set; otherwise starts a Temporal dev server and a Redis
 * (src/sandbox/services) and stops them afterwards. Regenerate the histories only for a deliberate,
 * versioned change: workflows still running in production replay against the new code too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import Redis from 'ioredis';
import pino from 'pino';
import { createActivities, type StageImplementations } from '../src/activities';
import type { GenerateResult, OpenGroupPullRequestResult } from '../src/activities/types';
import type { Failure, PreparedRepo, Target, VerifiedFix } from '../src/contracts';
import { startRedis, startTemporalDevServer } from '../src/sandbox/services';
import { RecordStore } from '../src/state/recordStore';
import { historyToPlain } from '../test/replay/historyFile';
import { createWorkerSet, installRuntime } from '../src/workers/worker';
import { pollFailuresWorkflow, remediateFailureWorkflow } from '../src/workflows';
import {
  failureResolvedSignal,
  groupKeyOf,
  groupStatusQuery,
  groupWorkflowId,
  prOutcomeSignal,
  remediationWorkflowId,
  type RemediationOptions,
} from '../src/workflows/definitions';

const prepared: PreparedRepo = {
  repo: { owner: 'acme', name: 'infra' },
  defaultBranch: 'main',
  baseSha: '0123456789abcdef0123456789abcdef01234567',
  cloneUrl: 'https://github.example/acme/infra.git',
};

const target: Target = {
  file: 'storage.tf',
  address: 'aws_s3_bucket.logs',
  resourceType: 'aws_s3_bucket',
  moduleDir: '',
  startByte: 0,
  endByte: 48,
  startLine: 1,
  endLine: 3,
  matchedBy: 'display_name',
  confidence: 0.95,
  related: [],
};

const fix = (engine: 'rule' | 'llm'): VerifiedFix => ({
  engine,
  ruleId: engine === 'rule' ? 's3-versioning' : undefined,
  files: [{ path: 'storage.tf', content: 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n' }],
  diff: '--- a/storage.tf\n+++ b/storage.tf\n',
  explanation: 'Enable versioning on the bucket.',
  changedAttributes: ['versioning'],
  confidence: 'high',
  breakingChanges: [],
  additionalRequirements: [],
  warnings: [],
  validation: { ran: ['parse', 'format'], skipped: ['terraform validate'] },
  tokens: null,
});

const patch = (engine: 'rule' | 'llm'): Extract<GenerateResult, { status: 'patch' }> => ({
  status: 'patch',
  engine,
  ruleId: engine === 'rule' ? 's3-versioning' : undefined,
  modelId: engine === 'llm' ? 'us.anthropic.claude-opus-4-5-20251101-v1:0' : undefined,
  patch: {
    edits: [],
    explanation: 'Enable versioning.',
    changedAttributes: ['versioning'],
    confidence: 'high',
    breakingChanges: [],
    additionalRequirements: [],
  },
  tokens: engine === 'llm' ? { input: 1200, output: 300, cacheRead: 900, cacheWrite: 0 } : null,
});

/** Scenario is encoded in the failure key: `vanta:history-<scenario>:<run>`. */
function failure(scenario: string, run: string): Failure {
  return {
    key: `vanta:history-${scenario}:${run}`,
    source: 'vanta',
    testId: 'aws-s3-versioning-enabled',
    testName: 'S3 buckets have versioning enabled',
    testUrl: 'https://app.vanta.com/tests/aws-s3-versioning-enabled',
    severity: 'medium',
    resource: { displayName: 'acme-logs', responseType: 'S3 bucket' },
  };
}

const scenarioOf = (f: Failure): string => /^vanta:history-([^:]+):/.exec(f.key)?.[1] ?? '';

/** A member of a group scenario: its test is the scenario's own, `history-<scenario>-<run>`. */
function memberFailure(scenario: string, member: string, run: string): Failure {
  return { ...failure(`${scenario}-${member}`, run), testId: `history-${scenario}-${run}` };
}

const groupScenarioOf = (testId: string): string => /^history-(.+)-[^-]+$/.exec(testId)?.[1] ?? '';

/** PR numbers of the group scenarios (the own-PR scenarios use small numbers). */
const GROUP_PR: Record<string, number> = {
  'group-merged': 201,
  'group-elsewhere': 202,
  'group-rejected': 203,
  'group-followed': 204,
};

/** Group scenarios whose failures Vanta reports passing from now on (set once the PR was merged). */
const vantaPassing = new Set<string>();

/**
 * The group PR double: group-merged and group-elsewhere include every member (created, then updated);
 * group-rejected excludes its second member and finds the PR rejected by a reviewer; group-failed
 * cannot write the PR at all.
 */
function groupPullRequests(): NonNullable<StageImplementations['openGroupPullRequest']> {
  const written = new Set<string>();
  return async ({ groupKey, testId, members }) => {
    const scenario = groupScenarioOf(testId);
    if (scenario === 'group-failed') {
      throw ApplicationFailure.nonRetryable('GitHub create pull request failed (422)', 'PermanentApiError');
    }
    const number = GROUP_PR[scenario] ?? 299;
    const keys = members.map((m) => m.failure.key);
    const rejected = scenario === 'group-rejected';
    const out: OpenGroupPullRequestResult = {
      pr: {
        action: rejected ? 'rejected_by_reviewer' : written.has(groupKey) ? 'updated' : 'created',
        url: `https://github.example/acme/infra/pull/${number}`,
        number,
        branch: `terrafix/${testId}/group`,
      },
      included: rejected ? keys.slice(0, 1) : keys,
      excluded: rejected
        ? keys
            .slice(1)
            .map((failureKey) => ({ failureKey, reason: 'storage.tf: aws_s3_bucket.logs not found' }))
        : [],
    };
    written.add(groupKey);
    return out;
  };
}

/** Scripted stage doubles: each scenario takes its path through the workflow. */
function stages(listed: () => Failure[]): StageImplementations {
  const validated = new Set<string>();
  const checks = new Map<string, number>();
  const presence = new Map<string, number>();
  return {
    listFailures: async () => listed(),
    prepare: async (f) => {
      if (scenarioOf(f) === 'stage-failure') {
        throw ApplicationFailure.nonRetryable('no repository mapping for this account', 'RepoNotMappedError');
      }
      return prepared;
    },
    analyze: async ({ failure: f }) =>
      scenarioOf(f) === 'not-found'
        ? { status: 'not_found', reason: 'no aws_s3_bucket named acme-logs', candidates: [] }
        : { status: 'found', target, candidates: [target] },
    generate: async ({ failure: f, engine }) => {
      if (scenarioOf(f) === 'llm-repair' && engine === 'rules') {
        return { status: 'no_rule', reason: 'no rule for this control' };
      }
      return patch(engine === 'llm' ? 'llm' : 'rule');
    },
    validate: async ({ failure: f, generated }) => {
      if (scenarioOf(f) === 'llm-repair' && !validated.has(f.key)) {
        validated.add(f.key);
        return { ok: false, errors: ['storage.tf:2: unsupported argument "versioning_enabled"'] };
      }
      return { ok: true, fix: fix(generated.engine) };
    },
    openPullRequest: async ({ failure: f }) => ({
      action: 'created',
      url: `https://github.example/acme/infra/pull/${scenarioOf(f).length}`,
      number: scenarioOf(f).length,
      branch: `terrafix/s3-versioning/${scenarioOf(f)}`,
    }),
    checkPullRequest: async ({ number }) => {
      const n = (checks.get(String(number)) ?? 0) + 1;
      checks.set(String(number), n);
      return n >= 2 ? 'merged' : 'open';
    },
    failureStillPresent: async ({ failure: f }) => {
      const group = groupScenarioOf(f.testId);
      if (group === 'group-followed') return !vantaPassing.has(group);
      const n = (presence.get(f.key) ?? 0) + 1;
      presence.set(f.key, n);
      return n < 2;
    },
    closePullRequest: async () => undefined,
    openGroupPullRequest: groupPullRequests(),
  };
}

/** Waits until the query answers what `done` accepts. */
async function waitFor<T>(
  what: string,
  query: () => Promise<T>,
  done: (v: T | undefined) => boolean,
): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (done(await query().catch(() => undefined))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

async function waitForStage(handle: WorkflowHandle, stage: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const desc = await handle.describe();
    const s = desc.searchAttributes?.TerraFixStage?.[0];
    if (s === stage) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${handle.workflowId} never reached ${stage}`);
}

/** Records the histories into outDir; returns the files written. */
export async function recordHistories(opts: {
  temporalAddress: string;
  redisUrl: string;
  outDir: string;
}): Promise<string[]> {
  const run = Date.now().toString(36);
  const taskQueue = `record-histories-${run}`;
  const redis = new Redis(opts.redisUrl);
  const records = new RecordStore(redis, { ttlSeconds: 3600, prefix: `${taskQueue}:record:` });
  let listed: Failure[] = [];
  installRuntime();
  const native = await NativeConnection.connect({ address: opts.temporalAddress });
  const connection = await Connection.connect({ address: opts.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const workers = await createWorkerSet({
    connection: native,
    namespace: 'default',
    taskQueue,
    activities: createActivities({
      records,
      logger: pino({ level: 'silent' }),
      stages: stages(() => listed),
    }),
    workflowsPath: require.resolve('../src/workflows'),
    vantaActivitiesPerSecond: 100,
    githubActivitiesPerSecond: 100,
    shutdownGraceTime: '1s',
  });
  const running = workers.run();
  const written: string[] = [];
  const save = async (name: string, handle: WorkflowHandle) => {
    await handle.result().catch(() => undefined);
    const history = await handle.fetchHistory();
    const file = path.join(opts.outDir, `${name}.json`);
    fs.writeFileSync(file, `${JSON.stringify(historyToPlain(history), null, 1)}\n`);
    written.push(file);
  };
  const followUp: RemediationOptions = {
    followUp: true,
    prCheckIntervalMs: 300,
    staleAfterMs: 3_600_000,
    vantaWaitMs: 3_600_000,
    rejectedSuppressSeconds: 600,
  };
  const start = (scenario: string, options?: RemediationOptions) => {
    const f = failure(scenario, run);
    return client.workflow.start(remediateFailureWorkflow, {
      taskQueue,
      workflowId: remediationWorkflowId(f.key),
      args: [{ failure: f, options }],
    });
  };
  try {
    fs.mkdirSync(opts.outDir, { recursive: true });
    await save('remediate-rule-pr-opened', await start('rule'));
    await save('remediate-llm-repair', await start('llm-repair'));
    await save('remediate-not-found', await start('not-found'));
    await save('remediate-stage-failure', await start('stage-failure'));
    await records.put({
      failureKey: failure('skipped', run).key,
      workflowId: 'elsewhere',
      runId: 'elsewhere',
      status: 'pr_open',
      prUrl: 'https://github.example/acme/infra/pull/1',
    });
    await save('remediate-skipped', await start('skipped'));
    // Follow-up: checks the PR on a timer (open, then merged), then waits for Vanta (still failing, then passing).
    await save('remediate-followup-resolved', await start('merged', followUp));
    const rejected = await start('rejected', { ...followUp, prCheckIntervalMs: 3_600_000 });
    await waitForStage(rejected, 'awaiting_merge');
    await rejected.signal(prOutcomeSignal, { state: 'closed', by: 'reviewer' });
    await save('remediate-followup-rejected', rejected);
    const elsewhere = await start('elsewhere', { ...followUp, prCheckIntervalMs: 3_600_000 });
    await waitForStage(elsewhere, 'awaiting_merge');
    await elsewhere.signal(failureResolvedSignal);
    await save('remediate-followup-resolved-elsewhere', elsewhere);

    // Poll: one new failure, one suppressed by its record, one already running, one invalid entry.
    const running1 = await start('poll-running', { ...followUp, prCheckIntervalMs: 3_600_000 });
    await waitForStage(running1, 'awaiting_merge');
    await records.put({
      failureKey: failure('poll-suppressed', run).key,
      workflowId: 'elsewhere',
      runId: 'elsewhere',
      status: 'rejected',
    });
    // The running one's record is pr_open, so it is suppressed too; drop its record to reach the
    // "already running" branch (Temporal's workflow id is then what prevents the duplicate).
    await records.delete(failure('poll-running', run).key);
    listed = [
      failure('poll-new', run),
      failure('poll-suppressed', run),
      failure('poll-running', run),
      { ...failure('poll-invalid', run), key: '' },
    ];
    const poll = await client.workflow.start(pollFailuresWorkflow, {
      taskQueue,
      workflowId: `poll/history-${run}`,
      args: [{}],
    });
    await save('poll-failures', poll);
    // Merged, then Vanta stops reporting it while the workflow waits: resolved.
    await running1.signal(prOutcomeSignal, { state: 'merged' });
    await waitForStage(running1, 'awaiting_vanta');
    await running1.signal(failureResolvedSignal);
    await running1.result();
    await client.workflow.getHandle(remediationWorkflowId(failure('poll-new', run).key)).result();

    await recordGroups(client, taskQueue, run, save);
  } finally {
    await workers.shutdown();
    await running.catch(() => undefined);
    await native.close();
    await connection.close();
    redis.disconnect();
  }
  return written;
}

type Save = (name: string, handle: WorkflowHandle) => Promise<void>;

/**
 * GROUP_BY=test: each scenario has its own test, so its own group workflow `group/<groupKey>`,
 * started by the first member's joinGroup. Short debounce and check intervals keep recording fast.
 */
async function recordGroups(client: Client, taskQueue: string, run: string, save: Save): Promise<void> {
  const grouped: RemediationOptions = {
    groupBy: 'test',
    groupDebounceMs: 1_000,
    followUp: false,
    prCheckIntervalMs: 300,
    staleAfterMs: 3_600_000,
    rejectedSuppressSeconds: 600,
  };
  const startMembers = (scenario: string, members: string[], options: RemediationOptions) =>
    Promise.all(
      members.map((m) => {
        const f = memberFailure(scenario, m, run);
        return client.workflow.start(remediateFailureWorkflow, {
          taskQueue,
          workflowId: remediationWorkflowId(f.key),
          args: [{ failure: f, options }],
        });
      }),
    );
  const groupOf = (scenario: string) =>
    client.workflow.getHandle(groupWorkflowId(groupKeyOf(prepared, `history-${scenario}-${run}`)));
  const expectGroup = async (scenario: string, outcome: string, writes: number) => {
    const r = (await groupOf(scenario).result()) as { outcome: string; writes: number };
    if (r.outcome !== outcome || r.writes !== writes)
      throw new Error(
        `${scenario}: group ended ${r.outcome} after ${r.writes} write(s), not ${outcome}/${writes}`,
      );
  };

  // (a) Two members join within the debounce: one PR written, both told included (pr_opened); the
  // group checks its PR every 300 ms: open, then merged.
  const [a1, a2] = await startMembers('group-merged', ['a', 'b'], grouped);
  await save('remediate-grouped-included', a1!);
  await a2!.result();
  await expectGroup('group-merged', 'merged', 1);
  await save('group-merged', groupOf('group-merged'));

  // (b) Members follow the PR; one is resolved elsewhere and leaves: the PR is rewritten without it;
  // the other leaves too: the group closes its PR.
  const following = { ...grouped, followUp: true, prCheckIntervalMs: 3_600_000, vantaWaitMs: 3_600_000 };
  const [b1, b2] = await startMembers('group-elsewhere', ['a', 'b'], following);
  await waitForStage(b1!, 'awaiting_merge');
  await waitForStage(b2!, 'awaiting_merge');
  await b1!.signal(failureResolvedSignal);
  await save('remediate-grouped-resolved-elsewhere', b1!);
  await waitFor(
    'group-elsewhere PR rewritten',
    () => groupOf('group-elsewhere').query(groupStatusQuery),
    (st) => st?.writes === 2 && st.state === 'open',
  );
  await b2!.signal(failureResolvedSignal);
  await b2!.result();
  await expectGroup('group-elsewhere', 'closed_resolved_elsewhere', 2);
  await save('group-resolved-elsewhere', groupOf('group-elsewhere'));

  // (c) The second member's fix no longer applies (excluded); the PR was closed by a reviewer.
  const [c1, c2] = await startMembers('group-rejected', ['a', 'b'], grouped);
  await save('remediate-grouped-rejected', c1!);
  await c2!.result();
  await expectGroup('group-rejected', 'rejected_by_reviewer', 1);
  await save('group-rejected', groupOf('group-rejected'));

  // (e) The group owns the follow-up (GROUP_FOLLOW_UP_PATCH): members follow without checking the PR;
  // the group checks it (open, then merged) and tells them; they wait for Vanta and end resolved.
  const followed = { ...grouped, followUp: true, vantaWaitMs: 3_600_000 };
  const [e1, e2] = await startMembers('group-followed', ['a', 'b'], followed);
  await waitForStage(e1!, 'awaiting_merge');
  await expectGroup('group-followed', 'merged', 1);
  vantaPassing.add('group-followed');
  for (const h of [e1!, e2!]) {
    const r = (await h.result()) as { outcome: string };
    if (r.outcome !== 'resolved') throw new Error(`group-followed member ended ${r.outcome}, not resolved`);
  }
  await save('remediate-grouped-followed-resolved', e1!);
  await save('group-followed-merged', groupOf('group-followed'));

  // (d) The group PR cannot be written: the waiting member ends failed, the group empty.
  const [d1] = await startMembers('group-failed', ['a'], grouped);
  await save('remediate-grouped-failed', d1!);
  await expectGroup('group-failed', 'empty', 0);
  await save('group-write-failed', groupOf('group-failed'));
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, '../test/replay/histories'));
  const temporal = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startTemporalDevServer({ headless: true });
  const redisServer = process.env.REDIS_URL ? undefined : await startRedis();
  try {
    const files = await recordHistories({
      temporalAddress: process.env.TEMPORAL_ADDRESS ?? temporal!.address,
      redisUrl: process.env.REDIS_URL ?? redisServer!.url,
      outDir,
    });
    for (const f of files) process.stdout.write(`${path.relative(process.cwd(), f)}\n`);
  } finally {
    await temporal?.stop();
    await redisServer?.stop();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`record-histories: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
