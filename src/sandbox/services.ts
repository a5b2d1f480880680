/**
 * Local services for tests, the demo and benchmarks: finds the Temporal CLI, starts a Temporal dev
 * server (with TerraFix's search attributes) and a Redis instance on free ports, and stops them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../process/ports';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/definitions';

/** TerraFix's custom search attributes, all Keyword-typed (src/workflows/definitions.ts). */
export const SEARCH_ATTRIBUTES = SEARCH_ATTRIBUTE_NAMES;

export { freePort } from '../process/ports';

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The Temporal CLI: $TEMPORAL_CLI, `temporal` on PATH, or the cached build from scripts/setup.sh. */
export function findTemporalCli(): string | undefined {
  const env = process.env.TEMPORAL_CLI;
  if (env && fs.existsSync(env)) return env;
  const cached = path.join(
    process.env.TERRAFIX_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'terrafix'),
    'bin',
    'temporal',
  );
  return onPath('temporal') ?? (fs.existsSync(cached) ? cached : undefined);
}

/** redis-server on PATH (or in /usr/bin, /usr/sbin). */
export function findRedisServer(): string | undefined {
  return (
    onPath('redis-server') ??
    ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => fs.existsSync(p))
  );
}

function waitForPort(port: number, timeoutMs: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null)
        return reject(new Error(`${what} exited with code ${child.exitCode} before listening`));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline)
          reject(new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export interface RunningService {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

export interface TemporalDevServer extends RunningService {
  address: string;
  uiPort: number;
  uiUrl: string;
}

/** Starts `temporal server start-dev` with an in-memory store unless dbFile is given. */
export async function startTemporalDevServer(
  opts: {
    port?: number;
    uiPort?: number;
    headless?: boolean;
    dbFile?: string;
    logFile?: string;
    /** The Web UI decodes payloads through this codec server (`--ui-codec-endpoint`). */
    uiCodecEndpoint?: string;
  } = {},
): Promise<TemporalDevServer> {
  const cli = findTemporalCli();
  if (!cli) {
    throw new Error(
      'Temporal CLI not found. Run `./scripts/setup.sh` (builds it with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1`), put `temporal` on PATH, or set TEMPORAL_CLI.',
    );
  }
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'error',
    '--namespace',
    'default',
  ];
  if (opts.headless) args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa}=Keyword`);
  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(cli, args, { stdio: ['ignore', out, out] });
  await waitForPort(port, 60_000, child, 'Temporal dev server');
  return {
    pid: child.pid ?? 0,
    port,
    uiPort,
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    stop: stopper(child),
  };
}

export interface RedisServer extends RunningService {
  url: string;
}

/** Starts redis-server on a free port with persistence off. */
export async function startRedis(opts: { port?: number } = {}): Promise<RedisServer> {
  const bin = findRedisServer();
  if (!bin) {
    throw new Error('redis-server not found. Run `./scripts/setup.sh` or `apt-get install -y redis-server`.');
  }
  const port = opts.port ?? (await freePort());
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    {
      stdio: 'ignore',
    },
  );
  await waitForPort(port, 15_000, child, 'redis-server');
  return { pid: child.pid ?? 0, port, url: `redis://127.0.0.1:${port}`, stop: stopper(child) };
}
