/**
 * Helpers for the fault tests: worker processes that can be SIGKILLed and restarted, Temporal
 * visibility counts, progress-based waits with a diagnosis when work stalls, and duplicate/lost
 * accounting over the GitHub emulator's pull requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { parseFailureMarker } from '../../src/pullRequests/content';
import { SA } from '../../src/workflows/definitions';

const CHAOS_WORKER = path.join(__dirname, '../harness/chaosWorker.ts');

/** Resolves after ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How long a fault test's waits tolerate no progress at all (FAULT_STALL_MS, default 2 min). */
export function faultStallMs(): number {
  const v = Number(process.env.FAULT_STALL_MS ?? 120_000);
  return Number.isFinite(v) && v > 0 ? v : 120_000;
}

export interface ProgressWait {
  /** What is awaited, for the error message ("every remediation to finish"). */
  what: string;
  /** How many items are finished so far (may throw: a failed reading counts as no progress). */
  done: () => Promise<number> | number;
  /** The wait succeeds once done() reaches this. */
  total: number;
  /** Fails when done() has not grown for this long; default faultStallMs(). */
  stallMs?: number;
  intervalMs?: number;
  /** Describes the stuck state (stages, workers, logs); appended to the error and printed. */
  diagnose?: () => Promise<string> | string;
}

/**
 * Waits until done() reaches total. There is no deadline: it fails only when done() has not
 * increased for the stall window, and then prints and throws what `diagnose` reports.
 */
export async function waitForProgress(opts: ProgressWait): Promise<number> {
  const stallMs = opts.stallMs ?? faultStallMs();
  const intervalMs = opts.intervalMs ?? 1000;
  let best = -1;
  let lastProgressAt = Date.now();
  let lastError: unknown;
  for (;;) {
    let n: number | undefined;
    try {
      n = await opts.done();
    } catch (err) {
      lastError = err;
    }
    if (n !== undefined) {
      if (n >= opts.total) return n;
      if (n > best) {
        best = n;
        lastProgressAt = Date.now();
      }
    }
    const idleMs = Date.now() - lastProgressAt;
    if (idleMs >= stallMs) {
      let diagnosis = '';
      try {
        diagnosis = opts.diagnose ? await opts.diagnose() : '';
      } catch (err) {
        diagnosis = `(diagnosis failed: ${(err as Error).message})`;
      }
      const message = [
        `stalled waiting for ${opts.what}: ${Math.max(best, 0)} of ${opts.total} done, no progress for ${idleMs} ms (stall window FAULT_STALL_MS=${stallMs})`,
        ...(lastError ? [`last reading failed: ${(lastError as Error).message}`] : []),
        diagnosis,
      ]
        .filter(Boolean)
        .join('\n');
      process.stdout.write(`\n===== FAULT TEST STALL =====\n${message}\n===== END STALL =====\n`);
      throw new Error(message);
    }
    await sleep(Math.min(intervalMs, Math.max(1, stallMs - idleMs)));
  }
}

/** Awaits every promise; fails (with the diagnosis) only when none has settled for the stall window. */
export async function awaitAllWithProgress<T>(
  promises: Promise<T>[],
  opts: Omit<ProgressWait, 'done' | 'total'>,
): Promise<T[]> {
  let settled = 0;
  const count = () => {
    settled += 1;
  };
  for (const p of promises) p.then(count, count);
  await waitForProgress({ intervalMs: 100, ...opts, done: () => settled, total: promises.length });
  return Promise.all(promises);
}

/**
 * A test's long-waiting Temporal calls (workflow results), cancellable before the connection closes:
 * after a failed wait they are still pending, and closing the connection under them would make the
 * client's retry throw "Channel has been shut down" as an uncaught exception after the report.
 */
export class PendingCalls {
  private readonly abort = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly connection: Connection) {}

  /** Runs fn with this tracker's abort signal and remembers it until it settles. */
  track<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.connection.withAbortSignal(this.abort.signal, fn);
    this.pending.add(p);
    const forget = () => void this.pending.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Cancels whatever is still pending and waits for it to settle (afterAll, before closing). */
  async cancelAll(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.pending]);
  }
}

/** Writes the worker environment to a 0600 JSON file (secrets stay out of process arguments). */
export function writeEnvFile(dir: string, name: string, env: Record<string, string | undefined>): string {
  const file = path.join(dir, `${name}.env.json`);
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  fs.writeFileSync(file, JSON.stringify(clean), { mode: 0o600 });
  return file;
}

interface WorkerRecord {
  name: string;
  pid: number | undefined;
  /** stdout: pino JSON lines (and "ready"). */
  outFile: string;
  /** stderr. */
  logFile: string;
  killedByTest: boolean;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Spawns and tracks production worker processes (test/harness/chaosWorker.ts). Always runs
 * `node --import tsx <file>` directly: a `tsx` CLI wrapper would survive the SIGKILL of its child.
 */
export class WorkerProcesses {
  private readonly live = new Set<ChildProcess>();
  private readonly records = new Map<ChildProcess, WorkerRecord>();
  started = 0;
  kills = 0;

  constructor(private readonly logDir: string) {}

  /** Starts a worker with the env file; resolves once it polls, rejects if it exits first. */
  start(envFile: string, label: string, timeoutMs = 120_000): Promise<ChildProcess> {
    this.started += 1;
    const n = this.started;
    const logFile = path.join(this.logDir, `${label}-${n}.log`);
    const outFile = path.join(this.logDir, `${label}-${n}.out`);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', CHAOS_WORKER], {
      env: { ...process.env, CHAOS_ENV_FILE: envFile },
      stdio: ['ignore', 'pipe', log],
    });
    const record: WorkerRecord = {
      name: `${label}-${n}`,
      pid: child.pid,
      outFile,
      logFile,
      killedByTest: false,
    };
    this.records.set(child, record);
    this.live.add(child);
    child.once('exit', (code, signal) => {
      record.exit = { code, signal };
      this.live.delete(child);
      fs.closeSync(log);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${label} not ready in ${timeoutMs} ms`)),
        timeoutMs,
      );
      let ready = false;
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready)
          reject(new Error(`worker ${label} exited before ready (${code ?? signal}); see ${this.logDir}`));
      });
      // Keep draining stdout so the worker never blocks on a full pipe.
      child.stdout!.on('data', (d: Buffer) => {
        fs.appendFileSync(outFile, d);
        if (!ready && d.toString().includes('ready')) {
          ready = true;
          clearTimeout(timer);
          resolve(child);
        }
      });
    });
  }

  /** SIGKILLs one worker and waits for it to be gone. */
  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    const record = this.records.get(child);
    if (record) record.killedByTest = true;
    child.kill('SIGKILL');
    this.kills += 1;
    await gone;
  }

  /** Kills every worker still running (afterAll, whatever happened). */
  async killAll(): Promise<void> {
    await Promise.all([...this.live].map((c) => this.kill(c)));
  }

  /** Worker processes alive now. */
  get running(): number {
    return this.live.size;
  }

  /** "worker-3, ALIVE" for a worker's pid (Temporal's worker identity is pid@host). */
  whoIs(pid: number): string | undefined {
    for (const r of this.records.values()) if (r.pid === pid) return `${r.name}, ${stateOf(r)}`;
    return undefined;
  }

  /**
   * Every worker started so far: alive or how it exited, and the last error lines of its logs
   * (maxLines each; a fifth of that for the workers the test killed itself).
   */
  describe(maxLines = 20): string {
    const out = [
      `worker processes (${this.live.size} alive of ${this.started} started, ${this.kills} killed):`,
    ];
    for (const r of this.records.values()) {
      out.push(`  ${r.name} pid ${r.pid ?? '?'}: ${stateOf(r)}`);
      const max = r.killedByTest ? Math.max(1, Math.ceil(maxLines / 5)) : maxLines;
      const errors = errorLogLines(r.outFile, max);
      const stderr = stderrLines(r.logFile, max);
      if (errors.length) out.push(`    last errors (${path.basename(r.outFile)}):`, ...indent(errors, 6));
      if (stderr.length) out.push(`    last stderr (${path.basename(r.logFile)}):`, ...indent(stderr, 6));
    }
    return out.join('\n');
  }
}

function stateOf(r: WorkerRecord): string {
  if (!r.exit) return 'ALIVE';
  if (r.killedByTest) return `killed by the test (signal ${r.exit.signal ?? '-'})`;
  return `EXITED on its own (code ${r.exit.code ?? '-'}, signal ${r.exit.signal ?? '-'})`;
}

const MAX_LINE = 300;
const indent = (lines: string[], n: number): string[] => lines.map((l) => ' '.repeat(n) + l);
const clip = (s: string): string => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}…` : s);

/** The lines of the last 1 MiB of a file ([] when it does not exist). */
function readTail(file: string): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 1 << 20);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (len < size) lines.shift(); // probably a partial line
    return lines.filter((l) => l.trim().length > 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** The last stderr lines, without Node's multi-line runtime warnings (the AWS SDK's Node notice). */
function stderrLines(file: string, max: number): string[] {
  const kept: string[] = [];
  let inWarning = false;
  for (const line of readTail(file)) {
    if (/^\(node:\d+\) \S*Warning/.test(line)) inWarning = true;
    if (!inWarning) kept.push(line);
    if (inWarning && line.startsWith('(Use `node --trace-warnings')) inWarning = false;
  }
  return kept.slice(-max).map(clip);
}

const PINO_LEVELS: Record<number, string> = { 50: 'ERROR', 60: 'FATAL' };

/** The last pino lines at level error or above (and any non-JSON output but "ready"), one line each. */
function errorLogLines(file: string, max: number): string[] {
  const picked: string[] = [];
  for (const line of readTail(file)) {
    let entry: Record<string, unknown> & {
      level?: number;
      time?: number;
      msg?: string;
      err?: { type?: string; message?: string };
    };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      if (line.trim() !== 'ready') picked.push(line);
      continue;
    }
    const { level, time, msg, err, ...rest } = entry;
    if (typeof level !== 'number' || level < 50) continue;
    // Keep the context that says where (activity, workflow); drop what every line repeats.
    for (const k of ['name', 'pid', 'hostname', 'failureKey']) delete rest[k];
    const where = [rest.component, rest.activity, rest.workflowId].filter(Boolean).join(' ');
    for (const k of ['component', 'activity', 'workflowId']) delete rest[k];
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '?';
    const why = err ? ` — ${err.type ?? 'Error'}: ${err.message ?? ''}` : '';
    picked.push(
      `${when} ${PINO_LEVELS[level] ?? level} ${msg ?? ''}${why}${where ? ` [${where}]` : ''}${extra}`,
    );
  }
  return picked.slice(-max).map(clip);
}

/** Number of workflows matching a visibility query. */
export async function countWorkflows(client: Client, query: string): Promise<number> {
  const r = await client.workflow.count(query);
  return r.count;
}

/** Workflow ids (and statuses) matching a visibility query. */
export async function listWorkflows(
  client: Client,
  query: string,
): Promise<{ workflowId: string; status: string }[]> {
  const out: { workflowId: string; status: string }[] = [];
  for await (const w of client.workflow.list({ query }))
    out.push({ workflowId: w.workflowId, status: w.status.name });
  return out;
}

/** The visibility query for a task queue's remediation workflows. */
export function remediationQuery(taskQueue: string): string {
  return `WorkflowType = 'remediateFailureWorkflow' AND TaskQueue = '${taskQueue}'`;
}

const tally = (m: Map<string, number>): string =>
  m.size
    ? [...m]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')
    : '(none)';
const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

const ACTIVITY_STATES: Record<number, string> = {
  1: 'scheduled',
  2: 'started',
  3: 'cancel requested',
  4: 'paused',
  5: 'pause requested',
};

/**
 * What the remediations (and polls) of a task queue are doing, from Temporal visibility: counts by
 * ExecutionStatus, running ones by TerraFixStage, closed ones by TerraFixOutcome, the pending
 * activities of the oldest running ones, then the worker processes and their last error lines.
 * Never throws: a section that cannot be read says so.
 */
export async function diagnoseRemediations(
  client: Client,
  opts: { taskQueue: string; procs?: WorkerProcesses; sample?: number },
): Promise<string> {
  const query = remediationQuery(opts.taskQueue);
  const out: string[] = [`diagnosis — ${query}`];
  const section = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      out.push(`  ${name}: could not be read (${(err as Error).message})`);
    }
  };
  await section('by ExecutionStatus', async () => {
    const r = await client.workflow.count(`${query} GROUP BY ExecutionStatus`);
    const m = new Map(r.groups.map((g) => [String(g.groupValues[0]), g.count]));
    out.push(`  remediations: ${r.count}; by ExecutionStatus: ${tally(m)}`);
  });
  await section('by stage and outcome', async () => {
    const stages = new Map<string, number>();
    const outcomes = new Map<string, number>();
    const running: { workflowId: string; startTime: Date }[] = [];
    for await (const w of client.workflow.list({ query })) {
      const stage = w.typedSearchAttributes.get(SA.stage) ?? '(no stage)';
      const outcome = w.typedSearchAttributes.get(SA.outcome) ?? '(no outcome)';
      if (w.status.name === 'RUNNING') {
        bump(stages, stage);
        running.push({ workflowId: w.workflowId, startTime: w.startTime });
      } else bump(outcomes, `${w.status.name}/${outcome}`);
    }
    out.push(`  running, by TerraFixStage: ${tally(stages)}`);
    out.push(`  closed, by ExecutionStatus/TerraFixOutcome: ${tally(outcomes)}`);
    running.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    const sample = running.slice(0, opts.sample ?? 5);
    if (sample.length) out.push(`  oldest running (${sample.length} of ${running.length}):`);
    for (const w of sample) {
      const d = await client.workflow.getHandle(w.workflowId).describe();
      const stage = d.typedSearchAttributes.get(SA.stage) ?? '?';
      const wft = d.raw.pendingWorkflowTask;
      const wftNote = wft && (wft.attempt ?? 0) > 1 ? `, workflow task attempt ${wft.attempt}` : '';
      out.push(`    ${w.workflowId} stage ${stage}, history ${d.historyLength} events${wftNote}`);
      for (const a of d.raw.pendingActivities ?? []) {
        const state = ACTIVITY_STATES[a.state ?? 0] ?? String(a.state);
        const startedMs = optionalTsToMs(a.lastStartedTime);
        const pid = Number(/^(\d+)@/.exec(a.lastWorkerIdentity ?? '')?.[1]);
        const who = pid ? opts.procs?.whoIs(pid) : undefined;
        const last =
          startedMs && a.lastWorkerIdentity
            ? `, last started ${Math.round((Date.now() - startedMs) / 1000)} s ago by ${a.lastWorkerIdentity}${who ? ` (${who})` : ''}`
            : '';
        const failure = a.lastFailure?.message ? `, last failure: ${clip(a.lastFailure.message)}` : '';
        out.push(
          `      activity ${a.activityType?.name ?? '?'}: ${state}, attempt ${a.attempt}${last}${failure}`,
        );
      }
    }
  });
  await section('polls', async () => {
    const polls = new Map<string, number>();
    for await (const w of client.workflow.list({
      query: `WorkflowType = 'pollFailuresWorkflow' AND TaskQueue = '${opts.taskQueue}'`,
    }))
      bump(polls, w.status.name);
    out.push(`  poll workflows by status: ${tally(polls)}`);
  });
  if (opts.procs) out.push(...indent(opts.procs.describe().split('\n'), 2));
  return out.join('\n');
}

export interface PullLike {
  number: number;
  state: string;
  body: string | null;
  head: { ref: string };
}

export interface PrAccounting {
  total: number;
  /** Failure keys (from the PR body marker) with more than one PR. */
  duplicateKeys: string[];
  /** Branches with more than one PR. */
  duplicateBranches: string[];
  /** Expected keys without a PR. */
  missingKeys: string[];
  /** PRs whose key was not expected. */
  unexpectedKeys: string[];
}

/** Counts PRs per failure key and per branch against the expected keys. */
export function accountPulls(pulls: PullLike[], expectedKeys: Iterable<string>): PrAccounting {
  const byKey = new Map<string, number>();
  const byBranch = new Map<string, number>();
  for (const p of pulls) {
    const key = parseFailureMarker(p.body) ?? `<no marker #${p.number}>`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
    byBranch.set(p.head.ref, (byBranch.get(p.head.ref) ?? 0) + 1);
  }
  const expected = new Set(expectedKeys);
  return {
    total: pulls.length,
    duplicateKeys: [...byKey].filter(([, n]) => n > 1).map(([k]) => k),
    duplicateBranches: [...byBranch].filter(([, n]) => n > 1).map(([b]) => b),
    missingKeys: [...expected].filter((k) => !byKey.has(k)),
    unexpectedKeys: [...byKey.keys()].filter((k) => !expected.has(k)),
  };
}
