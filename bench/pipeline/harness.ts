/**
 * One benchmark run of the real pipeline: a sandbox (Temporal dev server, Redis, Vanta/GitHub/Bedrock
 * emulators seeded with a generated organisation), production workers, polls started through the
 * Temporal client, and the measurements read back from the remediation workflows' results.
 */
import fs from 'node:fs';
import { dataConverterFor } from '../../src/temporal/codec';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createLogger } from '../../src/logger';
import { startSandbox, type GeneratedOrg, type Sandbox } from '../../src/sandbox/sandbox';
import type { PollResult, RemediationResult } from '../../src/workflows/definitions';
import { generateRepo } from '../gen-repo';
import { activityTimings, summarizeActivities, type ActivityTiming } from '../lib/activityHistory';
import type { BenchOptions } from '../lib/args';
import { findBottleneck } from '../lib/bottleneck';
import { summarizeGitHubRequests } from '../lib/githubRequests';
import { ProcSampler, readProc, type SamplerReport } from '../lib/procSampler';
import { countBy, summarize } from '../lib/stats';
import type { FailureObservation, LlmUsage, RunResult } from '../lib/types';
import { startLatencyProxy, type LatencyProxy } from './latencyProxy';
import { benchCodeHost } from './codeHost';
import { listProfiles, startInProcessProfiler, type InProcessProfiler } from './profiler';
import { fetchMetrics, metricSum, spawnWorker, workerRuntime, type BenchWorker } from './workers';

const REMEDIATION_TYPE = 'remediateFailureWorkflow';

let bundlePromise: Promise<string> | undefined;
/** Bundles the workflow code once per benchmark process (as the production image does at build time). */
export function workflowBundle(): Promise<string> {
  bundlePromise ??= (async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-bench-')), 'workflow-bundle.js');
    fs.writeFileSync(file, code);
    return file;
  })();
  return bundlePromise;
}

export interface RunSpec {
  label: string;
  org: GeneratedOrg;
  workers: number;
  /** Pads every repository with generated Terraform files up to this many files. */
  padFilesTo?: number;
  /** Make every entity pass in Vanta before the workers start (throughput feeds failures in later). */
  startWithNoFailures?: boolean;
}

/** Files currently in a generated repository (sandbox layout: versions.tf + resources-N.tf). */
function generatedFileCount(org: GeneratedOrg): number {
  return 1 + Math.min(org.failures, Math.max(1, org.filesPerRepo ?? 4));
}

function fillerFiles(n: number): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-bench-filler-'));
  try {
    generateRepo(dir, n);
    const out: Record<string, string> = {};
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(p);
        else out[p] = fs.readFileSync(path.join(dir, p), 'utf8');
      }
    };
    walk('');
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export class BenchRun {
  readonly pollStarts: { at: number; result?: PollResult }[] = [];
  /** When each failure key first became visible to a poll (ms epoch); default: the first poll. */
  readonly arrivals = new Map<string, number>();
  readonly errors: string[] = [];
  private sampler?: ProcSampler;
  /** CPU totals taken when the remediations finished (excludes result collection and extra work). */
  private usage?: SamplerReport;
  private infraPids = new Set<number>();
  private startedAt = 0;
  /** Slice of the GitHub emulator's request log that belongs to the run (after seeding). */
  private githubFrom = 0;
  private githubTo?: number;
  private profileDir?: string;
  private inProcessProfiler?: InProcessProfiler;
  private ids?: { workflowId: string; runId: string }[];
  /** When the warm phase began (markWarm) and the workers' CPU seconds then. */
  private warmFrom?: { at: number; cpu: number; done: number };
  private cpuAtComplete?: number;
  readonly extra: Record<string, number | string> = {};

  private constructor(
    readonly spec: RunSpec,
    readonly opts: BenchOptions,
    readonly sandbox: Sandbox,
    readonly client: Client,
    private readonly connection: Connection,
    readonly workers: BenchWorker[],
    private readonly proxy: LatencyProxy | undefined,
  ) {}

  /** Starts the sandbox, seeds the organisation (padding repositories if asked) and the workers. */
  static async start(spec: RunSpec, opts: BenchOptions): Promise<BenchRun> {
    const bundle = await workflowBundle();
    const env: Record<string, string> = {
      GITHUB_ACTIVITIES_PER_SECOND: String(opts.githubPerSecond),
      LOG_LEVEL: opts.verbose ? 'info' : 'warn',
      TERRAFORM_PATH: process.env.TERRAFORM_PATH ?? 'terraform',
    };
    if (opts.activitySlots) env.MAX_CONCURRENT_WORKERS = String(opts.activitySlots);
    if (opts.llmConcurrency) env.LLM_CONCURRENCY = String(opts.llmConcurrency);
    const sandbox = await startSandbox({
      org: spec.org,
      // GitHub latency is added by a proxy here (the emulator has none of its own).
      latencyMs: { vanta: opts.latency.vanta, bedrock: opts.latency.bedrock },
      faultRate: { vanta: opts.faultRate },
      taskQueue: `bench-${opts.scenario}`,
      env,
    });
    let proxy: LatencyProxy | undefined;
    const cleanup: (() => Promise<void>)[] = [() => sandbox.stop()];
    try {
      if (spec.padFilesTo) {
        const have = generatedFileCount(spec.org);
        const pad = spec.padFilesTo - have;
        if (pad > 0) {
          const t0 = Date.now();
          const files = fillerFiles(pad);
          for (let r = 0; r < spec.org.repos; r++) {
            await sandbox.github.pushCommit(sandbox.owner, `gen-infra-${r}`, files, {
              message: `bench: ${pad} filler files`,
            });
          }
          process.stderr.write(
            `  padded ${spec.org.repos} repo(s) with ${pad} files in ${Date.now() - t0} ms\n`,
          );
        }
      }
      if (spec.startWithNoFailures) {
        for (const testId of new Set(sandbox.expected.map((x) => x.testId)))
          sandbox.vanta.setFailing(testId, []);
      }
      const workerEnv: Record<string, string> = { ...sandbox.env, TERRAFIX_WORKFLOW_BUNDLE: bundle };
      if (opts.latency.github > 0) {
        proxy = await startLatencyProxy(sandbox.github.apiUrl, opts.latency.github);
        cleanup.unshift(() => proxy!.stop());
        workerEnv.GITHUB_API_URL = proxy.url;
      }
      if (opts.githubWriteSpacingMs !== undefined) {
        workerEnv.BENCH_GITHUB_WRITE_SPACING_MS = String(opts.githubWriteSpacingMs);
      }
      const profileDir = opts.profile
        ? path.resolve(
            opts.outDir,
            'profiles',
            `${opts.scenario}-${spec.label.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
          )
        : undefined;
      let inProcessProfiler: InProcessProfiler | undefined;
      const workers: BenchWorker[] = [];
      cleanup.unshift(async () => {
        await Promise.all(workers.map((w) => w.stop()));
      });
      if (opts.inProcess) {
        if (spec.workers !== 1) throw new Error('--in-process runs exactly one worker');
        const config = { ...sandbox.config, ...(proxy ? { GITHUB_API_URL: proxy.url } : {}) };
        const logger = createLogger({ level: config.LOG_LEVEL });
        const w = await sandbox.startWorker({
          config,
          logger,
          workflowBundlePath: bundle,
          overrides: { codeHost: benchCodeHost(config, logger, opts.githubWriteSpacingMs) },
        });
        if (profileDir) inProcessProfiler = await startInProcessProfiler(profileDir, 'in-process-worker');
        workers.push({
          label: 'in-process worker',
          pid: process.pid,
          healthPort: w.healthPort,
          metrics: () => fetchMetrics(w.healthPort),
          stop: () => w.shutdown(),
        });
      } else {
        const runtime = await workerRuntime(opts.workerRuntime);
        const started = await Promise.all(
          Array.from({ length: spec.workers }, (_, i) =>
            spawnWorker({
              label: `worker-${i + 1}`,
              env: workerEnv,
              logFile: path.join(sandbox.dir, `worker-${i + 1}.log`),
              verbose: opts.verbose,
              cpuProfileDir: profileDir,
              runtime,
            }),
          ),
        );
        workers.push(...started);
      }
      const connection = await Connection.connect({ address: sandbox.env.TEMPORAL_ADDRESS });
      cleanup.unshift(() => connection.close());
      const client = new Client({
        connection,
        namespace: sandbox.env.TEMPORAL_NAMESPACE,
        dataConverter: dataConverterFor(sandbox.config),
      });
      const run = new BenchRun(spec, opts, sandbox, client, connection, workers, proxy);
      run.profileDir = profileDir;
      run.inProcessProfiler = inProcessProfiler;
      run.githubFrom = sandbox.github.requests.length;
      const infra = [
        ...(sandbox.temporal ? [{ pid: sandbox.temporal.pid, label: 'temporal dev server' }] : []),
        ...(sandbox.redis ? [{ pid: sandbox.redis.pid, label: 'redis' }] : []),
        ...(opts.inProcess ? [] : [{ pid: process.pid, label: 'harness + emulators' }]),
      ];
      run.infraPids = new Set(infra.map((p) => p.pid));
      run.sampler = new ProcSampler([...workers.map((w) => ({ pid: w.pid, label: w.label })), ...infra]);
      return run;
    } catch (err) {
      for (const c of cleanup) await c().catch(() => undefined);
      throw err;
    }
  }

  /** Starts one poll (pollFailuresWorkflow) and waits until it has started every child. */
  async poll(): Promise<PollResult> {
    const at = Date.now();
    if (!this.startedAt) this.startedAt = at;
    const entry: { at: number; result?: PollResult } = { at };
    this.pollStarts.push(entry);
    const handle = await this.client.workflow.start('pollFailuresWorkflow', {
      taskQueue: this.sandbox.env.TEMPORAL_TASK_QUEUE,
      workflowId: `bench-poll-${this.pollStarts.length}-${at}`,
      args: [{ options: { followUp: false } }],
    });
    entry.result = (await handle.result()) as PollResult;
    return entry.result;
  }

  /** Marks the failure keys as having appeared at `at` (first sighting wins). */
  markArrivals(keys: string[], at: number): void {
    for (const k of keys) if (!this.arrivals.has(k)) this.arrivals.set(k, at);
  }

  private async count(status: string): Promise<number> {
    const r = await this.client.workflow.count(
      `WorkflowType = '${REMEDIATION_TYPE}' AND ExecutionStatus = '${status}'`,
    );
    return r.count;
  }

  /**
   * Waits until no remediation runs and at least `total` have closed (or the deadline passes). The
   * last wait of a run (`final`) takes the run's totals; an intermediate one (a phase) does not.
   */
  async waitForCompletion(total: number, deadline: number, final = true): Promise<void> {
    const done = (): Promise<void> => (final ? this.markComplete() : Promise.resolve());
    let last = -1;
    for (;;) {
      const running = await this.count('Running');
      const all = (await this.client.workflow.count(`WorkflowType = '${REMEDIATION_TYPE}'`)).count;
      const closed = all - running;
      if (running === 0 && closed >= total) return done();
      if (Date.now() > deadline) {
        this.errors.push(`timed out with ${running} remediations running, ${closed}/${total} closed`);
        return done();
      }
      if (closed !== last && process.stderr.isTTY)
        process.stderr.write(`\r  ${closed}/${total} done, ${running} running   `);
      last = closed;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /**
   * The remediations are done: takes the CPU totals, the end of the GitHub request log and the
   * in-process CPU profile now, so result collection (and e.g. scalability's indexRepository in the
   * harness) is not counted. Idempotent.
   */
  async markComplete(): Promise<void> {
    this.cpuAtComplete ??= this.workerCpu();
    this.usage ??= this.sampler?.stop();
    this.githubTo ??= this.sandbox.github.requests.length;
    await this.inProcessProfiler?.stop();
  }

  /** The workers' CPU seconds so far (from /proc). */
  private workerCpu(): number {
    return this.workers.reduce((a, w) => a + (readProc(w.pid)?.cpuSec ?? 0), 0);
  }

  /**
   * The warm phase begins: `done` failures have completed (the first ones of the repository at its
   * commit); what follows finds the checkout and the index cached.
   */
  markWarm(done: number): void {
    this.warmFrom = { at: Date.now(), cpu: this.workerCpu(), done };
  }

  /** Every remediation workflow of the run (listed once). */
  private async remediationIds(): Promise<{ workflowId: string; runId: string }[]> {
    if (this.ids) return this.ids;
    const ids: { workflowId: string; runId: string }[] = [];
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = '${REMEDIATION_TYPE}'` })) {
      ids.push({ workflowId: wf.workflowId, runId: wf.runId });
    }
    this.ids = ids;
    return ids;
  }

  /** Activity timings from every remediation's history (fetched `concurrency` at a time). */
  async activityTimings(concurrency = 8): Promise<ActivityTiming[]> {
    const ids = await this.remediationIds();
    const out: ActivityTiming[] = [];
    let next = 0;
    let failed = 0;
    const work = async () => {
      while (next < ids.length) {
        const { workflowId, runId } = ids[next++];
        try {
          const history = await this.client.workflow.getHandle(workflowId, runId).fetchHistory();
          out.push(...activityTimings(history.events ?? []));
        } catch {
          failed += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, work));
    if (failed) this.errors.push(`could not read the history of ${failed} remediation(s)`);
    return out;
  }

  /** Reads every remediation workflow's result and turns it into observations. */
  async observations(): Promise<FailureObservation[]> {
    const ids = await this.remediationIds();
    const out: FailureObservation[] = [];
    const firstPoll = this.pollStarts[0]?.at ?? this.startedAt;
    let next = 0;
    const work = async () => {
      while (next < ids.length) {
        const { workflowId, runId } = ids[next++];
        const key = workflowId.replace(/^remediate\//, '');
        const arrival = this.arrivals.get(key) ?? firstPoll;
        try {
          const r = (await this.client.workflow.getHandle(workflowId, runId).result()) as RemediationResult;
          const stages = r.stages
            .filter((s) => s.durationMs !== undefined)
            .map((s) => ({ stage: s.stage, durationMs: s.durationMs! }));
          const ends = r.stages.map((s) => Date.parse(s.endedAt ?? s.startedAt));
          const pr = r.stages.filter((s) => s.stage === 'open_pr' && s.endedAt).at(-1);
          out.push({
            key,
            outcome: r.outcome,
            engine: r.engine,
            ruleId: r.ruleId,
            endToEndMs: r.outcome === 'pr_opened' && pr ? Date.parse(pr.endedAt!) - arrival : undefined,
            completedAtMs: Math.max(...ends) - this.startedAt,
            stages,
            reason: r.reason,
          });
        } catch (err) {
          const desc = await this.client.workflow
            .getHandle(workflowId, runId)
            .describe()
            .catch(() => undefined);
          out.push({
            key,
            outcome: 'workflow_failed',
            completedAtMs: (desc?.closeTime?.getTime() ?? Date.now()) - this.startedAt,
            stages: [],
            reason: (err as Error).message,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, work));
    return out;
  }

  /** Collects the run's results, stops workers and the sandbox, and returns the measurements. */
  async finish(params: Record<string, unknown>): Promise<RunResult> {
    await this.markComplete();
    let obs: FailureObservation[] = [];
    let timings: ActivityTiming[] = [];
    let metricsText = '';
    try {
      obs = await this.observations();
      metricsText = (await Promise.all(this.workers.map((w) => w.metrics().catch(() => '')))).join('\n');
      const t0 = Date.now();
      timings = await this.activityTimings();
      this.extra.historyFetchMs = Date.now() - t0;
    } catch (err) {
      this.errors.push(`collecting results: ${(err as Error).message}`);
    }
    const usage = this.usage ?? this.sampler!.stop();
    const githubLog = this.sandbox.github.requests.slice(this.githubFrom, this.githubTo);
    await this.close();
    const profiles = listProfiles(this.profileDir);
    const completed = obs.filter((o) => o.outcome !== 'workflow_failed').length;
    const prs = obs.filter((o) => o.outcome === 'pr_opened');
    const durationMs = Math.max(1, ...obs.map((o) => o.completedAtMs));
    const stageValues: Record<string, number[]> = {};
    for (const o of obs) for (const s of o.stages) (stageValues[s.stage] ??= []).push(s.durationMs);
    const llmFixes = prs.filter((o) => o.engine === 'llm').length;
    const tok = (kind: string) => metricSum(metricsText, 'terrafix_llm_tokens_total', { kind });
    const llm: LlmUsage = {
      requests: this.sandbox.bedrock.requests.length,
      fixes: llmFixes,
      inputTokens: tok('input'),
      outputTokens: tok('output'),
      cacheReadTokens: tok('cache_read'),
      cacheWriteTokens: tok('cache_write'),
      tokensPerFix: 0,
    };
    llm.tokensPerFix = llmFixes
      ? (llm.inputTokens + llm.outputTokens + llm.cacheReadTokens + llm.cacheWriteTokens) / llmFixes
      : 0;
    const workerUsage = usage.processes.filter((p) => !this.infraPids.has(p.pid));
    const cpu = workerUsage.reduce((a, p) => a + p.cpuSeconds, 0);
    const own = histogramMeans(metricsText, /^terrafix_stage_duration_seconds$/, 'stage');
    const sdk = histogramMeans(
      metricsText,
      /^temporal_activity_execution_latency(_seconds|_milliseconds)?$/,
      'activity_type',
    );
    const stageExecMeanMs = Object.keys(own).length ? own : sdk;
    const hits = metricSum(metricsText, 'terrafix_index_cache_requests_total', { result: 'hit' });
    const misses = metricSum(metricsText, 'terrafix_index_cache_requests_total', { result: 'miss' });
    const reasons = countBy(
      obs.filter((o) => o.outcome !== 'pr_opened'),
      (o) => `${o.outcome}: ${(o.reason ?? '').slice(0, 200)}`,
    );
    return {
      label: this.spec.label,
      params: { ...params, workers: this.spec.workers, org: this.spec.org, padFilesTo: this.spec.padFilesTo },
      failures: this.sandbox.expected.length,
      completed,
      prsOpened: prs.length,
      outcomes: countBy(obs, (o) => o.outcome),
      durationMs,
      failuresPerMinute: (completed * 60_000) / durationMs,
      prsPerMinute: (prs.length * 60_000) / durationMs,
      endToEnd: summarize(prs.map((o) => o.endToEndMs!).filter((v) => v !== undefined)),
      stages: Object.fromEntries(Object.entries(stageValues).map(([k, v]) => [k, summarize(v)])),
      extra: this.extra,
      workers: workerUsage,
      infra: usage.processes.filter((p) => this.infraPids.has(p.pid)),
      stageExecMeanMs,
      activities: summarizeActivities(timings),
      github: summarizeGitHubRequests(githubLog, prs.length),
      indexCache: hits + misses ? { hits, misses, hitRate: hits / (hits + misses) } : undefined,
      bottleneck: findBottleneck(usage.processes, os.cpus().length),
      profiles: profiles.length ? profiles : undefined,
      cpuSecondsPerFailure: completed ? cpu / completed : 0,
      ...(this.warmFrom && completed > this.warmFrom.done
        ? {
            warm: {
              failures: completed - this.warmFrom.done,
              cpuSecondsPerFailure:
                ((this.cpuAtComplete ?? this.workerCpu()) - this.warmFrom.cpu) /
                (completed - this.warmFrom.done),
              activities: summarizeActivities(timings.filter((t) => t.scheduledMs >= this.warmFrom!.at)),
            },
          }
        : {}),
      peakRssMb: Math.max(0, ...workerUsage.map((p) => p.peakRssMb)),
      llm,
      observations: obs,
      resourceSamples: usage.samples,
      errors: [...this.errors, ...Object.entries(reasons).map(([r, n]) => `${n} × ${r}`)],
    };
  }

  /** Stops workers, the proxy, the client connection and the sandbox (idempotent). */
  async close(): Promise<void> {
    this.sampler?.stop();
    await Promise.all(this.workers.map((w) => w.stop().catch(() => undefined)));
    await this.proxy?.stop().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
    await this.sandbox.stop().catch(() => undefined);
  }
}

/** Mean (ms) per label value of a Prometheus histogram, from its _sum and _count series. */
export function histogramMeans(text: string, name: RegExp, label: string): Record<string, number> {
  const sum: Record<string, number> = {};
  const count: Record<string, number> = {};
  let seconds = true;
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)_(sum|count)\{([^}]*)\}\s+(\S+)/gm)) {
    if (!name.test(m[1])) continue;
    const v = new RegExp(`(?:^|,)${label}="([^"]+)"`).exec(m[3])?.[1];
    if (!v) continue;
    if (!m[1].endsWith('_seconds')) seconds = false;
    const into = m[2] === 'sum' ? sum : count;
    into[v] = (into[v] ?? 0) + Number(m[4]);
  }
  return Object.fromEntries(
    Object.keys(count)
      .filter((k) => count[k] > 0)
      .map((k) => [k, Math.round(((sum[k] ?? 0) * (seconds ? 1000 : 1)) / count[k])]),
  );
}
