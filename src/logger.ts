/**
 * Structured logging with pino: JSON lines in production, human-readable on a terminal.
 * Every line passes through secret redaction; child loggers carry workflowId and failureKey.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';
import { redactSecrets } from './errors';

export type { Logger };

const knownSecrets = new Set<string>();

/**
 * Per-activity log context (workflowId, failureKey, activity): every line logged by any module while
 * an activity runs carries it, without the modules knowing about Temporal.
 */
export const logContext = new AsyncLocalStorage<Record<string, unknown>>();

/** Registers a secret value so that it is masked in every later log line. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) knownSecrets.add(value);
}

/** Creates the process logger; `destination` lets tests capture output. */
export function createLogger(
  opts: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream; name?: string } = {},
): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty =
    opts.pretty ?? (Boolean(process.stdout.isTTY) && !opts.destination && !process.env.JEST_WORKER_ID);
  const hooks = {
    streamWrite: (s: string) => redactSecrets(s, knownSecrets),
  };
  const base = { name: opts.name ?? 'terrafix' };
  const mixin = () => logContext.getStore() ?? {};
  if (pretty) {
    const transport = pino.transport({
      target: 'pino-pretty',
      options: { colorize: true, translateTime: 'SYS:HH:MM:ss' },
    });
    return pino({ level, base, hooks, mixin }, transport);
  }
  return pino(
    { level, base, hooks, mixin },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(1),
  );
}

let rootLogger: Logger | undefined;
/** The lazily created process-wide logger. */
export function logger(): Logger {
  rootLogger ??= createLogger();
  return rootLogger;
}
/** Replaces the process-wide logger (worker start-up, tests). */
export function setLogger(l: Logger): void {
  rootLogger = l;
}
