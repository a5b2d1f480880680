/**
 * The benchmark scenarios: burst, throughput, scalability and concurrency. Each returns the runs it
 * measured plus notes for the report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { indexRepository } from '../../src/terraform';
import type { BenchOptions } from '../lib/args';
import type { RunResult } from '../lib/types';
import { BenchRun, type RunSpec } from './harness';

export interface ScenarioOutput {
  runs: RunResult[];
  notes: string[];
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

function params(o: BenchOptions): Record<string, unknown> {
  return {
    latency: o.latency,
    llmFraction: o.llmFraction,
    faultRate: o.faultRate,
    githubPerSecond: o.githubPerSecond,
    githubWriteSpacingMs: o.githubWriteSpacingMs ?? 'octokit default (1 s)',
    activitySlots: o.activitySlots ?? 'default',
    llmConcurrency: o.llmConcurrency ?? 'default',
    inProcess: o.inProcess,
  };
}

/** One poll with every failure new: the backlog a first deployment (or a new framework) creates. */
async function burstRun(spec: RunSpec, o: BenchOptions): Promise<RunResult> {
  log(
    `[${spec.label}] starting sandbox: ${spec.org.failures} failures in ${spec.org.repos} repo(s), ${spec.workers} worker(s)`,
  );
  const run = await BenchRun.start(spec, o);
  try {
    log(`[${spec.label}] polling`);
    const deadline = Date.now() + o.timeoutSec * 1000;
    const poll = await run.poll();
    run.extra.pollMs = Date.now() - run.pollStarts[0].at;
    log(`[${spec.label}] poll: ${JSON.stringify(poll)} in ${run.extra.pollMs} ms`);
    await run.waitForCompletion(poll.started, deadline);
    return await run.finish(params(o));
  } finally {
    await run.close();
  }
}

function burstSpec(o: BenchOptions, label: string, workers: number): RunSpec {
  return {
    label,
    org: { repos: o.repos, failures: o.failures, filesPerRepo: o.filesPerRepo, llmFraction: o.llmFraction },
    workers,
    padFilesTo: o.filesPerRepo + 1,
  };
}

/** burst: one poll finds `failures` new failures at once. */
export async function burst(o: BenchOptions): Promise<ScenarioOutput> {
  const run = await burstRun(burstSpec(o, `burst ${o.failures}`, o.workers[0]), o);
  return {
    runs: [run],
    notes: [
      'End-to-end latency is measured from the poll workflow start to the end of the open_pr stage of each remediation; with a burst it is dominated by queueing behind the other failures.',
    ],
  };
}

/** concurrency: the same burst with 1, 2, ... worker processes against one Temporal server. */
export async function concurrency(o: BenchOptions): Promise<ScenarioOutput> {
  const runs: RunResult[] = [];
  for (const n of o.workers) {
    runs.push(await burstRun(burstSpec(o, `${n} worker${n > 1 ? 's' : ''}`, n), o));
  }
  return {
    runs,
    notes: [
      `This machine has ${(await import('node:os')).cpus().length} CPUs shared by the workers, the Temporal dev server, Redis, git and the emulators: extra worker processes help only while a core is idle.`,
    ],
  };
}

/** scalability: the same number of failures against one repository of 10, 100, 1,000, 5,000 files. */
export async function scalability(o: BenchOptions): Promise<ScenarioOutput> {
  const runs: RunResult[] = [];
  for (const size of o.sizes) {
    const failures = Math.min(o.failures, Math.max(1, size - 1));
    const spec: RunSpec = {
      label: `${size} files`,
      org: {
        repos: 1,
        failures,
        filesPerRepo: Math.min(failures, Math.max(1, size - 1)),
        llmFraction: o.llmFraction,
      },
      workers: o.workers[0],
      padFilesTo: size,
      startWithNoFailures: true,
    };
    log(`[${spec.label}] starting sandbox`);
    const run = await BenchRun.start(spec, o);
    try {
      const deadline = Date.now() + o.timeoutSec * 1000;
      // The first failure alone (clone, index), then the rest on the warm checkout and index.
      const expected = run.sandbox.expected;
      const release = (upTo: number) => releaseFailures(run, expected.slice(0, upTo));
      release(1);
      const first = await run.poll();
      await run.waitForCompletion(first.started, deadline, false);
      run.markWarm(first.started);
      release(expected.length);
      const rest = await run.poll();
      await run.waitForCompletion(first.started + rest.started, deadline);
      run.extra.files = size;
      // The Terraform engine alone on the worker's checkout (this process, warm parser).
      const checkout = findCheckout(run.sandbox.env.WORKSPACE_DIR);
      if (checkout) {
        await indexRepository(checkout); // warm-up: wasm load, page cache
        const t0 = performance.now();
        const idx = await indexRepository(checkout);
        run.extra.indexMs = Math.round(performance.now() - t0);
        run.extra.indexedFiles = Object.keys(idx.files).length;
        run.extra.blocks = idx.blocks.length;
      }
      const result = await run.finish(params(o));
      const analyze = result.stages.analyze;
      if (analyze) {
        result.extra!.analyzeFirstMs = Math.round(analyze.max);
        result.extra!.analyzeP50Ms = Math.round(analyze.p50);
      }
      if (result.stages.prepare) result.extra!.prepareP50Ms = Math.round(result.stages.prepare.p50);
      if (result.stages.validate) result.extra!.validateP50Ms = Math.round(result.stages.validate.p50);
      runs.push(result);
    } finally {
      await run.close();
    }
  }
  return {
    runs,
    notes: [
      'analyzeFirstMs is the slowest analyze of the run: the first analyze of a repository at a commit clones it into the worker cache and indexes it; later ones hit the index cache (analyzeP50Ms).',
      'indexMs is indexRepository alone on the same checkout, in the benchmark process after a warm-up run.',
    ],
  };
}

function findCheckout(workspace: string | undefined): string | undefined {
  if (!workspace || !fs.existsSync(workspace)) return undefined;
  const stack = [workspace];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name === 'mirror.git' || e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (path.basename(dir) === 'sha') return p;
      stack.push(p);
    }
  }
  return undefined;
}

/**
 * Makes Vanta report exactly `failing` (the run's expected failures so far) and marks the new ones as
 * arrived now.
 */
function releaseFailures(run: BenchRun, failing: BenchRun['sandbox']['expected']): void {
  const byTest = new Map<string, string[]>();
  for (const x of failing) byTest.set(x.testId, [...(byTest.get(x.testId) ?? []), x.entityId]);
  for (const [testId, ids] of byTest) run.sandbox.vanta.setFailing(testId, ids);
  run.markArrivals(
    failing.map((x) => x.failureKey),
    Date.now(),
  );
}

/** throughput: failures appear at a steady rate; a poll every interval picks up the new ones. */
export async function throughput(o: BenchOptions): Promise<ScenarioOutput> {
  const total = Math.max(1, Math.round((o.rate * o.durationSec) / 60));
  const spec: RunSpec = {
    label: `${o.rate}/min for ${o.durationSec} s`,
    org: { repos: o.repos, failures: total, filesPerRepo: o.filesPerRepo, llmFraction: o.llmFraction },
    workers: o.workers[0],
    padFilesTo: o.filesPerRepo + 1,
    startWithNoFailures: true,
  };
  log(`[${spec.label}] starting sandbox: ${total} failures arriving over ${o.durationSec} s`);
  const run = await BenchRun.start(spec, o);
  try {
    const expected = run.sandbox.expected;
    const t0 = Date.now();
    const deadline = t0 + (o.durationSec + o.timeoutSec) * 1000;
    const ticks = Math.ceil(o.durationSec / o.pollIntervalSec);
    let released = 0;
    for (let k = 1; k <= ticks; k++) {
      const due = t0 + k * o.pollIntervalSec * 1000;
      if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
      const upTo = Math.min(
        total,
        Math.round((o.rate * Math.min(k * o.pollIntervalSec, o.durationSec)) / 60),
      );
      const fresh = expected.slice(released, upTo);
      released = upTo;
      releaseFailures(run, expected.slice(0, upTo));
      const p = await run.poll();
      log(`  t=${Math.round((Date.now() - t0) / 1000)} s: +${fresh.length} new, poll ${JSON.stringify(p)}`);
    }
    await run.waitForCompletion(total, deadline);
    const result = await run.finish({
      ...params(o),
      rate: o.rate,
      durationSec: o.durationSec,
      pollIntervalSec: o.pollIntervalSec,
    });
    result.extra = { ...result.extra, offeredPerMinute: o.rate, polls: ticks };
    return {
      runs: [result],
      notes: [
        `Failures are released in batches just before each poll (every ${o.pollIntervalSec} s), so end-to-end latency starts at the poll that first sees a failure; in production a failure waits on average half a poll interval more.`,
        'failures/min here is bounded by the offered rate; the system keeps up when end-to-end latency stays flat over time.',
      ],
    };
  } finally {
    await run.close();
  }
}
