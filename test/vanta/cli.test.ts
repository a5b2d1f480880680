/** `terrafix vanta failures` as a function: emulator over HTTP, harness Redis. */
import { testRedis, testRedisUrl, uniqueName } from '../harness/env';
import { startVantaEmulator, type VantaEmulator } from '../../src/sandbox/emulators/vantaEmulator';
import { runVantaFailures } from '../../src/cli/commands/vanta';
import { listFailures, type VantaApi } from '../../src/vanta';
import type { Failure } from '../../src/contracts';
import { APP, captureLogger, emulatorClient } from './helpers';

let emu: VantaEmulator;
beforeAll(async () => {
  emu = await startVantaEmulator();
});
afterAll(async () => {
  await emu.stop();
});

const env = () => ({
  VANTA_CLIENT_ID: APP.clientId,
  VANTA_CLIENT_SECRET: APP.clientSecret,
  VANTA_API_URL: emu.url,
  VANTA_APP_URL: 'https://app.vanta.example',
  REDIS_URL: testRedisUrl(),
  GITHUB_APP_ID: 'not-a-number', // unrelated and invalid: must not block this command
});

test('--json prints the Failure array that listFailures returns', async () => {
  const prefix = `${uniqueName('vanta-cli')}:`;
  const { logger, lines } = captureLogger();
  const r = await runVantaFailures({ json: true }, env(), { logger, keyPrefix: prefix });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const printed = JSON.parse(r.stdout) as Failure[];
  expect(printed.length).toBe(6);
  expect(printed.every((f) => f.source === 'vanta' && f.key.startsWith(`vanta:${f.testId}:`))).toBe(true);
  expect(printed[0].testUrl).toMatch(/^https:\/\/app\.vanta\.example\/tests\//);

  const redis = testRedis();
  try {
    const client: VantaApi = emulatorClient(emu, redis, prefix);
    const direct = await listFailures(client, {
      integrationFilter: 'aws',
      appUrl: 'https://app.vanta.example',
    });
    expect(printed).toEqual(direct);
  } finally {
    await redis.quit();
  }
  expect(lines.join('')).toContain('listed Vanta failures');
});

test('without --json prints a table and a count', async () => {
  const { logger } = captureLogger();
  const r = await runVantaFailures({}, env(), { logger, keyPrefix: `${uniqueName('vanta-cli')}:` });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('critical');
  expect(r.stdout).toContain('acme-prod-logs (S3 bucket)');
  expect(r.stdout).toContain('key: vanta:aws-s3-public-access-blocked:ent-s3-logs');
  expect(r.stdout).toMatch(/\n6 failing entities\n$/);
});

test('missing Vanta credentials is a configuration error (exit 2) naming the variables', async () => {
  const { VANTA_CLIENT_ID: _id, VANTA_CLIENT_SECRET: _secret, ...rest } = env();
  const r = await runVantaFailures({ json: true }, rest, { logger: captureLogger().logger });
  expect(r.exitCode).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/ConfigError: .*VANTA_CLIENT_ID.*VANTA_API_TOKEN/s);
});

test('an API failure exits 1 with the error, never the secret', async () => {
  const r = await runVantaFailures(
    { json: true },
    { ...env(), VANTA_CLIENT_SECRET: 'a-wrong-secret-123' },
    { logger: captureLogger().logger, keyPrefix: `${uniqueName('vanta-cli')}:` },
  );
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/PermanentApiError: .*401/);
  expect(r.stderr).not.toContain('a-wrong-secret-123');
});
