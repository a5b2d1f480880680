/**
 * GROUP_BY=test on the real Temporal server: failures of one test in one repository share ONE group
 * workflow and ONE PR (updated as members join or are resolved elsewhere); different tests get
 * different groups; groupBy none still opens one PR per failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OpenGroupPullRequestInput } from '../../src/activities/types';
import type { GroupMember } from '../../src/contracts';
import { Context } from '@temporalio/activity';
import { PermanentApiError } from '../../src/errors';
import { generateWithRules } from '../../src/remediation/engine';
import { indexRepository, locate, type RepoIndex } from '../../src/terraform';
import { buildGroupFix, groupFailure } from '../../src/remediation/group';
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
/** Which workflow checked a PR's state, and which reminded its reviewers. */
const checkedBy: string[] = [];
const reminded: { number: number; by: string }[] = [];

beforeAll(async () => {
  const stages = successfulStages([], calls);
  stages.openGroupPullRequest = async (input) => {
    groupCalls.push(input);
    if (input.testId.startsWith('broken'))
      throw new PermanentApiError('GitHub create pull request failed (422)');
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
  stages.checkPullRequest = async () => {
    checkedBy.push(Context.current().info.workflowExecution?.workflowId ?? '');
    return prState;
  };
  stages.remindPullRequest = async ({ number }) => {
    reminded.push({ number, by: Context.current().info.workflowExecution?.workflowId ?? '' });
  };
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

it('the group owns the follow-up: members never check the PR; the group tells them it merged', async () => {
  prState = 'open';
  const testId = uniqueName('aws-s3-versioning');
  const failures = [0, 1].map((i) => failureOf(i, `vanta:${testId}`, testId));
  const handles = await startAll(failures, {
    groupBy: 'test',
    groupDebounceMs: 500,
    followUp: true,
    prCheckIntervalMs: 300,
    vantaWaitMs: 60_000,
  });
  for (const h of handles) {
    for (let i = 0; (await h.query(statusQuery)).stage !== 'awaiting_merge'; i++) {
      if (i > 300) throw new Error('never reached awaiting_merge');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const gid = groupWorkflowId(groupKeyOf(preparedRepo, testId));
  // The group checks its PR while it is open ...
  for (let i = 0; !checkedBy.includes(gid); i++) {
    if (i > 300) throw new Error('the group never checked its PR');
    await new Promise((r) => setTimeout(r, 100));
  }
  // ... and on merge tells the members, which then wait for Vanta's re-check on their own failure.
  prState = 'merged';
  const g = await p.client.workflow.getHandle<typeof groupPullRequestWorkflow>(gid).result();
  expect(g.outcome).toBe('merged');
  for (const h of handles) {
    for (let i = 0; (await h.query(statusQuery)).stage !== 'awaiting_vanta'; i++) {
      if (i > 300) throw new Error('member never heard of the merge');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (const f of failures) gone.add(f.key);
  const results = await Promise.all(handles.map((h) => h.result()));
  expect(results.map((r) => r.outcome)).toEqual(['resolved', 'resolved']);
  // Only the group looked at the PR.
  const members = new Set(handles.map((h) => h.workflowId));
  expect(checkedBy.filter((w) => members.has(w))).toEqual([]);
});

it('a stale group PR is reminded once, by the group, not by each member', async () => {
  prState = 'open';
  const testId = uniqueName('aws-s3-logging');
  const failures = [0, 1].map((i) => failureOf(i, `vanta:${testId}`, testId));
  const handles = await startAll(failures, {
    groupBy: 'test',
    groupDebounceMs: 300,
    followUp: true,
    prCheckIntervalMs: 300,
    staleAfterMs: 4_000,
  });
  const results = await Promise.all(handles.map((h) => h.result()));
  expect(results.map((r) => r.outcome)).toEqual(['stale', 'stale']);
  const gid = groupWorkflowId(groupKeyOf(preparedRepo, testId));
  const g = await p.client.workflow.getHandle<typeof groupPullRequestWorkflow>(gid).result();
  expect(g.outcome).toBe('stale');
  const number = prNumbers.get(groupKeyOf(preparedRepo, testId))!;
  expect(reminded.filter((r) => r.number === number)).toEqual([{ number, by: gid }]);
});

it('the group PR cannot be written → waiting members end failed (briefly recorded, so a later poll retries)', async () => {
  const testId = uniqueName('broken-test');
  const [h] = await startAll([failureOf(0, `vanta:${testId}`, testId)], {
    groupBy: 'test',
    groupDebounceMs: 200,
    followUp: false,
  });
  const r = await h!.result();
  expect(r.outcome).toBe('failed');
  expect(r.reason).toMatch(/group PR: .*422/);
  const rec = await p.records.get(r.failureKey);
  expect(rec?.status).toBe('failed');
  expect(await p.records.ttl(r.failureKey)).toBeLessThanOrEqual(3600);
  const g = await p.client.workflow
    .getHandle<typeof groupPullRequestWorkflow>(groupWorkflowId(groupKeyOf(preparedRepo, testId)))
    .result();
  expect(g.outcome).toBe('empty');
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

describe('buildGroupFix (real Terraform engine and rules)', () => {
  const tf = [
    'provider "aws" {',
    '  region = "us-east-1"',
    '}',
    '',
    'resource "aws_s3_bucket" "logs" {',
    '  bucket = "acme-logs"',
    '}',
    '',
    'resource "aws_s3_bucket" "assets" {',
    '  bucket = "acme-assets"',
    '}',
    '',
  ].join('\n');

  async function member(index: RepoIndex, bucket: string, testId: string): Promise<GroupMember> {
    const failure: Failure = {
      key: `vanta:${testId}:${bucket}`,
      source: 'vanta',
      testId,
      testName: 'S3 bucket versioning',
      resource: { displayName: bucket, responseType: 'S3 bucket' },
    };
    const loc = locate(index, failure);
    if (!loc.target) throw new Error(`not located: ${loc.reasons.join('; ')}`);
    const generated = generateWithRules(index, loc.target, failure);
    if (generated.status !== 'patch') throw new Error(`no patch: ${JSON.stringify(generated)}`);
    return {
      workflowId: remediationWorkflowId(failure.key),
      failure,
      prepared: preparedRepo,
      target: loc.target,
      generated,
    };
  }

  it('two buckets in one file → one combined, verified fix touching that file once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-group-'));
    fs.writeFileSync(path.join(dir, 'main.tf'), tf);
    const index = await indexRepository(dir);
    const members = [
      await member(index, 'acme-logs', 'aws-s3-versioning'),
      await member(index, 'acme-assets', 'aws-s3-versioning'),
    ];
    const r = await buildGroupFix(index, members, { format: false, terraformValidate: false });
    expect(r.excluded).toEqual([]);
    expect(r.included).toEqual(members.map((m) => m.failure.key));
    expect(r.fix!.files.map((f) => f.path)).toEqual(['main.tf']);
    const after = r.fix!.files[0]!.content;
    // Both buckets got their versioning resource, and both original blocks are still there.
    expect(after.match(/resource "aws_s3_bucket_versioning"/g)).toHaveLength(2);
    expect(after).toContain('aws_s3_bucket.logs.id');
    expect(after).toContain('aws_s3_bucket.assets.id');
    expect(r.fix!.explanation).toMatch(/2 resources/);
    expect(r.fix!.explanation).toContain('acme-logs');
    expect(r.fix!.explanation).toContain('acme-assets');

    const g = groupFailure('acme/infra/aws-s3-versioning', 'aws-s3-versioning', members);
    expect(g.key).toBe('group:acme/infra/aws-s3-versioning');
    expect(g.resource.displayName).toBe('2 resources');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a member whose patch no longer applies is excluded with the reason; the others stay', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-group-'));
    fs.writeFileSync(path.join(dir, 'main.tf'), tf);
    const index = await indexRepository(dir);
    const ok = await member(index, 'acme-logs', 'aws-s3-versioning');
    const stale = await member(index, 'acme-assets', 'aws-s3-versioning');
    // As if the bucket was renamed on the default branch since the member's patch was generated.
    stale.generated = {
      ...stale.generated,
      patch: {
        ...stale.generated.patch,
        edits: stale.generated.patch.edits.map((e) =>
          e.kind === 'insert_after'
            ? { ...e, afterAddress: 'aws_s3_bucket.gone' }
            : { ...e, address: 'aws_s3_bucket.gone' },
        ),
      },
    };
    const r = await buildGroupFix(index, [stale, ok], { format: false, terraformValidate: false });
    expect(r.included).toEqual([ok.failure.key]);
    expect(r.excluded.map((e) => e.failureKey)).toEqual([stale.failure.key]);
    expect(r.excluded[0]!.reason).toMatch(/aws_s3_bucket\.gone/);
    expect(r.fix!.files[0]!.content.match(/resource "aws_s3_bucket_versioning"/g)).toHaveLength(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
