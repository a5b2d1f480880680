/**
 * Temporal-facing commands: schedule, process-once, status, list, pr-event and worker.
 * Errors are one clear line and a non-zero exit (see main.ts).
 */
import fs from 'node:fs';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig, taskQueues, type Config } from '../../config';
import { dataConverterFor } from '../../temporal/codec';
import { startCodecServer } from '../../temporal/codecServer';
import type { Failure } from '../../contracts';
import { InvalidFailureError } from '../../errors';
import { normalizeFailure } from '../../terraform/normalizeFailure';
import {
  prOutcomeSignal,
  REMEDIATION_ID_REUSE_POLICY,
  remediationWorkflowId,
  statusQuery,
  type RemediationResult,
  type RemediationStatus,
} from '../../workflows/definitions';
import { remediationStartMetadata } from '../../workflows/remediateFailure';
import { ensureSchedule, remediationOptionsFromConfig, scheduleIntervalSeconds } from '../schedule';
import { connectClient } from '../temporal';

type Out = (line: string) => void;

/** Reads and normalises a failure JSON file (either shape from DESIGN.md). */
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
  const result = (await client.workflow.getHandle(workflowId).result()) as RemediationResult;
  out(JSON.stringify(result, null, 2));
  return {
    exitCode: ['pr_opened', 'already_compliant', 'resolved', 'skipped'].includes(result.outcome) ? 0 : 4,
    result,
  };
}

/** Status of one failure's remediation, from Temporal (query when open, result when closed). */
export async function describeRemediation(
  client: Client,
  failureKey: string,
): Promise<Record<string, unknown>> {
  const handle = client.workflow.getHandle(remediationWorkflowId(failureKey));
  const d = await handle.describe();
  const sa = d.typedSearchAttributes;
  const attr = (name: string) => sa.getAll().find((p) => p.key.name === name)?.value;
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
  };
  if (d.status.name === 'RUNNING') {
    const s: RemediationStatus = await handle.query(statusQuery);
    return { ...base, ...s };
  }
  if (d.status.name === 'COMPLETED') {
    const r = (await handle.result()) as RemediationResult;
    return { ...base, ...r };
  }
  return base;
}

function quote(v: string): string {
  return `'${v.replace(/'/g, "\\'")}'`;
}

/** Lists remediations from Temporal visibility, filtered by stage and outcome. */
export async function listRemediations(
  client: Client,
  filter: { stage?: string; outcome?: string; limit?: number },
) {
  const clauses = ["WorkflowType = 'remediateFailureWorkflow'"];
  if (filter.stage) clauses.push(`TerraFixStage = ${quote(filter.stage)}`);
  if (filter.outcome) clauses.push(`TerraFixOutcome = ${quote(filter.outcome)}`);
  const rows: Record<string, unknown>[] = [];
  for await (const w of client.workflow.list({ query: clauses.join(' AND ') })) {
    const sa = w.typedSearchAttributes.getAll();
    const attr = (name: string) => sa.find((p) => p.key.name === name)?.value;
    rows.push({
      failureKey: attr('TerraFixFailureKey'),
      status: w.status.name,
      stage: attr('TerraFixStage'),
      outcome: attr('TerraFixOutcome'),
      repo: attr('TerraFixRepo'),
      ruleId: attr('TerraFixRuleId'),
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
    .command('status <failureKey>')
    .description('stage, outcome, timings and PR of one failure, from Temporal')
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
    .option('--stage <stage>', 'filter by stage')
    .option('--outcome <outcome>', 'filter by outcome')
    .option('--json', 'print JSON')
    .action((o: { stage?: string; outcome?: string; json?: boolean }) =>
      withClient(async (client) => {
        const rows = await listRemediations(client, o);
        if (o.json) return print(JSON.stringify(rows));
        for (const r of rows)
          print([r.failureKey, r.status, r.stage, r.outcome ?? '', r.repo ?? '', r.ruleId ?? ''].join('\t'));
        print(`${rows.length} remediation(s)`);
      }),
    );

  program
    .command('pr-event <failureKey> <state>')
    .description(
      'tell a remediation its PR was merged, closed or is still open (webhook receivers call this)',
    )
    .action((key: string, state: string) =>
      withClient(async (client) => {
        if (!['merged', 'closed', 'open'].includes(state))
          throw new Error(`state must be merged, closed or open, not "${state}"`);
        await client.workflow
          .getHandle(remediationWorkflowId(key))
          .signal(prOutcomeSignal, { state: state as 'merged' | 'closed' | 'open' });
        print(`signalled ${remediationWorkflowId(key)}: ${state}`);
      }),
    );

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
