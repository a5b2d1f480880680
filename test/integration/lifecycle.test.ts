/**
 * The closed loop after a PR is opened: merged → resolved once Vanta passes; closed → rejected and
 * suppressed; no outcome → stale; failure gone from Vanta first → resolved elsewhere, PR closed.
 */
import type { PullRequestState } from '../../src/activities/types';
import { remediateFailureWorkflow } from '../../src/workflows';
import { prOutcomeSignal, remediationWorkflowId, statusQuery } from '../../src/workflows/definitions';
import { sampleFailure, startTestPipeline, successfulStages, type TestPipeline } from '../harness/pipeline';

jest.setTimeout(120_000);

interface World {
  prState: PullRequestState;
  failing: boolean;
  closed: { number: number; comment: string }[];
  reminded: string[];
  checks: number;
}

let p: TestPipeline;
const worlds = new Map<string, World>();

beforeAll(async () => {
  const stages = successfulStages([]);
  // The PR number encodes which world a workflow lives in.
  let n = 0;
  const byNumber = new Map<number, World>();
  stages.openPullRequest = async (input) => {
    n += 1;
    byNumber.set(n, worlds.get(input.failure.key)!);
    return {
      action: 'created',
      url: `http://github.local/acme/infra/pull/${n}`,
      number: n,
      branch: `terrafix/t/${n}`,
    };
  };
  stages.checkPullRequest = async ({ number }) => {
    const w = byNumber.get(number)!;
    w.checks += 1;
    return w.prState;
  };
  stages.failureStillPresent = async ({ failure }) => worlds.get(failure.key)!.failing;
  stages.closePullRequest = async ({ number, comment }) => {
    byNumber.get(number)!.closed.push({ number, comment });
  };
  stages.remindPullRequest = async ({ number, comment }) => {
    byNumber.get(number)!.reminded.push(comment);
  };
  p = await startTestPipeline(stages);
});
afterAll(() => p?.close());

function start(key: string, options: Record<string, number | boolean>) {
  const failure = sampleFailure(0, key);
  worlds.set(failure.key, { prState: 'open', failing: true, closed: [], reminded: [], checks: 0 });
  return {
    failure,
    world: worlds.get(failure.key)!,
    handle: p.client.workflow.start(remediateFailureWorkflow, {
      taskQueue: p.taskQueue,
      workflowId: remediationWorkflowId(failure.key),
      args: [
        { failure, options: { followUp: true, prCheckIntervalMs: 500, vantaWaitMs: 60_000, ...options } },
      ],
    }),
  };
}

async function untilStage(h: Awaited<ReturnType<typeof start>['handle']>, stage: string) {
  for (let i = 0; i < 200; i++) {
    if ((await h.query(statusQuery)).stage === stage) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never reached ${stage}`);
}

it('merged (signal) → waits for Vanta to pass → resolved, with a record', async () => {
  const t = start(`vanta:life-merge-${Date.now()}`, {});
  const h = await t.handle;
  await untilStage(h, 'awaiting_merge');
  t.world.prState = 'merged';
  await h.signal(prOutcomeSignal, { state: 'merged' });
  await untilStage(h, 'awaiting_vanta');
  t.world.failing = false;
  const r = await h.result();
  expect(r.outcome).toBe('resolved');
  expect(r.stages.map((s) => s.stage)).toEqual(
    expect.arrayContaining(['open_pr', 'awaiting_merge', 'awaiting_vanta']),
  );
  expect((await p.records.get(t.failure.key))?.status).toBe('resolved');
});

it('closed unmerged (polled) → rejected, suppressed for the configured period', async () => {
  const t = start(`vanta:life-closed-${Date.now()}`, { rejectedSuppressSeconds: 12_345 });
  const h = await t.handle;
  await untilStage(h, 'awaiting_merge');
  t.world.prState = 'closed';
  const r = await h.result();
  expect(r.outcome).toBe('rejected');
  expect(t.world.checks).toBeGreaterThan(0);
  expect((await p.records.get(t.failure.key))?.status).toBe('rejected');
  const ttl = await p.records.ttl(t.failure.key);
  expect(ttl).toBeGreaterThan(12_000);
  expect(ttl).toBeLessThanOrEqual(12_345);
  expect(await p.records.suppressed([t.failure.key])).toEqual([t.failure.key]);
});

it('no outcome within the stale period → stale, with a reminder comment and label', async () => {
  const t = start(`vanta:life-stale-${Date.now()}`, { staleAfterMs: 2_000 });
  const r = await (await t.handle).result();
  expect(r.outcome).toBe('stale');
  expect(t.world.reminded).toHaveLength(1);
  expect(t.world.reminded[0]).toMatch(/no review outcome/);
  expect((await p.records.get(t.failure.key))?.status).toBe('stale');
});

it('failure gone from Vanta before merge → resolved_elsewhere and the PR is closed with a comment', async () => {
  const t = start(`vanta:life-gone-${Date.now()}`, {});
  const h = await t.handle;
  await untilStage(h, 'awaiting_merge');
  t.world.failing = false;
  const r = await h.result();
  expect(r.outcome).toBe('resolved_elsewhere');
  expect(t.world.closed).toHaveLength(1);
  expect(t.world.closed[0]!.comment).toMatch(/fixed elsewhere/);
  expect((await p.records.get(t.failure.key))?.status).toBe('resolved_elsewhere');
});
