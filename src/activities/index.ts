/**
 * createActivities(deps): thin adapters from Temporal to the plain modules. Each adapter adds the
 * workflow id and failure key to every log line, heartbeats long work, and counts stage metrics.
 * A stage without an implementation fails with StageNotImplementedError (never a fake success).
 */
import { Context } from '@temporalio/activity';
import { logContext, type Logger } from '../logger';
import { CONFIG_ERROR_HINTS, StageNotImplementedError } from '../errors';
import type { RecordStore } from '../state/recordStore';
import { GROUP_JOIN_SIGNAL, GROUP_WORKFLOW_TYPE } from '../temporal/names';
import type { JoinGroupInput, TerraFixActivities } from './types';

export type { TerraFixActivities } from './types';

/** The stage implementations supplied by the modules (Vanta, code host, Terraform, remediation). */
export type StageImplementations = Partial<
  Omit<TerraFixActivities, 'claim' | 'record' | 'filterSuppressed' | 'recordPollResult' | 'joinGroup'>
>;

export { GROUP_WORKFLOW_TYPE } from '../temporal/names';

/** Signals the member into its group workflow, starting the group when it is not running. */
async function joinGroup(input: JoinGroupInput): Promise<void> {
  const client = Context.current().client;
  await client.workflow.signalWithStart(GROUP_WORKFLOW_TYPE, {
    workflowId: input.groupWorkflowId,
    taskQueue: input.taskQueue,
    args: [{ groupKey: input.groupKey, testId: input.testId, options: input.options }],
    signal: GROUP_JOIN_SIGNAL,
    signalArgs: [input.member],
    staticSummary: `TerraFix group PR: ${input.groupKey}`.slice(0, 200),
  });
}

/** Hooks for per-stage metrics (the worker passes prom-client recorders). */
export interface ActivityMetrics {
  observeStage(stage: string, seconds: number, ok: boolean): void;
  /** Counts an error of a stage that talks to an external service, by error name. */
  observeError?(stage: string, errorName: string): void;
  /** Counts a configuration error (CONFIG_ERROR_HINTS) by stage and error name. */
  observeConfigError?(stage: string, errorName: string): void;
  observePoll?(result: {
    found: number;
    started: number;
    alreadyRunning: number;
    suppressed: number;
    invalid: number;
  }): void;
}

export interface ActivityDeps {
  records: RecordStore;
  logger: Logger;
  stages: StageImplementations;
  metrics?: ActivityMetrics;
  /** Head SHA of a repository's default branch ("owner/name"): lets the poll re-try not_found/no_fix. */
  branchHead?: (repo: string) => Promise<string | undefined>;
}

const CODE_HOST_NEEDED =
  'a code host: GITHUB_TOKEN, GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY, or CODE_HOST=local';

/** Stages by the module that implements them, for `--stages` and the start-up check. */
export const STAGE_GROUPS: Record<string, { stages: (keyof StageImplementations)[]; needs: string }> = {
  vanta: {
    stages: ['listFailures', 'failureStillPresent'],
    needs: 'VANTA_CLIENT_ID and VANTA_CLIENT_SECRET (or VANTA_API_TOKEN)',
  },
  repository: {
    stages: ['prepare', 'analyze', 'generate', 'validate'],
    needs: CODE_HOST_NEEDED,
  },
  'pull-requests': {
    stages: [
      'openPullRequest',
      'checkPullRequest',
      'closePullRequest',
      'remindPullRequest',
      'openGroupPullRequest',
    ],
    needs: CODE_HOST_NEEDED,
  },
};

/** Every stage, group by group. */
export const STAGE_NAMES = Object.values(STAGE_GROUPS).flatMap((g) => g.stages);

/** Names of the stages this worker cannot run (reported at start-up). */
export function missingStages(stages: StageImplementations): string[] {
  return STAGE_NAMES.filter((s) => typeof stages[s] !== 'function');
}

function failureKeyOf(args: unknown[]): string | undefined {
  const a = args[0] as { key?: unknown; failure?: { key?: unknown }; failureKey?: unknown } | undefined;
  const k = a?.failureKey ?? a?.failure?.key ?? a?.key;
  return typeof k === 'string' ? k : undefined;
}

/** Builds the activity object a Worker registers. */
export function createActivities(deps: ActivityDeps): TerraFixActivities {
  const wrap = <K extends keyof TerraFixActivities>(name: K, fn: (...args: never[]) => Promise<unknown>) =>
    (async (...args: never[]) => {
      const ctx = Context.current();
      const log = deps.logger.child({
        activity: name,
        workflowId: ctx.info.workflowExecution?.workflowId,
        failureKey: failureKeyOf(args),
        attempt: ctx.info.attempt,
      });
      const started = process.hrtime.bigint();
      const beat = setInterval(() => ctx.heartbeat(), 10_000);
      beat.unref();
      try {
        const out = await logContext.run(
          {
            workflowId: ctx.info.workflowExecution?.workflowId,
            failureKey: failureKeyOf(args),
            activity: name,
          },
          () => fn(...args),
        );
        const secs = Number(process.hrtime.bigint() - started) / 1e9;
        deps.metrics?.observeStage(name, secs, true);
        log.debug({ seconds: secs }, `${name} done`);
        return out;
      } catch (err) {
        const secs = Number(process.hrtime.bigint() - started) / 1e9;
        deps.metrics?.observeStage(name, secs, false);
        const errName = (err as Error).name || 'Error';
        deps.metrics?.observeError?.(name, errName);
        const hint = Object.prototype.hasOwnProperty.call(CONFIG_ERROR_HINTS, errName)
          ? CONFIG_ERROR_HINTS[errName]
          : undefined;
        if (hint) {
          // A configuration mistake: error level, naming the fix; the record is short-lived.
          deps.metrics?.observeConfigError?.(name, errName);
          log.error(
            { err: { name: errName, message: (err as Error).message }, fix: hint },
            `${name} failed: configuration error: ${hint}`,
          );
        } else {
          log.warn({ err: { name: errName, message: (err as Error).message } }, `${name} failed`);
        }
        throw err;
      } finally {
        clearInterval(beat);
      }
    }) as TerraFixActivities[K];

  const stage = <K extends keyof StageImplementations>(name: K): TerraFixActivities[K] => {
    const impl = deps.stages[name];
    if (typeof impl === 'function') return wrap(name, impl as never);
    return wrap(name, async () => {
      throw new StageNotImplementedError(
        `stage "${name}" has no implementation in this worker: configure the module it needs (see README "Configuration")`,
      );
    });
  };

  return {
    filterSuppressed: wrap('filterSuppressed', (async (keys: string[]) =>
      deps.records.suppressed(keys, { headOf: deps.branchHead })) as never),
    claim: wrap('claim', (async (input: Parameters<TerraFixActivities['claim']>[0]) =>
      deps.records.claim(input)) as never),
    record: wrap('record', (async (input: Parameters<TerraFixActivities['record']>[0]) => {
      await deps.records.put(input);
    }) as never),
    recordPollResult: wrap('recordPollResult', (async (
      result: Parameters<TerraFixActivities['recordPollResult']>[0],
    ) => {
      deps.metrics?.observePoll?.(result);
      deps.logger.info({ poll: result }, 'poll finished');
    }) as never),
    listFailures: stage('listFailures'),
    prepare: stage('prepare'),
    analyze: stage('analyze'),
    generate: stage('generate'),
    validate: stage('validate'),
    openPullRequest: stage('openPullRequest'),
    checkPullRequest: stage('checkPullRequest'),
    failureStillPresent: stage('failureStillPresent'),
    closePullRequest: stage('closePullRequest'),
    remindPullRequest: stage('remindPullRequest'),
    joinGroup: wrap('joinGroup', joinGroup as never),
    openGroupPullRequest: stage('openGroupPullRequest'),
  };
}
