/**
 * Helpers for the fault tests: worker processes that can be SIGKILLed and restarted, Temporal
 * visibility counts, and duplicate/lost accounting over the GitHub emulator's pull requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parseFailureMarker } from '../../src/github/prContent';

const CHAOS_WORKER = path.join(__dirname, '../harness/chaosWorker.ts');

/** Polls `fn` until it returns a value other than undefined; throws after timeoutMs. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes the worker environment to a 0600 JSON file (secrets stay out of process arguments). */
export function writeEnvFile(dir: string, name: string, env: Record<string, string | undefined>): string {
  const file = path.join(dir, `${name}.env.json`);
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  fs.writeFileSync(file, JSON.stringify(clean), { mode: 0o600 });
  return file;
}

/**
 * Spawns and tracks production worker processes (test/harness/chaosWorker.ts). Always runs
 * `node --import tsx <file>` directly: a `tsx` CLI wrapper would survive the SIGKILL of its child.
 */
export class WorkerProcesses {
  private readonly live = new Set<ChildProcess>();
  started = 0;
  kills = 0;

  constructor(private readonly logDir: string) {}

  /** Starts a worker with the env file; resolves once it polls, rejects if it exits first. */
  start(envFile: string, label: string, timeoutMs = 120_000): Promise<ChildProcess> {
    this.started += 1;
    const n = this.started;
    const log = fs.openSync(path.join(this.logDir, `${label}-${n}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', CHAOS_WORKER], {
      env: { ...process.env, CHAOS_ENV_FILE: envFile },
      stdio: ['ignore', 'pipe', log],
    });
    this.live.add(child);
    child.once('exit', () => {
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
        fs.appendFileSync(path.join(this.logDir, `${label}-${n}.out`), d);
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
    child.kill('SIGKILL');
    this.kills += 1;
    await gone;
  }

  /** Kills every worker still running (afterAll, whatever happened). */
  async killAll(): Promise<void> {
    await Promise.all([...this.live].map((c) => this.kill(c)));
  }

  get running(): number {
    return this.live.size;
  }
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
