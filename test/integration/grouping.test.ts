/**
 * GROUP_BY=test on the real Temporal server: failures of one test in one repository share ONE group
 * workflow and ONE PR (updated as members join or are resolved elsewhere); different tests get
 * different groups; groupBy none still opens one PR per failure.
 */
import type { OpenGroupPullRequestInput } from '../../src/activities/types';
import type { Failure } from '../../src/contracts';
import { groupPullRequestWorkflow, remediateFailureWorkflow } from '../../src/workflows';
import {
  groupKeyOf,
  groupStatusQuery,
  groupWorkflowId,
  remediationWorkflowId,
  statusQuery,
  type RemediationOptions,
} from '../../src/workflows/definitions';
import { uniqueName } from '../harness/env';
import {
  preparedRepo,
  sampleFailure,
  startTestPipeline,
  successfulStages,
  type TestPipeline,
} from '../harness/pipeline';

jest.setTimeout(120_000);

let p: TestPipeline;
const calls: Record<string, number> = {};
const groupCalls: OpenGroupPullRequestInput[] = [];
const closed: { number: number; comment: string }[] = [];
const gone = new Set<string>();
const prNumbers = new Map<string, number>();
let prState: 'open' | 'merged' = 'open';

beforeAll(async () => {
  const stages = successfulStages([], calls);
  stages.openGroupPullRequest = async (input) => {
    groupCalls.push(input);
    let n = prNumbers.get(input.groupKey);
    const created = n === undefined;
    if (n === undefined) prNumbers.set(input.groupKey, (n = prNumbers.size + 100));
    return {
      pr: {
        action: created ? 'created' : 'updated',
        url: `http://github.local/acme/infra/pull/${n}`,
        number: n,
        branch: `terrafix/${input.testId}/group`,
      },
      included: input.members.map((m) => m.failure.key),
      excluded: [],
    };
  };
  stages.checkPullRequest = async () => prState;
  stages.failureStillPresent = async ({ failure }) => !gone.has(failure.key);
  stages.closePullRequest = async ({ number, comment }) => {
    closed.push({ number, comment });
  };
  p = await startTestPipeline(stages);
});
afterAll(() => p?.close());

function failureOf(i: number, prefix: string, testId = 'aws-s3-encryption'): Failure {
  return { ...sampleFailure(i, prefix), testId };
}

function startAll(failures: Failure[], options: RemediationOptions) {
  return Promise.all(
    failures.map((failure) =>
      p.client.workflow.start(remediateFailureWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: remediationWorkflowId(failure.key),
        args: [{ failure, options }],
      }),
    ),
  );
}

const callsFor = (testId: string) => groupCalls.filter((c) => c.testId === testId);

it('three failures of one test in one repository → one group, one PR carrying all three', async () => {
  const testId = uniqueName('aws-s3-encryption');
  const failures = [0, 1, 2].map((i) => failureOf(i, `vanta:${testId}`, testId));
  const handles = await startAll(failures, {
    groupBy: 'test',
    groupDebounceMs: 1_500,
    followUp: false,
    prCheckIntervalMs: 60_000,
  });
  const results = await Promise.all(handles.map((h) => h.result()));
  expect(results.map((r) => r.outcome)).toEqual(['pr_opened', 'pr_opened', 'pr_opened']);
  const urls = new Set(results.map((r) => r.prUrl));
  expect(urls.size).toBe(1);

  // One group workflow for the (repository, test) pair; its last write carries all three members.
  const gid = groupWorkflowId(groupKeyOf(preparedRepo, testId));
  const group = p.client.workflow.getHandle(gid);
  const st = await group.query(groupStatusQuery);
  expect(st.members.map((m) => m.failureKey).sort()).toEqual(failures.map((f) => f.key).sort());
  expect(st.members.every((m) => m.notified === 'included')).toBe(true);
  expect(st.pr?.url).toBe([...urls][0]);
  const mine = callsFor(testId);
  expect(mine.length).toBeGreaterThanOrEqual(1);
  expect(
    mine
      .at(-1)!
      .members.map((m) => m.failure.key)
      .sort(),
  ).toEqual(failures.map((f) => f.key).sort());
  expect(mine.every((c) => c.groupKey === groupKeyOf(preparedRepo, testId))).toBe(true);
  // Each member's verified patch travels with it, so the group can rebuild the combined fix.
  expect(mine.at(-1)!.members.every((m) => m.generated.status === 'patch')).toBe(true);

  // Each member recorded the group PR as its own.
  for (const f of failures) expect((await p.records.get(f.key))?.prUrl).toBe([...urls][0]);

  // The group stays open while its PR is (it checks the PR every prCheckIntervalMs); end it here.
  await group.terminate('test done');
});

it('failures of two different tests → two groups, two PRs', async () => {
  const a = uniqueName('aws-s3-versioning');
  const b = uniqueName('aws-s3-logging');
  const failures = [
    failureOf(0, `vanta:${a}`, a),
    failureOf(1, `vanta:${a}`, a),
    failureOf(0, `vanta:${b}`, b),
  ];
  const handles = await startAll(failures, {
    groupBy: 'test',
    groupDebounceMs: 1_000,
    followUp: false,
    prCheckIntervalMs: 500,
  });
  prState = 'open';
  const results = await Promise.all(handles.map((h) => h.result()));
  expect(results.every((r) => r.outcome === 'pr_opened')).toBe(true);
  expect(results[0]!.prUrl).toBe(results[1]!.prUrl);
  expect(results[2]!.prUrl).not.toBe(results[0]!.prUrl);
  expect(callsFor(a).at(-1)!.members).toHaveLength(2);
  expect(callsFor(b).at(-1)!.members).toHaveLength(1);

  // A group lives as long as its PR: merged → both groups complete.
  prState = 'merged';
  const ga = await p.client.workflow
    .getHandle<typeof groupPullRequestWorkflow>(groupWorkflowId(groupKeyOf(preparedRepo, a)))
    .result();
  const gb = await p.client.workflow
    .getHandle<typeof groupPullRequestWorkflow>(groupWorkflowId(groupKeyOf(preparedRepo, b)))
    .result();
  expect(ga.outcome).toBe('merged');
  expect(gb.outcome).toBe('merged');
  prState = 'open';
});

it('a member resolved elsewhere leaves: the PR is rewritten without it; the last one closes the PR', async () => {
  prState = 'open';
  const testId = uniqueName('aws-s3-public-access-blocked');
  const failures = [0, 1].map((i) => failureOf(i, `vanta:${testId}`, testId));
  const handles = await startAll(failures, {
    groupBy: 'test',
    groupDebounceMs: 500,
    followUp: true,
    prCheckIntervalMs: 500,
    vantaWaitMs: 60_000,
  });
  for (const h of handles) {
    for (let i = 0; (await h.query(statusQuery)).stage !== 'awaiting_merge'; i++) {
      if (i > 300) throw new Error('never reached awaiting_merge');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const writesBefore = callsFor(testId).length;
  gone.add(failures[0]!.key);
  expect((await handles[0]!.result()).outcome).toBe('resolved_elsewhere');
  const gid = groupWorkflowId(groupKeyOf(preparedRepo, testId));
  for (let i = 0; callsFor(testId).length === writesBefore; i++) {
    if (i > 300) throw new Error('group PR never rewritten');
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(
    callsFor(testId)
      .at(-1)!
      .members.map((m) => m.failure.key),
  ).toEqual([failures[1]!.key]);
  // The group PR is not closed while it still carries a fix.
  const number = prNumbers.get(groupKeyOf(preparedRepo, testId))!;
  expect(closed.filter((c) => c.number === number)).toHaveLength(0);

  gone.add(failures[1]!.key);
  expect((await handles[1]!.result()).outcome).toBe('resolved_elsewhere');
  const g = await p.client.workflow.getHandle<typeof groupPullRequestWorkflow>(gid).result();
  expect(g.outcome).toBe('closed_resolved_elsewhere');
  expect(closed.filter((c) => c.number === number)).toHaveLength(1);
});

it('groupBy none: one PR per failure through openPullRequest, no group workflow', async () => {
  const testId = uniqueName('aws-s3-encryption-none');
  const failures = [0, 1].map((i) => failureOf(i, `vanta:${testId}`, testId));
  const before = calls.openPullRequest ?? 0;
  const handles = await startAll(failures, { groupBy: 'none', followUp: false });
  const results = await Promise.all(handles.map((h) => h.result()));
  expect(results.every((r) => r.outcome === 'pr_opened')).toBe(true);
  expect((calls.openPullRequest ?? 0) - before).toBe(2);
  expect(callsFor(testId)).toHaveLength(0);
  const list = p.client.workflow.list({
    query: `WorkflowId = '${groupWorkflowId(groupKeyOf(preparedRepo, testId))}'`,
  });
  const found: string[] = [];
  for await (const w of list) found.push(w.workflowId);
  expect(found).toEqual([]);
});
