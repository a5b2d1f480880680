/**
 * Determinism: every recorded history under test/replay/histories (real runs of pollFailuresWorkflow,
 * remediateFailureWorkflow and groupPullRequestWorkflow, recorded by scripts/record-histories.ts) must
 * replay against the current workflow bundle. A workflow change that would break running workflows
 * fails this test; make such changes with `patched()` / worker versioning, not by re-recording the
 * histories.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { installRuntime } from '../../src/workers/worker';
import { testWorkflowBundle } from '../harness/env';
import { historyFromPlain } from './historyFile';

jest.setTimeout(180_000);
// Quiet runtime (WARN) before any replay worker installs a default one.
beforeAll(() => installRuntime());

const DIR = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string) {
  return historyFromPlain(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
}

function workflowType(file: string): string | undefined {
  return load(file).events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

it('has recorded histories of every workflow, including the follow-up and grouped paths', () => {
  const types = new Set(files.map(workflowType));
  expect(types).toEqual(
    new Set(['pollFailuresWorkflow', 'remediateFailureWorkflow', 'groupPullRequestWorkflow']),
  );
  expect(files).toEqual(
    expect.arrayContaining([
      'poll-failures.json',
      'remediate-rule-pr-opened.json',
      'remediate-llm-repair.json',
      'remediate-followup-resolved.json',
      'remediate-followup-rejected.json',
      'remediate-followup-resolved-elsewhere.json',
      // GROUP_BY=test: the group workflow, and members that joined it.
      'group-merged.json',
      'group-resolved-elsewhere.json',
      'group-rejected.json',
      'group-write-failed.json',
      'group-followed-merged.json',
      'remediate-grouped-included.json',
      'remediate-grouped-resolved-elsewhere.json',
      'remediate-grouped-rejected.json',
      'remediate-grouped-failed.json',
      'remediate-grouped-followed-resolved.json',
    ]),
  );
});

it('replays every recorded history against the current workflow code', async () => {
  const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: load(f) }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const r of Worker.runReplayHistories({ workflowBundle: testWorkflowBundle() }, histories)) {
    replayed += 1;
    if (r.error) failures.push(`${r.workflowId}: ${r.error.name}: ${r.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});

it('fails when the workflow code changes incompatibly (negative control)', async () => {
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/changedWorkflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
  await expect(
    Worker.runReplayHistory({ workflowBundle: bundle }, load('remediate-rule-pr-opened.json')),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
