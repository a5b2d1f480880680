/**
 * Benchmark workers: the production worker as child processes (so CPU and RSS are the worker's own,
 * read from /proc) or in the benchmark's own process. Both expose the worker's /metrics, from which
 * the Bedrock token counters are read. By default a child runs as the image runs it: compiled
 * JavaScript (no tsx), the image's NODE_OPTIONS and allocator (src/workers/imageRuntime.ts).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { HOST_JEMALLOC_CANDIDATES, IMAGE_NODE_OPTIONS } from '../../src/workers/imageRuntime';

export interface BenchWorker {
  label: string;
  pid: number;
  healthPort: number;
  /** The worker's Prometheus text (TerraFix and SDK metrics). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** How worker processes are started: `image` (compiled, image settings) or `tsx` (TypeScript sources). */
export type WorkerRuntimeKind = 'image' | 'tsx';

export interface WorkerRuntime {
  kind: WorkerRuntimeKind;
  /** node arguments before the entry (tsx loader) and the entry file. */
  args: string[];
  /** Environment the image sets for the process (NODE_OPTIONS, LD_PRELOAD). */
  env: Record<string, string>;
  /** One line for the report. */
  description: string;
}

const ROOT = path.join(__dirname, '..', '..');
const BUILD_DIR = path.join(ROOT, 'bench', 'results', '.worker-build');
const runtimes = new Map<WorkerRuntimeKind, Promise<WorkerRuntime>>();

/**
 * The worker runtime, prepared once per benchmark process: for `image`, the worker entry compiled
 * with tsc (bench/tsconfig.worker.json, into bench/results/.worker-build) and the image's settings;
 * jemalloc when the host has Debian's libjemalloc2, else glibc malloc (said in the description).
 */
export function workerRuntime(kind: WorkerRuntimeKind): Promise<WorkerRuntime> {
  let r = runtimes.get(kind);
  if (!r) {
    r = prepareRuntime(kind);
    runtimes.set(kind, r);
  }
  return r;
}

async function prepareRuntime(kind: WorkerRuntimeKind): Promise<WorkerRuntime> {
  if (kind === 'tsx') {
    return {
      kind,
      args: ['--import', 'tsx', path.join(__dirname, 'workerMain.ts')],
      env: {},
      description: 'TypeScript sources through tsx, Node defaults, glibc malloc',
    };
  }
  const t0 = Date.now();
  await promisify(execFile)(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'bench', 'tsconfig.worker.json')],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  ).catch((err: Error & { stdout?: string }) => {
    throw new Error(`compiling the benchmark worker failed: ${err.stdout || err.message}`);
  });
  const jemalloc = HOST_JEMALLOC_CANDIDATES.find((p) => fs.existsSync(p));
  const env: Record<string, string> = { NODE_OPTIONS: IMAGE_NODE_OPTIONS };
  if (jemalloc) env.LD_PRELOAD = jemalloc;
  return {
    kind,
    args: [path.join(BUILD_DIR, 'bench', 'pipeline', 'workerMain.js')],
    env,
    description:
      `compiled as in the image (tsc ${Date.now() - t0} ms), NODE_OPTIONS=${IMAGE_NODE_OPTIONS}, ` +
      (jemalloc
        ? `jemalloc (${jemalloc})`
        : 'glibc malloc: libjemalloc2 is not installed here (apt-get install libjemalloc2), so RSS is higher than in the image'),
  };
}

/** Starts a worker process running bench/pipeline/workerMain with the given environment. */
export async function spawnWorker(opts: {
  label: string;
  env: Record<string, string>;
  logFile: string;
  verbose?: boolean;
  readyTimeoutMs?: number;
  /** Directory for a V8 CPU profile of the process (node --cpu-prof), written when it exits. */
  cpuProfileDir?: string;
  /** How the process runs (default: as in the image). */
  runtime?: WorkerRuntime;
}): Promise<BenchWorker> {
  const runtime = opts.runtime ?? (await workerRuntime('image'));
  const prof = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  if (opts.cpuProfileDir) fs.mkdirSync(opts.cpuProfileDir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [...prof, ...runtime.args], {
    env: { ...process.env, ...opts.env, ...runtime.env },
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
