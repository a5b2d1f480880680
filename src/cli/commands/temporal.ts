/**
 * Temporal-facing commands: schedule, process-once, status, list, pr-event and worker.
 * Errors are one clear line and a non-zero exit (see main.ts).
 */
import fs from 'node:fs';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { InvalidArgumentError as CommanderArgumentError, type Command } from 'commander';
import { loadConfig, taskQueues, type Config } from '../../config';
import { dataConverterFor } from '../../temporal/codec';
import { startCodecServer } from '../../temporal/codecServer';
import type { Failure } from '../../contracts';
import { InvalidArgumentError, InvalidFailureError } from '../../errors';
import { normalizeFailure } from '../../failure/parse';
import {
  LIVE_OUTCOMES,
  prOutcomeSignal,
  REMEDIATION_ID_REUSE_POLICY,
  STAGES,
  remediationWorkflowId,
  statusQuery,
  type RemediationResult,
  type RemediationStatus,
} from '../../workflows/definitions';
import { remediationStartMetadata } from '../../workflows/remediateFailure';
import {
  ensureSchedule,
  remediationOptionsFromConfig,
  scheduleIntervalSeconds,
} from '../../temporal/schedule';
import { connectClient } from '../../temporal/connection';

type Out = (line: string) => void;

/** Reads and normalises a failure JSON file (the Failure contract or the legacy snake_case shape, README "Failure input"). */
export function readFailureFile(file: string) {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidFailureError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new InvalidFailureError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return normalizeFailure(json);
}

/** True when some worker polls the workflow task queue (checked before a `--wait` that could hang). */
export async function hasPollers(client: Client, queue: string): Promise<boolean> {
  try {
    const r = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: queue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    return (r.pollers ?? []).length > 0;
  } catch {
    return true; // cannot tell: do not warn
  }
}

const warn = (line: string) => process.stderr.write(`terrafix: ${line}\n`);

/** Starts (or finds) the remediation for one failure; with wait, prints its result. */
export async function processOnce(
  client: Client,
  config: Config,
  file: string | Failure,
  opts: { wait?: boolean; engine?: 'auto' | 'rules' | 'llm'; followUp?: boolean },
  out: Out,
): Promise<{ exitCode: number; result?: RemediationResult }> {
  const failure = typeof file === 'string' ? readFailureFile(file) : file;
  const workflowId = remediationWorkflowId(failure.key);
  try {
    await client.workflow.start('remediateFailureWorkflow', {
      taskQueue: taskQueues(config).main,
      workflowId,
      // The same rule as the poll: a new run after any closed one; the Redis record decides whether it works.
      workflowIdReusePolicy: REMEDIATION_ID_REUSE_POLICY,
      args: [
        {
          failure,
          options: {
            ...remediationOptionsFromConfig(config),
            engine: opts.engine ?? config.FIX_ENGINE,
            followUp: opts.followUp ?? false,
          },
        },
      ],
      ...remediationStartMetadata(failure),
    });
    out(`started ${workflowId}`);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    out(`already running: ${workflowId}`);
  }
  if (!opts.wait) return { exitCode: 0 };
  const queue = taskQueues(config).main;
  if (!(await hasPollers(client, queue)))
    warn(
      `no worker polls task queue ${queue} now: waiting anyway. Start \`terrafix worker\`, or set TEMPORAL_TASK_QUEUE to the queue your workers serve.`,
    );
  const result = (await client.workflow.getHandle(workflowId).result()) as RemediationResult;
  out(JSON.stringify(result, null, 2));
  return {
    exitCode: ['pr_opened', 'already_compliant', 'resolved', 'skipped'].includes(result.outcome) ? 0 : 4,
    result,
  };
}

/** The failure key of a `status` argument: the key itself or its workflow id (`remediate/<key>`). */
export function failureKeyOfArg(arg: string): string {
  const prefix = remediationWorkflowId('');
  return arg.startsWith(prefix) ? arg.slice(prefix.length) : arg;
}

/** Status of one failure's remediation, from Temporal (query when open, result when closed). */
export async function describeRemediation(
  client: Client,
  keyOrWorkflowId: string,
): Promise<Record<string, unknown>> {
  const failureKey = failureKeyOfArg(keyOrWorkflowId);
  const handle = client.workflow.getHandle(remediationWorkflowId(failureKey));
  const d = await handle.describe();
  const attr = (name: string) => searchAttribute(d.typedSearchAttributes, name);
  const base = {
    workflowId: d.workflowId,
    runId: d.runId,
    status: d.status.name,
    startTime: d.startTime.toISOString(),
    closeTime: d.closeTime?.toISOString(),
    stage: attr('TerraFixStage'),
    outcome: attr('TerraFixOutcome'),
    repo: attr('TerraFixRepo'),
    ruleId: attr('TerraFixRuleId'),
    prUrl: attr('TerraFixPrUrl'),
  };
  if (d.status.name === 'RUNNING') {
    // A query needs a worker: without one, answer from visibility after 5 s instead of hanging.
    try {
      const s: RemediationStatus = await client.withDeadline(Date.now() + 5000, () =>
        handle.query(statusQuery),
      );
      return { ...base, ...s };
    } catch (err) {
      return {
        ...base,
        note: `no worker answered the status query (${(err as Error).message.split('\n')[0]}); is a worker running on this task queue?`,
      };
    }
  }
  if (d.status.name === 'COMPLETED') {
    const r = (await handle.result()) as RemediationResult;
    return { ...base, ...r };
  }
  return base;
}

/** A Keyword search attribute's value by name (undefined when unset). */
function searchAttribute(sa: { getAll(): { key: { name: string }; value: unknown }[] }, name: string) {
  const v = sa.getAll().find((p) => p.key.name === name)?.value;
  return typeof v === 'string' ? v : undefined;
}

function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface ListFilter {
  stage?: string;
  outcome?: string;
  repo?: string;
  limit?: number;
}

export interface ListRow {
  failureKey: string;
  status: string;
  stage?: string;
  outcome?: string;
  repo?: string;
  ruleId?: string;
  prUrl?: string;
  started: string;
}

/** Checks `list` filters before connecting: a typo is an error, never an empty list. */
export function checkListFilter(o: ListFilter): void {
  if (o.stage && !(STAGES as readonly string[]).includes(o.stage))
    throw new InvalidArgumentError(`--stage: expected one of ${STAGES.join(', ')}; got "${o.stage}"`);
  if (o.outcome && !(LIVE_OUTCOMES as readonly string[]).includes(o.outcome))
    throw new InvalidArgumentError(
      `--outcome: expected one of ${LIVE_OUTCOMES.join(', ')}; got "${o.outcome}"`,
    );
  if (o.repo && !/^[\w.-]+\/[\w.-]+$/.test(o.repo))
    throw new InvalidArgumentError(`--repo: expected owner/name; got "${o.repo}"`);
}

/** `list` as a table with a header; long cells are cut so a row stays readable. */
export function formatList(rows: ListRow[]): string[] {
  const cols: [string, (r: ListRow) => string, number][] = [
    ['FAILURE KEY', (r) => r.failureKey, 60],
    ['STATUS', (r) => r.status, 10],
    ['STAGE', (r) => r.stage ?? '', 14],
    ['OUTCOME', (r) => r.outcome ?? '', 20],
    ['REPO', (r) => r.repo ?? '', 30],
    ['RULE', (r) => r.ruleId ?? '', 28],
    ['PR', (r) => r.prUrl ?? '', 200],
  ];
  const cut = (v: string, max: number) => (v.length > max ? `${v.slice(0, max - 1)}…` : v);
  const cells = [cols.map((c) => c[0]), ...rows.map((r) => cols.map(([, get, max]) => cut(get(r), max)))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) =>
    row
      .map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** Lists remediations from Temporal visibility, filtered by stage and outcome. */
export async function listRemediations(client: Client, filter: ListFilter): Promise<ListRow[]> {
  const clauses = ["WorkflowType = 'remediateFailureWorkflow'"];
  if (filter.stage) clauses.push(`TerraFixStage = ${quote(filter.stage)}`);
  if (filter.outcome) clauses.push(`TerraFixOutcome = ${quote(filter.outcome)}`);
  if (filter.repo) clauses.push(`TerraFixRepo = ${quote(filter.repo)}`);
  const rows: ListRow[] = [];
  for await (const w of client.workflow.list({ query: clauses.join(' AND ') })) {
    const attr = (name: string) => searchAttribute(w.typedSearchAttributes, name);
    rows.push({
      failureKey: attr('TerraFixFailureKey') ?? w.workflowId,
      status: w.status.name,
      stage: attr('TerraFixStage'),
      outcome: attr('TerraFixOutcome'),
      repo: attr('TerraFixRepo'),
      ruleId: attr('TerraFixRuleId'),
      prUrl: attr('TerraFixPrUrl'),
      started: w.startTime.toISOString(),
    });
    if (rows.length >= (filter.limit ?? 200)) break;
  }
  return rows;
}

async function withClient<T>(fn: (client: Client, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const client = await connectClient(config);
  try {
    return await fn(client, config);
  } finally {
    await client.connection.close();
  }
}

const print: Out = (line) => process.stdout.write(`${line}\n`);

/** Registers schedule, process-once, status, list, pr-event and worker. */
export function register(program: Command): void {
  const schedule = program.command('schedule').description('manage the Temporal Schedule that polls Vanta');
  schedule
    .command('create')
    .description('create the schedule, or update it when POLL_INTERVAL_SECONDS changed (idempotent)')
    .option('--paused', 'create it paused')
    .action((o: { paused?: boolean }) =>
      withClient(async (client, config) => {
        const r = await ensureSchedule(client, {
          scheduleId: config.TEMPORAL_SCHEDULE_ID,
          taskQueue: taskQueues(config).main,
          intervalSeconds: config.POLL_INTERVAL_SECONDS,
          options: remediationOptionsFromConfig(config),
          paused: o.paused,
        });
        print(`schedule ${config.TEMPORAL_SCHEDULE_ID}: ${r} (every ${config.POLL_INTERVAL_SECONDS}s)`);
      }),
    );
  schedule
    .command('describe')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withClient(async (client, config) => {
        const d = await client.schedule.getHandle(config.TEMPORAL_SCHEDULE_ID).describe();
        const summary = {
          scheduleId: d.scheduleId,
          paused: d.state.paused,
          note: d.state.note,
          intervalSeconds: scheduleIntervalSeconds(d),
          nextActionTimes: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
          recentActions: d.info.recentActions
            .slice(-5)
            .map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId })),
          runningActions: d.info.runningActions.length,
        };
        print(o.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
      }),
    );
  for (const [name, desc] of [
    ['pause', 'pause polling'],
    ['unpause', 'resume polling'],
    ['trigger', 'run one poll now'],
    ['delete', 'delete the schedule'],
  ] as const) {
    schedule
      .command(name)
      .description(desc)
      .action(() =>
        withClient(async (client, config) => {
          const h = client.schedule.getHandle(config.TEMPORAL_SCHEDULE_ID);
          if (name === 'pause') await h.pause('paused from the terrafix CLI');
          if (name === 'unpause') await h.unpause('unpaused from the terrafix CLI');
          if (name === 'trigger') await h.trigger();
          if (name === 'delete') await h.delete();
          print(
            `schedule ${config.TEMPORAL_SCHEDULE_ID}: ${name}d`
              .replace('eed', 'ed')
              .replace('triggerd', 'triggered'),
          );
        }),
      );
  }

  program
    .command('process-once')
    .description('remediate one failure given as JSON (Failure contract or the legacy snake_case shape)')
    .requiredOption('--failure-json <file>', 'failure JSON file')
    .option('--wait', 'wait for the result and print it')
    .option('--engine <engine>', 'auto | rules | llm')
    .option('--follow-up', 'follow the PR to its outcome (merge, close, Vanta re-check)')
    .action(
      (o: { failureJson: string; wait?: boolean; engine?: 'auto' | 'rules' | 'llm'; followUp?: boolean }) => {
        // Bad input fails before any connection is made.
        const failure = readFailureFile(o.failureJson);
        return withClient(async (client, config) => {
          const r = await processOnce(client, config, failure, o, print);
          process.exitCode = r.exitCode;
        });
      },
    );

  program
    .command('status <failureKeyOrWorkflowId>')
    .description('stage, outcome, timings and PR of one failure (its key or remediate/<key>), from Temporal')
    .action((key: string) =>
      withClient(async (client) => {
        try {
          print(JSON.stringify(await describeRemediation(client, key), null, 2));
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new Error(`no remediation found for ${key}`);
          throw err;
        }
      }),
    );

  program
    .command('list')
    .description('remediations from Temporal visibility')
    .option('--stage <stage>', `filter by stage (${STAGES.join(', ')})`)
    .option('--outcome <outcome>', `filter by outcome (${LIVE_OUTCOMES.join(', ')})`)
    .option('--repo <owner/name>', 'filter by repository')
    .option('--limit <n>', 'at most this many rows (default 200)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new CommanderArgumentError('expected a positive integer');
      return n;
    })
    .option('--json', 'print JSON')
    .action((o: ListFilter & { json?: boolean }) => {
      checkListFilter(o);
      return withClient(async (client) => {
        const rows = await listRemediations(client, o);
        if (o.json) return print(JSON.stringify(rows));
        if (rows.length) for (const line of formatList(rows)) print(line);
        print(`${rows.length} remediation(s)`);
      });
    });

  program
    .command('pr-event <failureKey> <state>')
    .description(
      'tell a remediation its PR was merged, closed or is still open (webhook receivers call this)',
    )
    .action((key: string, state: string) => {
      // Arguments are checked before any connection is made.
      if (!['merged', 'closed', 'open'].includes(state))
        throw new InvalidArgumentError(`state must be merged, closed or open, not "${state}"`);
      if (!failureKeyOfArg(key)) throw new InvalidArgumentError('failure key must not be empty');
      key = failureKeyOfArg(key);
      return withClient(async (client) => {
        await client.workflow
          .getHandle(remediationWorkflowId(key))
          .signal(prOutcomeSignal, { state: state as 'merged' | 'closed' | 'open' });
        print(`signalled ${remediationWorkflowId(key)}: ${state}`);
      });
    });

  program
    .command('codec-server')
    .description(
      'serve /encode and /decode for the Temporal Web UI (TEMPORAL_PAYLOAD_KEYS, CODEC_SERVER_TOKEN, CODEC_SERVER_ORIGIN, CODEC_SERVER_PORT)',
    )
    .action(async () => {
      const c = loadConfig();
      const converter = dataConverterFor(c);
      if (!converter) throw new Error('TEMPORAL_PAYLOAD_KEYS: required by codec-server (no keys configured)');
      if (!c.CODEC_SERVER_TOKEN) throw new Error('CODEC_SERVER_TOKEN: required by codec-server');
      const server = await startCodecServer({
        codec: converter.payloadCodecs[0]!,
        token: c.CODEC_SERVER_TOKEN,
        allowedOrigin: c.CODEC_SERVER_ORIGIN,
        port: c.CODEC_SERVER_PORT,
      });
      print(
        `codec server on ${server.url} for ${c.CODEC_SERVER_ORIGIN} (set it as the Web UI's codec endpoint)`,
      );
      await new Promise<void>((resolve) => {
        for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve());
      });
      await server.stop();
    });

  program
    .command('worker')
    .description('run the TerraFix worker (all task queues, health server on HEALTH_PORT)')
    .option(
      '--stages <list>',
      'serve only these stages: groups vanta, repository, pull-requests or stage names, comma-separated',
    )
    .action(async (o: { stages?: string }) => {
      // Loaded on demand: the worker pulls in the Temporal native bridge, which offline commands do not need.
      const { runWorker } = require('../../workers/main') as typeof import('../../workers/main');
      const stages = o.stages
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      await runWorker({ stages });
    });
}
