/**
 * The activity adapter: what every TerraFix activity does around its body. It adds the workflow id
 * and failure key to every log line, heartbeats long work, counts stage metrics, and logs a
 * configuration error at error level with its fix. A stage a worker does not serve fails with
 * StageNotImplementedError (never a fake success).
 */
import { Context } from '@temporalio/activity';
import { CONFIG_ERROR_HINTS, StageNotImplementedError } from '../errors';
import { logContext, type Logger } from '../logger';
import type { PollResult } from '../contracts';

/** Hooks for per-stage metrics (the worker passes prom-client recorders). */
export interface ActivityMetrics {
  observeStage(stage: string, seconds: number, ok: boolean): void;
  /** Counts an error of a stage that talks to an external service, by error name. */
  observeError?(stage: string, errorName: string): void;
  /** Counts a configuration error (CONFIG_ERROR_HINTS) by stage and error name. */
  observeConfigError?(stage: string, errorName: string): void;
  observePoll?(result: PollResult): void;
}

/** Heartbeats when running inside an activity (no-op elsewhere, e.g. in the offline CLI). */
export function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    /* not in an activity */
  }
}

type AnyFn = (...args: never[]) => Promise<unknown>;

function failureKeyOf(args: unknown[]): string | undefined {
  const a = args[0] as { key?: unknown; failure?: { key?: unknown }; failureKey?: unknown } | undefined;
  const k = a?.failureKey ?? a?.failure?.key ?? a?.key;
  return typeof k === 'string' ? k : undefined;
}

/** Logs a failed activity: a configuration error at error level with its fix, the rest at warn. */
function reportError(log: Logger, name: string, err: unknown, metrics?: ActivityMetrics): void {
  const errName = (err as Error).name || 'Error';
  metrics?.observeError?.(name, errName);
  const hint = Object.prototype.hasOwnProperty.call(CONFIG_ERROR_HINTS, errName)
    ? CONFIG_ERROR_HINTS[errName]
    : undefined;
  const e = { name: errName, message: (err as Error).message };
  if (!hint) {
    log.warn({ err: e }, `${name} failed`);
    return;
  }
  // A configuration mistake: error level, naming the fix; the record is short-lived.
  metrics?.observeConfigError?.(name, errName);
  log.error({ err: e, fix: hint }, `${name} failed: configuration error: ${hint}`);
}

/** Wraps one activity body in the adapter. */
function adaptOne<F extends AnyFn>(name: string, fn: F, logger: Logger, metrics?: ActivityMetrics): F {
  return (async (...args: never[]) => {
    const ctx = Context.current();
    const workflowId = ctx.info.workflowExecution?.workflowId;
    const failureKey = failureKeyOf(args);
    const log = logger.child({ activity: name, workflowId, failureKey, attempt: ctx.info.attempt });
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const beat = setInterval(() => ctx.heartbeat(), 10_000);
    beat.unref();
    try {
      const out = await logContext.run({ workflowId, failureKey, activity: name }, () => fn(...args));
      metrics?.observeStage(name, seconds(), true);
      log.debug({ seconds: seconds() }, `${name} done`);
      return out;
    } catch (err) {
      metrics?.observeStage(name, seconds(), false);
      reportError(log, name, err, metrics);
      throw err;
    } finally {
      clearInterval(beat);
    }
  }) as F;
}

/** Wraps every activity of `impl` in the adapter, keeping each one's type. */
export function adapt<T extends Record<string, AnyFn>>(
  impl: T,
  deps: { logger: Logger; metrics?: ActivityMetrics },
): T {
  const out = {} as Record<string, AnyFn>;
  for (const [name, fn] of Object.entries(impl)) out[name] = adaptOne(name, fn, deps.logger, deps.metrics);
  return out as T;
}

/** An activity body for a stage this worker does not serve: a clear configuration error. */
export function notServed(name: string): AnyFn {
  return async () => {
    throw new StageNotImplementedError(
      `stage "${name}" has no implementation in this worker: configure the module it needs (see README "Configuration")`,
    );
  };
}

/** Stand-ins for every stage of a module that is not configured (same shape as the real bodies). */
export function notConfigured<T>(names: readonly (keyof T & string)[]): T {
  return Object.fromEntries(names.map((n) => [n, notServed(n)])) as T;
}
