/**
 * `terrafix vanta failures [--json]`: lists the current Vanta failures from the configured Vanta
 * (or the emulator) without starting anything. Needs only the VANTA_* variables and REDIS_URL
 * (the OAuth token and request budget are shared through Redis with the workers).
 */
import type { Command } from 'commander';
import Redis from 'ioredis';
import { loadConfig } from '../../config';
import { ConfigError, TerraFixError } from '../../errors';
import { createLogger, type Logger } from '../../logger';
import { createVantaApi, listFailuresOptionsFromConfig, listFailuresWithStats } from '../../vanta';
import type { Failure } from '../../contracts';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface VantaFailuresDeps {
  logger?: Logger;
  /** Redis key prefix override (tests). */
  keyPrefix?: string;
}

/** Only the variables this command reads, so unrelated bad settings do not block it. */
function vantaEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('VANTA_') || k === 'REDIS_URL' || k === 'LOG_LEVEL') out[k] = v;
  }
  return out;
}

function oneLine(s: string | undefined, max: number): string {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Human-readable table of failures. */
export function formatFailures(failures: Failure[]): string {
  if (failures.length === 0) return 'No failing Vanta entities.\n';
  const lines = failures.map((f) => {
    const sev = (f.severity ?? '-').padEnd(8);
    const res = `${f.resource.displayName ?? '?'}${f.resource.responseType ? ` (${f.resource.responseType})` : ''}`;
    return `${sev} ${oneLine(res, 60).padEnd(60)} ${oneLine(f.testName ?? f.testId, 70)}\n         key: ${f.key}`;
  });
  return `${lines.join('\n')}\n\n${failures.length} failing entit${failures.length === 1 ? 'y' : 'ies'}\n`;
}

/** Runs `vanta failures` and returns its exit code and output instead of printing. */
export async function runVantaFailures(
  opts: { json?: boolean },
  env: NodeJS.ProcessEnv = process.env,
  deps: VantaFailuresDeps = {},
): Promise<CommandResult> {
  let redis: Redis | undefined;
  try {
    const config = loadConfig(vantaEnv(env));
    const logger =
      deps.logger ??
      createLogger({ level: env.LOG_LEVEL ?? 'warn', destination: process.stderr, name: 'terrafix-cli' });
    redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
    redis.on('error', () => undefined); // surfaced by the failing command below
    await redis.connect();
    const client = createVantaApi(
      config,
      { redis, logger },
      deps.keyPrefix ? { keyPrefix: deps.keyPrefix } : {},
    );
    const { failures, stats } = await listFailuresWithStats(client, listFailuresOptionsFromConfig(config));
    logger.info({ ...stats, requests: client.requestCount }, 'listed Vanta failures');
    const stdout = opts.json ? `${JSON.stringify(failures, null, 2)}\n` : formatFailures(failures);
    return { exitCode: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as Error;
    const code = err instanceof ConfigError ? 2 : 1;
    const msg = err instanceof TerraFixError ? `${e.name}: ${e.message}` : `error: ${e.message}`;
    return { exitCode: code, stdout: '', stderr: `${msg}\n` };
  } finally {
    if (redis) await redis.quit().catch(() => redis?.disconnect());
  }
}

/** Registers `terrafix vanta failures` on the CLI program. */
export function register(program: Command): void {
  const vanta = program.command('vanta').description('Vanta source commands');
  vanta
    .command('failures')
    .description('List current Vanta failures (needs VANTA_* and REDIS_URL only)')
    .option('--json', 'print a JSON array of Failure objects')
    .action(async (o: { json?: boolean }) => {
      const r = await runVantaFailures({ json: Boolean(o.json) });
      if (r.stdout) process.stdout.write(r.stdout);
      if (r.stderr) process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
