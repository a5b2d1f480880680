/**
 * Workflow integration tests on the real Temporal dev server and real Redis, with stage doubles.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { Failure } from '../../src/contracts';
import { FixRejectedError, InvalidFailureError } from '../../src/errors';
import { PrLimitReachedError } from '../../src/pullRequests/errors';
import { pollFailuresWorkflow, remediateFailureWorkflow } from '../../src/workflows';
import {
  remediationWorkflowId,
  statusQuery,
  type PollResult,
  type RemediationResult,
} from '../../src/workflows/definitions';
import { uniqueName } from '../harness/env';
import { sampleFailure, startTestPipeline, successfulStages, type TestPipeline } from '../harness/pipeline';

jest.setTimeout(120_000);

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function poll(p: TestPipeline, id = uniqueName('poll')): Promise<PollResult> {
  return p.client.workflow.execute(pollFailuresWorkflow, {
    taskQueue: p.taskQueue,
    workflowId: id,
    args: [{}],
  });
}

describe('pollFailuresWorkflow', () => {
  let p: TestPipeline;
  let release: () => void;
  const failures: Failure[] = Array.from({ length: 6 }, (_, i) =>
    sampleFailure(i, `vanta:poll-${Date.now()}`),
  );
  const calls: Record<string, number> = {};

  beforeAll(async () => {
    const gate = new Promise<void>((r) => (release = r));
    const stages = successfulStages(failures, calls);
    const prepare = stages.prepare!;
    stages.prepare = async (f) => {
      await gate; // hold children in "prepare" so they are running during the next polls
      return prepare(f);
    };
    p = await startTestPipeline(stages);
  });
  afterAll(async () => {
    release?.();
    await p?.close();
  });

  it('starts exactly one child per failure; polls while they run (even concurrent ones) start none', async () => {
    const first = await poll(p);
    expect(first).toEqual({ found: 6, started: 6, alreadyRunning: 0, suppressed: 0, invalid: 0 });

    const [a, b] = await Promise.all([poll(p), poll(p)]);
    expect(a.started + b.started).toBe(0);
    // Each running child is caught either by its in_progress record or by its workflow id.
    expect(a.alreadyRunning + a.suppressed).toBe(6);
    expect(b.alreadyRunning + b.suppressed).toBe(6);

    // Children are running and report their stage through the status query.
    const handle = p.client.workflow.getHandle(remediationWorkflowId(failures[0]!.key));
    const status = await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return s.stage === 'prepare' ? s : undefined;
    }, 'child in prepare');
    expect(status.failureKey).toBe(failures[0]!.key);

    release();
    const results = await Promise.all(
      failures.map(
        (f) =>
          p.client.workflow.getHandle(remediationWorkflowId(f.key)).result() as Promise<RemediationResult>,
      ),
    );
    expect(results.map((r) => r.outcome)).toEqual(failures.map(() => 'pr_opened'));
    expect(calls.openPullRequest).toBe(6);
    expect(calls.prepare).toBe(6);

    // Within the TTL a later poll starts nothing: the Redis records suppress them.
    const later = await poll(p);
    expect(later).toMatchObject({ found: 6, started: 0, suppressed: 6 });
  });

  it('starts each child once when two polls race on new failures', async () => {
    const fresh = Array.from({ length: 8 }, (_, i) => sampleFailure(i, `vanta:race-${Date.now()}`));
    failures.splice(0, failures.length, ...fresh);
    const [a, b] = await Promise.all([poll(p), poll(p)]);
    expect(a.started + b.started).toBe(8);
    expect(a.started + a.alreadyRunning + a.suppressed).toBe(8);
    expect(b.started + b.alreadyRunning + b.suppressed).toBe(8);
    await Promise.all(fresh.map((f) => p.client.workflow.getHandle(remediationWorkflowId(f.key)).result()));
  });
});

describe('remediateFailureWorkflow', () => {
  it('runs every stage, leaves a Redis record, and is not restarted by a poll within the TTL', async () => {
    const failure = sampleFailure(1, `vanta:full-${Date.now()}`);
    const calls: Record<string, number> = {};
    const p = await startTestPipeline(successfulStages([failure], calls));
    try {
      const result = await p.client.workflow.execute(remediateFailureWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: remediationWorkflowId(failure.key),
        args: [{ failure }],
      });
      expect(result.outcome).toBe('pr_opened');
      expect(result.stages.map((s) => s.stage)).toEqual([
        'claim',
        'prepare',
        'analyze',
        'generate',
        'validate',
        'open_pr',
        'record',
      ]);
      expect(calls).toMatchObject({ prepare: 1, analyze: 1, generate: 1, validate: 1, openPullRequest: 1 });
      const rec = await p.records.get(failure.key);
      expect(rec).toMatchObject({
        status: 'pr_open',
        prUrl: result.prUrl,
        repo: 'acme/infra',
        sha: 'a'.repeat(40),
      });
      expect(await p.records.ttl(failure.key)).toBeGreaterThan(3000);

      const again = await p.client.workflow.execute(pollFailuresWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: uniqueName('poll'),
        args: [{}],
      });
      expect(again).toMatchObject({ found: 1, started: 0, suppressed: 1 });
      expect(calls.prepare).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('ends with the reason of a non-retryable stage error, in the status query and in Redis', async () => {
    const failure = sampleFailure(2, `vanta:nonretry-${Date.now()}`);
    const calls: Record<string, number> = {};
    const stages = successfulStages([failure], calls);
    stages.analyze = async () => {
      calls.analyze = (calls.analyze ?? 0) + 1;
      throw new InvalidFailureError('resource.displayName is missing and no ARN was given');
    };
    const p = await startTestPipeline(stages);
    try {
      const handle = await p.client.workflow.start(remediateFailureWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: remediationWorkflowId(failure.key),
        args: [{ failure }],
      });
      const result = await handle.result();
      expect(result.outcome).toBe('failed');
      expect(result.reason).toContain('InvalidFailureError');
      expect(result.reason).toContain('resource.displayName is missing');
      expect(calls.analyze).toBe(1); // not retried
      const status = await handle.query(statusQuery);
      expect(status.lastError).toContain('resource.displayName is missing');
      expect(status.outcome).toBe('failed');
      const rec = await p.records.get(failure.key);
      expect(rec).toMatchObject({ status: 'failed', stage: 'analyze' });
      expect(rec?.reason).toContain('resource.displayName is missing');
    } finally {
      await p.close();
    }
  });

  it('retries a retryable stage error and then succeeds', async () => {
    const failure = sampleFailure(3, `vanta:retry-${Date.now()}`);
    const calls: Record<string, number> = {};
    const stages = successfulStages([failure], calls);
    const open = stages.openPullRequest!;
    let attempts = 0;
    stages.openPullRequest = async (input) => {
      attempts += 1;
      if (attempts < 3) throw new Error('ECONNRESET from the code host');
      return open(input);
    };
    const p = await startTestPipeline(stages);
    try {
      const result = await p.client.workflow.execute(remediateFailureWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: remediationWorkflowId(failure.key),
        args: [{ failure }],
      });
      expect(result.outcome).toBe('pr_opened');
      expect(attempts).toBe(3);
      expect(calls.prepare).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('waits on a durable timer while the PR limits refuse a new PR, then opens it', async () => {
    const failure = sampleFailure(8, `vanta:prlimit-${Date.now()}`);
    const stages = successfulStages([failure]);
    const open = stages.openPullRequest!;
    let attempts = 0;
    stages.openPullRequest = async (input) => {
      attempts += 1;
      if (attempts < 3)
        throw new PrLimitReachedError('acme/infra has 5 new TerraFix PRs this hour (limit 5)', 'hourly');
      return open(input);
    };
    const p = await startTestPipeline(stages);
    try {
      const result = await p.client.workflow.execute(remediateFailureWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: remediationWorkflowId(failure.key),
        args: [{ failure, options: { prLimitWaitMs: 300 } }],
      });
      expect(result.outcome).toBe('pr_opened');
      expect(attempts).toBe(3); // each refusal ends the attempt at once; the workflow timer does the waiting
      expect(result.stages.filter((s) => s.stage === 'open_pr')).toHaveLength(3);
    } finally {
      await p.close();
    }
  });

  it('records not_found and fix_rejected outcomes without failing the workflow', async () => {
    const nf = sampleFailure(4, `vanta:nf-${Date.now()}`);
    const rj = sampleFailure(5, `vanta:rj-${Date.now()}`);
    const stages = successfulStages([nf, rj]);
    stages.analyze = async (input) =>
      input.failure.key === nf.key
        ? { status: 'not_found', reason: 'no aws_s3_bucket named bucket-4', candidates: [] }
        : successfulStages([])['analyze']!(input);
    stages.validate = async () => {
      throw new FixRejectedError('guardrail: provisioner "local-exec" introduced');
    };
    const p = await startTestPipeline(stages);
    try {
      const [r1, r2] = await Promise.all(
        [nf, rj].map((failure) =>
          p.client.workflow.execute(remediateFailureWorkflow, {
            taskQueue: p.taskQueue,
            workflowId: remediationWorkflowId(failure.key),
            args: [{ failure }],
          }),
        ),
      );
      expect(r1).toMatchObject({ outcome: 'not_found', reason: 'no aws_s3_bucket named bucket-4' });
      expect((await p.records.get(nf.key))?.status).toBe('not_found');
      expect(r2.outcome).toBe('fix_rejected');
      expect(r2.reason).toContain('local-exec');
      expect((await p.records.get(rj.key))?.status).toBe('fix_rejected');
    } finally {
      await p.close();
    }
  });

  it('a stage without an implementation fails clearly (no fake success)', async () => {
    const failure = sampleFailure(6, `vanta:missing-${Date.now()}`);
    const stages = successfulStages([failure]);
    delete stages.generate;
    const p = await startTestPipeline(stages);
    try {
      const result = await p.client.workflow.execute(remediateFailureWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: remediationWorkflowId(failure.key),
        args: [{ failure }],
      });
      expect(result.outcome).toBe('failed');
      expect(result.reason).toContain('StageNotImplementedError');
      expect(result.reason).toContain('generate');
    } finally {
      await p.close();
    }
  });

  it('a workflow that is already running is not started twice', async () => {
    const failure = sampleFailure(7, `vanta:dup-${Date.now()}`);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stages = successfulStages([failure]);
    const prep = stages.prepare!;
    stages.prepare = async (f) => (await gate, prep(f));
    const p = await startTestPipeline(stages);
    try {
      const opts = {
        taskQueue: p.taskQueue,
        workflowId: remediationWorkflowId(failure.key),
        args: [{ failure }] as [{ failure: Failure }],
      };
      await p.client.workflow.start(remediateFailureWorkflow, opts);
      await expect(p.client.workflow.start(remediateFailureWorkflow, opts)).rejects.toThrow(
        /already started/i,
      );
      release();
      await p.client.workflow.getHandle(opts.workflowId).result();
    } finally {
      release();
      await p.close();
    }
  });
});

// Keep the import used for type narrowing in other suites.
void WorkflowFailedError;
