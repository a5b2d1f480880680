/** VantaApi against the emulator over real HTTP, with the harness Redis. */
import type Redis from 'ioredis';
import { testRedis, uniqueName } from '../harness/env';
import { startVantaEmulator, type VantaEmulator } from '../../src/sandbox/emulators/vantaEmulator';
import { RequestBudgetExhaustedError, VantaAuthError, VantaUnavailableError } from '../../src/vanta';
import { APP, captureLogger, emulatorClient, sharedToken } from './helpers';

let redis: Redis;
let emu: VantaEmulator;
let prefix: string;

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(async () => {
  emu = await startVantaEmulator();
  prefix = `${uniqueName('vanta-client')}:`;
});
afterEach(async () => {
  await emu.stop();
});

const count = (status: number) => emu.requestLog.filter((r) => r.status === status).length;

describe('shared OAuth token', () => {
  test('sends the documented token request and uses the token as a bearer', async () => {
    const c = emulatorClient(emu, redis, prefix);
    const tests = await c.listTests({ statusFilter: 'NEEDS_ATTENTION', integrationFilter: 'aws' });
    expect(tests.map((t) => t.id)).toContain('aws-s3-public-access-blocked');
    expect(tests.map((t) => t.id)).not.toContain('okta-mfa-enabled');
    expect(emu.requestLog[0]).toMatchObject({ method: 'POST', path: '/oauth/token', status: 200 });
    expect(emu.requestLog[1]).toMatchObject({ path: '/v1/tests', status: 200, clientId: APP.clientId });
    expect(emu.tokensIssued).toBe(1);
  });

  test('a second client (another process) reuses the token while it is valid', async () => {
    const a = emulatorClient(emu, redis, prefix);
    const other = testRedis();
    try {
      const b = emulatorClient(emu, other, prefix);
      await a.listTests({});
      await b.listTests({});
      await b.listTests({});
      expect(emu.tokensIssued).toBe(1);
      expect(a.metrics.tokenRequests).toBe(1);
      expect(b.metrics.tokenRequests).toBe(0);
    } finally {
      await other.quit();
    }
  });

  test('many clients starting at once request exactly one token', async () => {
    const clients = Array.from({ length: 6 }, () => emulatorClient(emu, redis, prefix));
    await Promise.all(clients.map((c) => c.listTests({})));
    expect(emu.tokensIssued).toBe(1);
    expect(count(401)).toBe(0);
  });

  test('revocation by another token holder: concurrent 401s cause one refresh, then success', async () => {
    const clients = Array.from({ length: 4 }, () => emulatorClient(emu, redis, prefix));
    await clients[0].listTests({});
    emu.issueTokenOutOfBand(); // something outside TerraFix asked for a token: ours is revoked
    const results = await Promise.all(clients.map((c) => c.listTests({})));
    expect(results.every((r) => r.length > 0)).toBe(true);
    expect(emu.tokensIssued).toBe(3); // ours, the out-of-band one, one refresh
    expect(clients.reduce((n, c) => n + c.metrics.tokenRequests, 0)).toBe(2);
    expect(count(401)).toBeGreaterThanOrEqual(1);
    expect(count(401)).toBeLessThanOrEqual(4);
  });

  test('a token revoked again right after the refresh ends in VantaAuthError, not a refresh loop', async () => {
    const c = emulatorClient(emu, redis, prefix, {
      onRequest: () => {
        emu.issueTokenOutOfBand(); // every request's token is revoked just before it arrives
      },
    });
    await expect(c.listTests({})).rejects.toBeInstanceOf(VantaAuthError);
    expect(c.metrics.tokenRequests).toBe(2); // the first token and exactly one refresh
    expect(count(401)).toBe(2);
  });

  test('the token is refreshed shortly before expiry without any 401', async () => {
    await emu.stop();
    emu = await startVantaEmulator({ tokenTtlSec: 2 });
    const c = emulatorClient(emu, redis, prefix, { refreshSkewMs: 1500 });
    await c.listTests({});
    await new Promise((r) => setTimeout(r, 1100)); // past refreshAt (half the 2 s lifetime)
    await c.listTests({});
    expect(emu.tokensIssued).toBe(2);
    expect(count(401)).toBe(0);
  });

  test('the token endpoint budget (5/min) is shared and enforced', async () => {
    const c = emulatorClient(emu, redis, prefix, { tokenRequestsPerMinute: 1 });
    await c.listTests({});
    emu.issueTokenOutOfBand();
    await expect(c.listTests({})).rejects.toBeInstanceOf(RequestBudgetExhaustedError);
    expect(emu.tokensIssued).toBe(2);
  });

  test('wrong client credentials are a permanent error without the secret in it', async () => {
    const c = emulatorClient(emu, redis, prefix, {
      credentials: { clientId: APP.clientId, clientSecret: 'wrong-secret-value' },
    });
    const err = (await c.listTests({}).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('PermanentApiError');
    expect(err.message).toMatch(/401/);
    expect(err.message).toMatch(/invalid_client/);
    expect(err.message).not.toContain('wrong-secret-value');
  });

  test('a static VANTA_API_TOKEN works and is never refreshed', async () => {
    await emu.stop();
    emu = await startVantaEmulator({ staticTokens: ['static-token-abcdef'] });
    const ok = emulatorClient(emu, redis, prefix, { credentials: { token: 'static-token-abcdef' } });
    expect((await ok.listTests({})).length).toBeGreaterThan(0);
    const bad = emulatorClient(emu, redis, prefix, { credentials: { token: 'static-token-wrong1' } });
    const err = (await bad.listTests({}).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('PermanentApiError');
    expect(err.message).not.toContain('static-token-wrong1');
    expect(emu.tokensIssued).toBe(0);
  });
});

describe('limits and faults', () => {
  function recordingSleep() {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  }

  test('429 with Retry-After waits exactly that long, then succeeds', async () => {
    const { waits, sleep } = recordingSleep();
    const c = emulatorClient(emu, redis, prefix, { sleep });
    emu.inject429(2, 1);
    const tests = await c.listTests({});
    expect(tests.length).toBeGreaterThan(0);
    expect(waits).toEqual([1000, 1000]);
    expect(c.metrics.rateLimited).toBe(2);
  });

  test('429 without Retry-After backs off exponentially with jitter, capped', async () => {
    const { waits, sleep } = recordingSleep();
    const c = emulatorClient(emu, redis, prefix, { sleep, backoffBaseMs: 100, backoffMaxMs: 300 });
    emu.inject429(3);
    await c.listTests({});
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(waits[2]).toBeGreaterThanOrEqual(150);
    expect(waits[2]).toBeLessThanOrEqual(300);
  });

  test('too many 429s give up with a retryable VantaUnavailableError', async () => {
    const { sleep } = recordingSleep();
    const c = emulatorClient(emu, redis, prefix, { sleep, max429Retries: 2 });
    emu.inject429(10, 1);
    const err = await c.listTests({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VantaUnavailableError);
    expect(emu.requestLog.filter((r) => r.path === '/v1/tests')).toHaveLength(3);
  });

  test('5xx is retried, then succeeds', async () => {
    const c = emulatorClient(emu, redis, prefix);
    emu.inject5xx(2, 502);
    await c.listTests({});
    expect(emu.requestLog.filter((r) => r.path === '/v1/tests').map((r) => r.status)).toEqual([
      502, 502, 200,
    ]);
    expect(c.metrics.serverErrors).toBe(2);
  });

  test('persistent 5xx is retried a bounded number of times, then given up', async () => {
    const c = emulatorClient(emu, redis, prefix, { maxRetries: 2 });
    emu.inject5xx(50);
    const err = (await c.listTests({}).catch((e: unknown) => e)) as VantaUnavailableError;
    expect(err).toBeInstanceOf(VantaUnavailableError);
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/503 after 3 attempts/);
    expect(emu.requestLog.filter((r) => r.path === '/v1/tests')).toHaveLength(3);
  });

  test('network errors and timeouts are retried, then given up', async () => {
    emu.setLatency(300);
    const c = emulatorClient(emu, redis, prefix, { timeoutMs: 100, maxRetries: 1 });
    await c.listTests({}).catch(() => undefined); // token request may itself time out
    const err = (await c.listTests({}).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(VantaUnavailableError);
    expect(err.message).toMatch(/TimeoutError|aborted/i);
  });

  test('other 4xx are permanent, carry the response text, and are not retried', async () => {
    const c = emulatorClient(emu, redis, prefix);
    const err = (await c.listTestEntities('no-such-test').catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('PermanentApiError');
    expect(err.message).toMatch(/404/);
    expect(err.message).toMatch(/Test no-such-test not found/);
    expect(emu.requestLog.filter((r) => r.path.includes('no-such-test'))).toHaveLength(1);
  });

  test('malformed JSON is an ApiShapeError', async () => {
    const c = emulatorClient(emu, redis, prefix);
    emu.injectMalformed(1, 'json');
    const err = (await c.listTests({}).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ApiShapeError');
    expect(err.message).toMatch(/GET \/v1\/tests.*not JSON/);
  });

  test('an unexpected shape names the offending field', async () => {
    const c = emulatorClient(emu, redis, prefix);
    emu.injectMalformed(1, 'shape');
    const err = (await c.listTests({}).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ApiShapeError');
    expect(err.message).toContain('results.data[0].id');
    expect(err.message).toMatch(/expected string/);
  });

  test('the request budget is shared by clients through Redis and makes them wait', async () => {
    const a = recordingSleep();
    const b = recordingSleep();
    const budget = { requestsPerMinute: 3, budgetWindowMs: 300 };
    const ca = emulatorClient(emu, redis, prefix, {
      ...budget,
      sleep: async (ms) => {
        a.waits.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    const cb = emulatorClient(emu, redis, prefix, {
      ...budget,
      sleep: async (ms) => {
        b.waits.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    for (let i = 0; i < 3; i++) await ca.listTests({});
    await cb.listTests({}); // cb has used nothing locally: the shared Redis window makes it wait
    expect(b.waits.length).toBeGreaterThan(0);
    expect(cb.metrics.budgetWaitMs).toBeGreaterThan(0);
    expect(a.waits).toEqual([]);
  });
});

describe('secrets', () => {
  test('neither the token nor the client secret appears in logs or errors', async () => {
    const { logger, lines } = captureLogger();
    const c = emulatorClient(emu, redis, prefix, { logger });
    const errors: string[] = [];
    await c.listTests({});
    const first = await sharedToken(redis, prefix);
    const outOfBand = emu.issueTokenOutOfBand();
    await c.listTests({});
    const second = await sharedToken(redis, prefix);
    emu.inject5xx(1);
    emu.inject429(1, 0);
    await c.listTests({});
    await c
      .listTestEntities('missing')
      .catch((e: Error) => errors.push(`${e.name}: ${e.message} ${e.stack}`));
    emu.injectMalformed(1, 'json');
    await c.listTests({}).catch((e: Error) => errors.push(`${e.name}: ${e.message} ${e.stack}`));

    expect(first && second && first !== second).toBeTruthy();
    const text = [...lines, ...errors].join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(errors).toHaveLength(2);
    for (const secret of [first!, second!, outOfBand, APP.clientSecret]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/bearer\s+vat_/i);
  });
});

test('a 429 from the token endpoint is not waited out under the refresh lock', async () => {
  await emu.stop();
  emu = await startVantaEmulator({ tokenRequestsPerMinute: 1 });
  const c = emulatorClient(emu, redis, prefix);
  await c.listTests({});
  emu.issueTokenOutOfBand(); // out of band: does not count against the emulator's token window
  const d = emulatorClient(emu, redis, `${uniqueName('vanta-client')}:`); // separate budget keys
  await expect(d.listTests({})).rejects.toBeInstanceOf(RequestBudgetExhaustedError);
  expect(emu.requestLog.filter((r) => r.path === '/oauth/token').map((r) => r.status)).toEqual([200, 429]);
});
