/**
 * Benchmark workers: the production worker as child processes (so CPU and RSS are the worker's own,
 * read from /proc) or in the benchmark's own process. Both expose the worker's /metrics, from which
 * the Bedrock token counters are read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface BenchWorker {
  label: string;
  pid: number;
  healthPort: number;
  /** The worker's Prometheus text (TerraFix and SDK metrics). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a worker process running bench/pipeline/workerMain.ts with the given environment. */
export async function spawnWorker(opts: {
  label: string;
  env: Record<string, string>;
  logFile: string;
  verbose?: boolean;
  readyTimeoutMs?: number;
  /** Directory for a V8 CPU profile of the process (node --cpu-prof), written when it exits. */
  cpuProfileDir?: string;
}): Promise<BenchWorker> {
  const entry = path.join(__dirname, 'workerMain.ts');
  const prof = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  if (opts.cpuProfileDir) fs.mkdirSync(opts.cpuProfileDir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [...prof, '--import', 'tsx', entry], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = fs.createWriteStream(opts.logFile, { flags: 'a' });
  child.stderr!.pipe(log);
  if (opts.verbose) child.stderr!.pipe(process.stderr);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${opts.label} not ready within ${opts.readyTimeoutMs ?? 120_000} ms (see ${opts.logFile})`,
          ),
        ),
      opts.readyTimeoutMs ?? 120_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      log.write(d);
      if (opts.verbose) process.stderr.write(d);
      buf += d.toString();
      const m = /^READY (\d+)$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        buf = '';
        resolve(Number(m[1]));
      } else if (buf.length > 1e6) buf = buf.slice(-1000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.label} exited with code ${code} before it was ready (see ${opts.logFile})`));
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    label: opts.label,
    pid: child.pid ?? 0,
    healthPort: port,
    metrics: () => fetchMetrics(port),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 45_000);
        await exited;
        clearTimeout(t);
      }
      log.end();
    },
  };
}

/** The worker's Prometheus text from its health server ('' when unreachable). */
export async function fetchMetrics(port: number): Promise<string> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    return r.ok ? await r.text() : '';
  } catch {
    return '';
  }
}

/** Sum of a Prometheus counter's samples whose labels include all of `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      [...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[4]) || 0;
  }
  return sum;
}
