/**
 * `make demo`: TerraFix end to end on this machine, with nothing real behind it. Starts the Temporal
 * dev server (Web UI, TerraFix search attributes), a persistent Redis, the Vanta/GitHub/Bedrock
 * emulators seeded with the demo organisation (src/sandbox/org/demo) and a worker; creates the poll
 * schedule, triggers one poll, shows the remediations' progress and a summary table with a link to
 * each PR's page (served by the GitHub emulator, no token needed), the Web UI dashboard links and the
 * environment for the CLI (also written to `<state dir>/env`).
 *
 * Output: on a terminal, one progress line rewritten in place; `--verbose` (`npx tsx
 * src/sandbox/demo.ts --verbose`, or `make demo DEMO_VERBOSE=1`) adds one line per stage change,
 * which is also what is printed when stdout is not a terminal.
 *
 * State lives in $TERRAFIX_DEMO_DIR (default ~/.cache/terrafix/demo): the Temporal database, the
 * Redis append-only file and the GitHub emulator's repositories and PRs survive, so running the demo
 * again shows the dedupe (no new PRs) and the same PR pages.
 * With DEMO_ONCE=1, or when stdin is not a terminal (unless DEMO_ONCE=0), it exits after the summary
 * (exit 0 only if every expected failure has its PR); otherwise it keeps running until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import Redis from 'ioredis';
import { dashboardLinks } from '../cli/dashboard';
import { ensureSchedule } from '../temporal/schedule';
import { runGit } from '../github/git';
import { createLogger } from '../logger';
import { RecordStore } from '../state/recordStore';
import { AesGcmPayloadCodec, dataConverterFor, parsePayloadKeys } from '../temporal/codec';
import { startCodecServer } from '../temporal/codecServer';
import {
  remediationWorkflowId,
  statusQuery,
  type PollResult,
  type RemediationResult,
} from '../workflows/definitions';
import { SANDBOX_PAYLOAD_KEY, startSandbox, type Sandbox } from './sandbox';
import {
  findRedisServer,
  freePort,
  startTemporalDevServer,
  type RedisServer,
  type TemporalDevServer,
} from './services';

export const DEMO_TASK_QUEUE = 'terrafix-demo';
export const DEMO_SCHEDULE_ID = 'terrafix-demo-poll';
/** Preferred port of the GitHub emulator: a stable port keeps the PR links of earlier runs valid. */
export const DEMO_GITHUB_PORT = 8234;
/** The summary table (and every line of it) fits this many columns. */
export const SUMMARY_WIDTH = 120;

// ---------------------------------------------------------------------------------------------
// Output helpers (pure; unit-tested in test/sandbox/demoOutput.test.ts)
// ---------------------------------------------------------------------------------------------

/**
 * Command-line flags of the demo: `--verbose` (or `-v`), or DEMO_VERBOSE=1 in the environment (what
 * `make demo DEMO_VERBOSE=1` passes: the Makefile's demo target forwards no arguments).
 */
export function parseDemoArgs(
  argv: string[],
  env: Record<string, string | undefined> = {},
): { verbose: boolean } {
  return { verbose: argv.some((a) => a === '--verbose' || a === '-v') || env.DEMO_VERBOSE === '1' };
}

/** Display length of a string (code points: the table only holds single-width characters). */
export function textWidth(s: string): number {
  return [...s].length;
}

/** `s` cut to `width` characters, with an ellipsis when it was longer. */
export function ellipsize(s: string, width: number): string {
  const cps = [...s];
  if (cps.length <= width) return s;
  if (width <= 0) return '';
  return `${cps.slice(0, width - 1).join('')}…`;
}

/** `12.3s` under a minute, `4m05s` after. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s - m * 60)).padStart(2, '0')}s`;
}

/** Where each expected failure stands, for the progress line. */
export interface ProgressCounts {
  total: number;
  /** Remediations done with a PR (opened now or by an earlier run). */
  prs: number;
  running: number;
  failed: number;
  /** Done without a PR (not found, no fix, already compliant…). */
  other: number;
  /** Not started yet (no workflow). */
  waiting: number;
  elapsedMs: number;
}

/** `12/18 PRs · 2 running · 0 failed · 23.4s` (plus `· N without PR` / `· N waiting` when not 0). */
export function progressLine(c: ProgressCounts): string {
  const parts = [`${c.prs}/${c.total} PRs`, `${c.running} running`, `${c.failed} failed`];
  if (c.other) parts.push(`${c.other} without PR`);
  if (c.waiting) parts.push(`${c.waiting} waiting`);
  parts.push(formatElapsed(c.elapsedMs));
  return parts.join(' · ');
}

/** One stage change: `  12.3s  acme-bastion (infra-ec2instances-imdsv1-disabled) → open_pr`, ≤ width. */
export function stageLine(
  elapsedMs: number,
  resource: string,
  testId: string,
  stage: string,
  width = SUMMARY_WIDTH,
): string {
  const head = `${formatElapsed(elapsedMs).padStart(7)}  `;
  const tail = ` → ${stage}`;
  const room = Math.max(10, width - textWidth(head) - textWidth(tail));
  return `${head}${ellipsize(`${resource} (${testId})`, room)}${tail}`;
}

/** A table column: `shrink` (lower first) lets the column be ellipsised down to `min` characters. */
export interface TableColumn {
  head: string;
  shrink?: number;
  min?: number;
}

/**
 * Lays out a table in at most `maxWidth` columns: natural widths, then the shrinkable columns are
 * narrowed in `shrink` order (cells ellipsised), then, if still too wide, every column down to 1, so
 * no line is ever longer than `maxWidth`. Columns are separated by two spaces; lines carry no
 * trailing spaces (the last column is not padded).
 */
export function fitTable(columns: TableColumn[], rows: string[][], maxWidth = SUMMARY_WIDTH): string[] {
  const gap = 2;
  const widths = columns.map((c, i) =>
    Math.max(textWidth(c.head), ...rows.map((r) => textWidth(r[i] ?? ''))),
  );
  let excess = widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1) - maxWidth;
  const order = columns
    .map((c, i) => ({ i, p: c.shrink ?? Number.POSITIVE_INFINITY, min: c.min ?? 1 }))
    .sort((a, b) => a.p - b.p);
  // First the shrinkable columns down to their minimum, in order; then any column down to 1.
  const passes = [
    order.filter((o) => Number.isFinite(o.p)).map((o) => ({ i: o.i, floor: o.min })),
    order.map((o) => ({ i: o.i, floor: 1 })),
  ];
  for (const pass of passes) {
    for (const { i, floor } of pass) {
      if (excess <= 0) break;
      const cut = Math.min(excess, Math.max(0, widths[i]! - floor));
      widths[i]! -= cut;
      excess -= cut;
    }
  }
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const cell = ellipsize(c, widths[i]!);
        return i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - textWidth(cell));
      })
      .join(' '.repeat(gap))
      .trimEnd();
  const out = [
    line(columns.map((c) => c.head)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((_, i) => r[i] ?? ''))),
  ];
  // Only when even 1-character columns do not fit (more columns than maxWidth allows).
  return out.map((l) => ellipsize(l, maxWidth));
}

/** One row of the demo summary. */
export interface SummaryRow {
  resource: string;
  testId: string;
  /** Rule id, or `LLM (recorded)`. */
  fix: string;
  /** `PR opened`, `PR exists`, `PR recorded`, or the outcome. */
  result: string;
  /** `+added/-removed`, or `—`. */
  diff: string;
  /** The PR page URL, or `—`. */
  pr: string;
}

/** The summary table: the PR link, result and diff are kept whole; the failure and fix are ellipsised. */
export function summaryTable(rows: SummaryRow[], maxWidth = SUMMARY_WIDTH): string[] {
  return fitTable(
    [
      { head: 'failure (resource · test)', shrink: 2, min: 24 },
      { head: 'fix', shrink: 1, min: 14 },
      { head: 'result' },
      { head: 'diff' },
      { head: 'pull request (browsable, no token)' },
    ],
    rows.map((r) => [`${r.resource} · ${r.testId}`, r.fix, r.result, r.diff, r.pr]),
    maxWidth,
  );
}

/** The variables the CLI (`terrafix list`, `status`, `schedule describe`…) needs to reach the demo. */
export const CLI_ENV_VARS = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'TEMPORAL_SCHEDULE_ID',
  'TEMPORAL_PAYLOAD_KEYS',
  'TEMPORAL_UI_URL',
  'REDIS_URL',
] as const;

/** A value as a POSIX shell word (single-quoted unless it is plainly safe). */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME=value` lines for the CLI variables set in `env` (in CLI_ENV_VARS order). */
export function envLines(env: Record<string, string | undefined>): string[] {
  return CLI_ENV_VARS.filter((k) => env[k] !== undefined && env[k] !== '').map(
    (k) => `export ${k}=${shellQuote(env[k]!)}`,
  );
}

/** The contents of `<state dir>/env`: a comment, the export lines, a newline at the end. */
export function envFile(env: Record<string, string | undefined>, when = new Date()): string {
  return [
    `# TerraFix demo, ${when.toISOString()}: \`source\` this file to point the CLI at the running demo.`,
    '# Ports change between runs: this file is rewritten by every run.',
    ...envLines(env),
    '',
  ].join('\n');
}

/**
 * The PR page for a recorded PR URL on the emulator now running (the port may have changed since the
 * URL was recorded): `<apiUrl>/<owner>/<repo>/pull/<n>`; undefined when the URL is not a PR URL.
 */
export function prPageUrl(apiUrl: string, recorded: string): string | undefined {
  let u: URL;
  try {
    u = new URL(recorded);
  } catch {
    return undefined;
  }
  const m = /^\/([^/]+)\/([^/]+)\/pull\/(\d+)\/?$/.exec(u.pathname);
  return m ? `${apiUrl}/${m[1]}/${m[2]}/pull/${m[3]}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------------

const stops: (() => Promise<unknown>)[] = [];
let stopping: Promise<void> | undefined;
/** Stops everything the demo started, in reverse order (once). */
const stopAll = () =>
  (stopping ??= (async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  })());

const t0 = Date.now();
const elapsed = () => `${formatElapsed(Date.now() - t0).padStart(7)} `;

/**
 * Terminal output: on a TTY, a status line at the bottom rewritten in place (`\r` + clear line);
 * other lines are printed above it. Elsewhere, plain lines.
 */
class Screen {
  private status = '';
  constructor(
    private readonly tty: boolean,
    private readonly write: (s: string) => void = (s) => process.stdout.write(s),
  ) {}

  /** A permanent line. */
  line(text: string): void {
    if (this.tty && this.status) this.write(`\r\x1b[2K${text}\n${this.status}`);
    else this.write(`${text}\n`);
  }

  /** Replaces the status line (TTY only). */
  setStatus(text: string): void {
    if (!this.tty || text === this.status) return;
    this.status = text;
    this.write(`\r\x1b[2K${text}`);
  }

  /** Leaves the status line as it is and moves below it. */
  endStatus(): void {
    if (this.tty && this.status) this.write('\n');
    this.status = '';
  }
}

/** Returns `preferred` when it is free, else any free port. */
async function portOr(preferred: number): Promise<number> {
  const net = await import('node:net');
  const free = await new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

/** redis-server with an append-only file in `dir`, so the remediation records survive a restart. */
async function startPersistentRedis(dir: string): Promise<RedisServer> {
  const bin = findRedisServer();
  if (!bin)
    throw new Error('redis-server not found. Run `./scripts/setup.sh` or `apt-get install -y redis-server`.');
  const port = await freePort();
  const child = spawn(
    bin,
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--loglevel', 'warning'],
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const ok = await probe
      .connect()
      .then(() => probe.ping())
      .then(() => true)
      .catch(() => false);
    probe.disconnect();
    if (ok) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid ?? 0,
    port,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Lines added/removed by a PR, from the emulator's bare repository. */
async function diffSize(sb: Sandbox, repo: string, base: string, head: string) {
  const r = await runGit([
    '--git-dir',
    path.join(sb.github.dir, `${repo}.git`),
    'diff',
    '--numstat',
    base,
    head,
  ]);
  let added = 0;
  let removed = 0;
  for (const line of r.stdout.split('\n')) {
    const [a, d] = line.split('\t');
    added += Number(a) || 0;
    removed += Number(d) || 0;
  }
  return { added, removed };
}

type Standing = 'waiting' | 'running' | 'pr' | 'failed' | 'other';

interface Tracked {
  standing: Standing;
  stage?: string;
  result?: RemediationResult;
  /** Closed before this run started. */
  earlier?: boolean;
}

async function main(): Promise<number> {
  const { verbose } = parseDemoArgs(process.argv.slice(2), process.env);
  const tty = Boolean(process.stdout.isTTY);
  const screen = new Screen(tty);
  const out = (line: string) => screen.line(line);
  const stageLines = verbose || !tty;
  const dir = process.env.TERRAFIX_DEMO_DIR ?? path.join(os.homedir(), '.cache', 'terrafix', 'demo');
  fs.mkdirSync(dir, { recursive: true });
  const once = process.env.DEMO_ONCE === '1' || (process.env.DEMO_ONCE !== '0' && !process.stdin.isTTY);
  const timeoutMs = Number(process.env.DEMO_TIMEOUT_SECONDS ?? 300) * 1000;
  const logFile = path.join(dir, 'worker.log');
  const logger = createLogger({ level: 'info', destination: fs.createWriteStream(logFile, { flags: 'a' }) });

  process.on('SIGINT', () => {
    screen.endStatus();
    out('Stopping everything the demo started…');
    void stopAll().then(() => process.exit(130));
  });
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));
  // While stopping, in-flight client calls fail on the closed connection: that is expected.
  process.on('uncaughtException', (err) => {
    if (stopping) return;
    screen.endStatus();
    process.stderr.write(`demo failed: ${err.stack ?? err.message}\n`);
    void stopAll().then(() => process.exit(1));
  });

  out(`TerraFix sandbox demo — state in ${dir}${verbose ? ' (verbose)' : ''}`);
  // The sandbox encrypts payloads like production; a codec server with its (public) key lets the Web
  // UI show summaries, details and inputs. Loopback only, no token: the dev server's UI cannot send one.
  const uiPort = await portOr(8233);
  const codec = await startCodecServer({
    codec: new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ sandbox: SANDBOX_PAYLOAD_KEY }))),
    insecureLoopbackWithoutToken: true,
    allowedOrigin: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
  });
  stops.push(() => codec.stop());
  const [temporal, redis]: [TemporalDevServer, RedisServer] = await Promise.all([
    (async () =>
      startTemporalDevServer({
        port: await portOr(7233),
        uiPort,
        dbFile: path.join(dir, 'temporal.db'),
        logFile: path.join(dir, 'temporal.log'),
        uiCodecEndpoint: codec.url,
      }))(),
    startPersistentRedis(dir),
  ]);
  stops.push(
    () => temporal.stop(),
    () => redis.stop(),
  );
  out(
    `${elapsed()} Temporal dev server ${temporal.address}, Web UI ${temporal.uiUrl} (decodes through ${codec.url})`,
  );
  out(`${elapsed()} Redis ${redis.url} (append-only file in ${dir})`);

  const sb = await startSandbox({
    dir: path.join(dir, 'sandbox'),
    persistDir: dir,
    githubPort: await portOr(DEMO_GITHUB_PORT),
    org: 'demo',
    temporalAddress: temporal.address,
    redisUrl: redis.url,
    taskQueue: DEMO_TASK_QUEUE,
    logger,
    env: { TEMPORAL_SCHEDULE_ID: DEMO_SCHEDULE_ID, TEMPORAL_UI_URL: temporal.uiUrl },
  });
  stops.push(() => sb.stop());
  const repos = [...new Set(sb.expected.map((x) => x.repo))];
  const keptPrs = repos.reduce(
    (n, r) => n + sb.github.listPulls(...(r.split('/') as [string, string])).length,
    0,
  );
  out(`${elapsed()} Emulators: Vanta ${sb.vanta.url}, GitHub ${sb.github.apiUrl}, Bedrock ${sb.bedrock.url}`);
  out(
    `${elapsed()} GitHub emulator: ${repos.length} repositories in ${sb.github.dir}` +
      (keptPrs ? `, ${keptPrs} PRs kept from earlier runs` : ''),
  );
  out(
    `${elapsed()} Demo organisation: ${sb.expected.length} failing resources, ${repos.length} repositories, ` +
      `${new Set(sb.expected.map((x) => x.testId)).size} controls, ` +
      `${sb.expected.filter((x) => x.engine === 'llm').length} via the LLM path (recorded answers)`,
  );
  await sb.startWorker();
  out(`${elapsed()} Worker running (log: ${logFile})`);

  const connection = await Connection.connect({ address: temporal.address });
  stops.push(() => connection.close());
  const client = new Client({
    connection,
    namespace: 'default',
    dataConverter: dataConverterFor(sb.config),
  });
  const sched = await ensureSchedule(client, {
    scheduleId: DEMO_SCHEDULE_ID,
    taskQueue: DEMO_TASK_QUEUE,
    intervalSeconds: sb.config.POLL_INTERVAL_SECONDS,
    options: { followUp: false },
  });
  out(
    `${elapsed()} Schedule ${DEMO_SCHEDULE_ID}: ${sched} (every ${sb.config.POLL_INTERVAL_SECONDS}s); triggering a poll now`,
  );

  const handle = client.schedule.getHandle(DEMO_SCHEDULE_ID);
  const before = new Set(
    (await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId),
  );
  await handle.trigger();
  let pollWorkflowId: string | undefined;
  while (!pollWorkflowId) {
    await new Promise((r) => setTimeout(r, 250));
    const d = await handle.describe();
    pollWorkflowId = d.info.recentActions
      .map((a) => a.action.workflow.workflowId)
      .find((id) => !before.has(id));
    if (Date.now() - t0 > timeoutMs) throw new Error('the schedule did not start a poll in time');
  }
  const poll = (await client.workflow.getHandle(pollWorkflowId).result()) as PollResult;
  out(
    `${elapsed()} Poll: found ${poll.found}, started ${poll.started}, already running/done ${poll.alreadyRunning}, ` +
      `suppressed (PR already open) ${poll.suppressed}`,
  );

  // Progress: each remediation's stage, from its status query while running, its result when done.
  const tracked = new Map<string, Tracked>();
  const counts = (): ProgressCounts => {
    const c = { total: sb.expected.length, prs: 0, running: 0, failed: 0, other: 0, waiting: 0 };
    for (const x of sb.expected) {
      const s = tracked.get(x.failureKey)?.standing ?? 'waiting';
      if (s === 'pr') c.prs += 1;
      else c[s] += 1;
    }
    return { ...c, elapsedMs: Date.now() - t0 };
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(
      sb.expected.map(async (x) => {
        const cur = tracked.get(x.failureKey);
        if (cur && cur.standing !== 'running' && cur.standing !== 'waiting') return;
        const h = client.workflow.getHandle(remediationWorkflowId(x.failureKey));
        const show = (what: string) => {
          if (stageLines) out(stageLine(Date.now() - t0, x.displayName, x.testId, what));
        };
        try {
          const d = await h.describe();
          if (d.status.name === 'RUNNING') {
            const s = await h.query(statusQuery).catch(() => undefined);
            const stage = s?.stage ?? 'starting';
            if (cur?.stage !== stage) show(stage);
            tracked.set(x.failureKey, { standing: 'running', stage });
            return;
          }
          const completed = d.status.name === 'COMPLETED';
          const r = completed
            ? ((await h.result().catch(() => undefined)) as RemediationResult | undefined)
            : undefined;
          const earlier = Boolean(d.closeTime && d.closeTime.getTime() < t0);
          const standing: Standing =
            r?.outcome === 'pr_opened' && r.prUrl
              ? 'pr'
              : !completed || r?.outcome === 'failed'
                ? 'failed'
                : 'other';
          tracked.set(x.failureKey, { standing, result: r, earlier });
          show(`${r?.outcome ?? d.status.name.toLowerCase()}${earlier ? ' (earlier run)' : ''}`);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          tracked.set(x.failureKey, { standing: 'waiting' });
        }
      }),
    );
    const c = counts();
    screen.setStatus(progressLine(c));
    if (c.running + c.waiting === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  screen.endStatus();
  if (!tty) out(progressLine(counts()));

  // Summary.
  const recordRedis = new Redis(redis.url);
  stops.push(async () => recordRedis.disconnect());
  const records = new RecordStore(recordRedis, { ttlSeconds: sb.config.STATE_RETENTION_DAYS * 86400 });
  const rows: SummaryRow[] = [];
  let ok = 0;
  let earlierPrs = 0;
  let missingPrs = 0;
  for (const x of sb.expected) {
    const t = tracked.get(x.failureKey);
    const r = t?.result;
    const [owner, name] = x.repo.split('/') as [string, string];
    const rec = await records.get(x.failureKey).catch(() => null);
    const recorded = r?.outcome === 'pr_opened' && r.prUrl ? r.prUrl : rec?.prUrl;
    let result: string =
      r?.outcome ?? (t?.standing === 'running' || t?.standing === 'waiting' ? 'unfinished' : 'failed');
    let pr = '—';
    let diff = '—';
    if (recorded) {
      ok += 1;
      const n = Number(/\/pull\/(\d+)\/?$/.exec(recorded)?.[1]);
      const emulated = sb.github.listPulls(owner, name).find((p) => p.number === n);
      const thisRun = r?.outcome === 'pr_opened' && !t?.earlier;
      if (!thisRun) earlierPrs += 1;
      if (emulated) {
        pr = prPageUrl(sb.github.apiUrl, recorded) ?? recorded;
        const head = (await sb.github.branchSha(owner, name, emulated.head.ref)) ?? emulated.head.sha;
        const d = await diffSize(sb, x.repo, emulated.base.sha, head).catch(() => undefined);
        if (d) diff = `+${d.added}/-${d.removed}`;
        result = thisRun
          ? 'PR opened'
          : emulated.mergedAt
            ? 'PR merged'
            : emulated.state === 'closed'
              ? 'PR closed'
              : 'PR exists';
      } else {
        pr = recorded;
        result = 'PR recorded';
        missingPrs += 1;
      }
    }
    rows.push({
      resource: x.displayName,
      testId: x.testId,
      fix:
        r?.engine === 'llm' || (!r?.engine && x.engine === 'llm')
          ? 'LLM (recorded)'
          : (r?.ruleId ?? x.ruleId ?? 'rule'),
      result,
      diff,
      pr,
    });
  }
  out('');
  for (const line of summaryTable(rows)) out(line);
  out('');
  out(`${ok}/${sb.expected.length} expected failures have a PR.`);
  out(
    `This poll started ${poll.started}, skipped ${poll.alreadyRunning} already handled and ` +
      `${poll.suppressed} suppressed by their Redis record.`,
  );
  if (earlierPrs > missingPrs)
    out(`PR exists: opened by an earlier run, kept by the GitHub emulator (delete ${dir} to start afresh).`);
  if (missingPrs)
    out(
      `PR recorded: in the Redis record only (opened before the emulator kept PRs); delete ${dir} to start afresh.`,
    );
  out(`PR pages (no token): ${sb.github.apiUrl}/ lists the repositories and their pull requests.`);

  const uiUrl = temporal.uiUrl;
  out('');
  out(`Temporal Web UI dashboard (${uiUrl}):`);
  // The questions a demo viewer asks first; `terrafix dashboard` prints all of them.
  const links = dashboardLinks(uiUrl, sb.config.TEMPORAL_NAMESPACE);
  for (const l of links.filter((x) =>
    /^(All remediations|Pull requests open|Failed|Resource not found)/.test(x.title),
  )) {
    out(`  ${l.title}`);
    out(`    ${l.url}`);
  }
  out(`  … ${links.length} links in all: \`bin/terrafix dashboard\` (with the environment below)`);

  const cliEnv = { ...sb.env, TEMPORAL_UI_URL: uiUrl };
  const envPath = path.join(dir, 'env');
  fs.writeFileSync(`${envPath}.tmp`, envFile(cliEnv));
  fs.renameSync(`${envPath}.tmp`, envPath);
  out('');
  out(`CLI against this demo${once ? ' (while it runs: this run stops now; DEMO_ONCE=0 keeps it up)' : ''}:`);
  for (const l of envLines(cliEnv)) out(`  ${l}`);
  out(`  bin/terrafix list          # after \`make build\`; or: npx tsx src/cli/main.ts list`);
  out(`  bin/terrafix status ${shellQuote(sb.expected[0]!.failureKey)}`);
  out(`or: source ${envPath}`);

  const success = ok === sb.expected.length;
  if (once) {
    await stopAll();
    return success ? 0 : 1;
  }
  out('');
  out('The worker keeps running (schedule every 5 minutes). Press Ctrl-C to stop everything.');
  await new Promise(() => undefined);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    async (err: Error) => {
      process.stderr.write(`demo failed: ${err.stack ?? err.message}\n`);
      await stopAll();
      process.exit(1);
    },
  );
}
