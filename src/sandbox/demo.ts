/**
 * `make demo`: TerraFix end to end on this machine, with nothing real behind it. Starts the Temporal
 * dev server (Web UI, TerraFix search attributes), a persistent Redis, the Vanta/GitHub/Bedrock
 * emulators seeded with the demo organisation (src/sandbox/org/demo) and a worker; creates the poll
 * schedule, triggers one poll, prints each failure's progress through the stages and a summary table.
 *
 * State lives in $TERRAFIX_DEMO_DIR (default ~/.cache/terrafix/demo): the Temporal database and the
 * Redis append-only file survive, so running the demo again shows the dedupe (no new PRs).
 * With DEMO_ONCE=1, or when stdin is not a terminal, it exits after the summary (exit 0 only if every
 * expected failure has its PR); otherwise it keeps running until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { dataConverterFor } from '../temporal/codec';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import Redis from 'ioredis';
import { ensureSchedule } from '../client/schedule';
import { runGit } from '../github/git';
import { createLogger } from '../logger';
import { RecordStore } from '../state/recordStore';
import {
  remediationWorkflowId,
  statusQuery,
  type PollResult,
  type RemediationResult,
} from '../workflows/definitions';
import { startSandbox, type ExpectedFix, type Sandbox } from './sandbox';
import {
  findRedisServer,
  freePort,
  startTemporalDevServer,
  type RedisServer,
  type TemporalDevServer,
} from './services';

const TASK_QUEUE = 'terrafix-demo';
const SCHEDULE_ID = 'terrafix-demo-poll';

interface PrSummary {
  prUrl: string;
  apiUrl?: string;
  added?: number;
  removed?: number;
  run: string;
}

const stops: (() => Promise<unknown>)[] = [];
let stopping: Promise<void> | undefined;
/** Stops everything the demo started, in reverse order (once). */
const stopAll = () =>
  (stopping ??= (async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  })());

const out = (line: string) => process.stdout.write(`${line}\n`);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;

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

function short(x: ExpectedFix): string {
  return `${x.testId} / ${x.displayName}`;
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

async function main(): Promise<number> {
  const dir = process.env.TERRAFIX_DEMO_DIR ?? path.join(os.homedir(), '.cache', 'terrafix', 'demo');
  fs.mkdirSync(dir, { recursive: true });
  const once = process.env.DEMO_ONCE === '1' || !process.stdin.isTTY;
  const timeoutMs = Number(process.env.DEMO_TIMEOUT_SECONDS ?? 300) * 1000;
  const logFile = path.join(dir, 'worker.log');
  const logger = createLogger({ level: 'info', destination: fs.createWriteStream(logFile, { flags: 'a' }) });
  const stateFile = path.join(dir, 'prs.json');
  const previous: Record<string, PrSummary> = fs.existsSync(stateFile)
    ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, PrSummary>)
    : {};

  process.on('SIGINT', () => {
    out('\nStopping everything the demo started…');
    void stopAll().then(() => process.exit(130));
  });
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));
  // While stopping, in-flight client calls fail on the closed connection: that is expected.
  process.on('uncaughtException', (err) => {
    if (stopping) return;
    process.stderr.write(`demo failed: ${err.stack ?? err.message}\n`);
    void stopAll().then(() => process.exit(1));
  });

  out(`TerraFix sandbox demo — state in ${dir}`);
  const [temporal, redis]: [TemporalDevServer, RedisServer] = await Promise.all([
    (async () =>
      startTemporalDevServer({
        port: await portOr(7233),
        uiPort: await portOr(8233),
        dbFile: path.join(dir, 'temporal.db'),
        logFile: path.join(dir, 'temporal.log'),
      }))(),
    startPersistentRedis(dir),
  ]);
  stops.push(
    () => temporal.stop(),
    () => redis.stop(),
  );
  out(`${elapsed()}  Temporal dev server ${temporal.address}, Web UI ${temporal.uiUrl}`);
  out(`${elapsed()}  Redis ${redis.url} (append-only file in ${dir})`);

  const sb = await startSandbox({
    dir: path.join(dir, 'sandbox'),
    org: 'demo',
    temporalAddress: temporal.address,
    redisUrl: redis.url,
    taskQueue: TASK_QUEUE,
    logger,
    env: { TEMPORAL_SCHEDULE_ID: SCHEDULE_ID },
  });
  stops.push(() => sb.stop());
  out(
    `${elapsed()}  Emulators: Vanta ${sb.vanta.url}, GitHub ${sb.github.apiUrl}, Bedrock ${sb.bedrock.url}`,
  );
  out(
    `${elapsed()}  Demo organisation: ${sb.expected.length} failing resources in ${new Set(sb.expected.map((x) => x.repo)).size} repositories, ` +
      `${new Set(sb.expected.map((x) => x.testId)).size} controls, ${sb.expected.filter((x) => x.engine === 'llm').length} via the LLM path (recorded Bedrock answers)`,
  );
  await sb.startWorker();
  out(`${elapsed()}  Worker running (log: ${logFile})`);

  const connection = await Connection.connect({ address: temporal.address });
  stops.push(() => connection.close());
  const client = new Client({
    connection,
    namespace: 'default',
    dataConverter: dataConverterFor(sb.config),
  });
  const sched = await ensureSchedule(client, {
    scheduleId: SCHEDULE_ID,
    taskQueue: TASK_QUEUE,
    intervalSeconds: sb.config.POLL_INTERVAL_SECONDS,
    options: { followUp: false },
  });
  out(
    `${elapsed()}  Schedule ${SCHEDULE_ID}: ${sched} (every ${sb.config.POLL_INTERVAL_SECONDS}s); triggering a poll now`,
  );

  const handle = client.schedule.getHandle(SCHEDULE_ID);
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
    `${elapsed()}  Poll ${pollWorkflowId}: found ${poll.found}, started ${poll.started}, ` +
      `already running/done ${poll.alreadyRunning}, suppressed (PR already open) ${poll.suppressed}`,
  );

  // Progress: each remediation's stage, from its status query while running, its result when done.
  const recordRedis = new Redis(redis.url);
  stops.push(async () => recordRedis.disconnect());
  const records = new RecordStore(recordRedis, { ttlSeconds: sb.config.STATE_RETENTION_DAYS * 86400 });
  const results = new Map<string, RemediationResult | undefined>();
  const lastStage = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let open = 0;
    await Promise.all(
      sb.expected.map(async (x) => {
        if (results.has(x.failureKey)) return;
        const h = client.workflow.getHandle(remediationWorkflowId(x.failureKey));
        try {
          const d = await h.describe();
          if (d.status.name === 'RUNNING') {
            open += 1;
            const s = await h.query(statusQuery).catch(() => undefined);
            const stage = s?.stage ?? 'starting';
            if (lastStage.get(x.failureKey) !== stage) {
              lastStage.set(x.failureKey, stage);
              out(`${elapsed()}  ${short(x).padEnd(70)} ${stage}`);
            }
            return;
          }
          const r = (await h.result().catch(() => undefined)) as RemediationResult | undefined;
          results.set(x.failureKey, r);
          const earlier = d.closeTime && d.closeTime.getTime() < t0 ? ' (earlier run)' : '';
          out(`${elapsed()}  ${short(x).padEnd(70)} ${r?.outcome ?? d.status.name.toLowerCase()}${earlier}`);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          open += 1;
        }
      }),
    );
    if (open === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  // Summary.
  const now: Record<string, PrSummary> = { ...previous };
  const rows: string[][] = [];
  let ok = 0;
  for (const x of sb.expected) {
    const r = results.get(x.failureKey);
    const [owner, name] = x.repo.split('/') as [string, string];
    let pr: PrSummary | undefined;
    let state = r?.outcome ?? 'unfinished';
    const fresh = r?.outcome === 'pr_opened' && r.prUrl && poll.started > 0;
    const emulated = fresh
      ? sb.github.listPulls(owner, name).find((p) => r?.prUrl?.endsWith(`/pull/${p.number}`))
      : undefined;
    if (fresh && emulated) {
      pr = {
        prUrl: r!.prUrl!,
        apiUrl: `${sb.github.apiUrl}/repos/${x.repo}/pulls/${emulated.number}`,
        ...(await diffSize(sb, x.repo, emulated.base.sha, emulated.head.sha)),
        run: new Date(t0).toISOString(),
      };
      now[x.failureKey] = pr;
      state = 'PR opened';
    } else {
      const rec = await records.get(x.failureKey);
      if (rec?.prUrl) {
        pr = previous[x.failureKey] ?? { prUrl: rec.prUrl, run: 'earlier' };
        state = `PR exists (${rec.status}, from ${pr.run === 'earlier' ? 'an earlier run' : pr.run})`;
      }
    }
    if (pr) ok += 1;
    rows.push([
      short(x),
      r?.engine === 'llm' || (!r && x.engine === 'llm')
        ? 'LLM (recorded)'
        : `rule ${r?.ruleId ?? x.ruleId ?? ''}`,
      state,
      pr?.apiUrl ?? pr?.prUrl ?? '—',
      pr?.added !== undefined ? `+${pr.added}/-${pr.removed}` : '—',
    ]);
  }
  fs.writeFileSync(stateFile, JSON.stringify(now, null, 2));
  const head = ['failure (test / resource)', 'fix', 'result', 'pull request', 'diff'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  out('');
  out(fmt(head));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out(fmt(r));
  out('');
  out(
    `${ok}/${sb.expected.length} expected failures have a PR; this poll started ${poll.started}, ` +
      `skipped ${poll.alreadyRunning} already handled and ${poll.suppressed} suppressed by their Redis record.`,
  );
  out(`Temporal Web UI: ${temporal.uiUrl}/namespaces/default/workflows`);
  out(
    'PRs opened by this run are served by the GitHub emulator as JSON (the API URLs above) while the demo runs.',
  );
  if (rows.some((r) => r[2]!.startsWith('PR exists'))) {
    out(
      'PRs from an earlier run are listed as recorded then: the GitHub emulator does not keep pull requests across runs,',
    );
    out(`so those links no longer answer. Delete ${dir} to start from scratch.`);
  }

  const success = ok === sb.expected.length;
  if (once) {
    await stopAll();
    return success ? 0 : 1;
  }
  out('The worker keeps running (schedule every 5 minutes). Press Ctrl-C to stop everything.');
  await new Promise(() => undefined);
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (err: Error) => {
    process.stderr.write(`demo failed: ${err.stack ?? err.message}\n`);
    await stopAll();
    process.exit(1);
  },
);
