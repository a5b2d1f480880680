/** Shared helpers for the Vanta tests: a client against the emulator and captured logs. */
import { Writable } from 'node:stream';
import pino from 'pino';
import type Redis from 'ioredis';
import { VantaApi, type VantaApiOptions } from '../../src/vanta';
import type { VantaEmulator } from '../../src/sandbox/emulators/vantaEmulator';

export const APP = { clientId: 'terrafix-demo-client', clientSecret: 'terrafix-demo-secret' };

/** A raw pino logger (no redaction hook) writing JSON lines into `lines`. */
export function captureLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level: 'debug', base: null }, stream), lines };
}

/** A VantaApi on the emulator with fast backoff; `prefix` isolates its Redis keys. */
export function emulatorClient(
  emu: VantaEmulator,
  redis: Redis,
  prefix: string,
  overrides: Partial<VantaApiOptions> = {},
): VantaApi {
  return new VantaApi({
    baseUrl: emu.url,
    credentials: APP,
    redis,
    logger: overrides.logger ?? captureLogger().logger,
    keyPrefix: prefix,
    backoffBaseMs: 5,
    backoffMaxMs: 50,
    timeoutMs: 5000,
    ...overrides,
  });
}

/** The access token currently shared in Redis under `prefix` (for assertions only). */
export async function sharedToken(redis: Redis, prefix: string): Promise<string | undefined> {
  const keys = await redis.keys(`${prefix}token:*`);
  if (keys.length === 0) return undefined;
  const raw = await redis.get(keys[0]);
  return raw ? (JSON.parse(raw) as { accessToken: string }).accessToken : undefined;
}
