/** listFailures / isFailurePresent / deactivateEntity against the emulator over real HTTP. */
import type Redis from 'ioredis';
import { vantaActivities } from '../../src/activities/vanta';
import { testRedis, uniqueName } from '../harness/env';
import {
  generateSeed,
  startVantaEmulator,
  type VantaEmulator,
} from '../../src/sandbox/emulators/vantaEmulator';
import { loadConfig } from '../../src/config';
import {
  vantaServicesFromConfig,
  deactivateEntity,
  isFailurePresent,
  listFailures,
  listFailuresWithStats,
  toFailure,
  VANTA_READ_SCOPE,
  VANTA_WRITE_SCOPE,
} from '../../src/vanta';
import { APP, captureLogger, emulatorClient } from './helpers';

let redis: Redis;
let emu: VantaEmulator | undefined;
let prefix: string;

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = `${uniqueName('vanta-failures')}:`;
});
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

const apiLog = (e: VantaEmulator) => e.requestLog.filter((r) => r.path.startsWith('/v1/'));

test('normalises the default seed into Failures (documented shape, passing entities and non-AWS tests excluded)', async () => {
  emu = await startVantaEmulator();
  const c = emulatorClient(emu, redis, prefix);
  const failures = await listFailures(c, { integrationFilter: 'aws', appUrl: 'https://app.vanta.com' });
  expect(failures.map((f) => f.key)).toEqual([
    'vanta:aws-dynamodb-pitr-backups:ent-ddb-orders',
    'vanta:aws-rds-multi-az-redundancy:ent-rds-main',
    'vanta:aws-s3-public-access-blocked:ent-s3-assets',
    'vanta:aws-s3-public-access-blocked:ent-s3-logs',
    'vanta:cloudtrail-log-file-validation:ent-trail-main',
    'vanta:infra-ec2instances-imdsv1-disabled:ent-ec2-bastion',
  ]);
  const s3 = failures.find((f) => f.key.endsWith('ent-s3-logs'))!;
  expect(s3).toEqual({
    key: 'vanta:aws-s3-public-access-blocked:ent-s3-logs',
    source: 'vanta',
    testId: 'aws-s3-public-access-blocked',
    testName: 'S3 buckets block public access',
    testUrl: 'https://app.vanta.com/tests/aws-s3-public-access-blocked',
    severity: 'critical',
    resource: { displayName: 'acme-prod-logs', responseType: 'S3 bucket' },
    description: 'One or more S3 buckets do not block public access.',
    remediation: expect.stringContaining('aws_s3_bucket_public_access_block'),
    detectedAt: expect.any(String),
  });
});

test('filters are passed through to GET /v1/tests and entities are asked for FAILING only', async () => {
  emu = await startVantaEmulator();
  const c = emulatorClient(emu, redis, prefix);
  const failures = await listFailures(c, {
    integrationFilter: 'aws',
    frameworkFilter: 'hipaa',
    categoryFilter: 'INFRASTRUCTURE',
  });
  expect(failures.map((f) => f.key)).toEqual(['vanta:aws-rds-multi-az-redundancy:ent-rds-main']);
  expect(failures[0].frameworks).toEqual(['hipaa']);
  const [list, entities] = apiLog(emu);
  expect(list.query).toEqual({
    statusFilter: 'NEEDS_ATTENTION',
    integrationFilter: 'aws',
    frameworkFilter: 'hipaa',
    categoryFilter: 'INFRASTRUCTURE',
    pageSize: '100',
  });
  expect(entities.path).toBe('/v1/tests/aws-rds-multi-az-redundancy/entities');
  expect(entities.query).toEqual({ entityStatus: 'FAILING', pageSize: '100' });
});

test('follows cursors to the end on both lists', async () => {
  emu = await startVantaEmulator({ seed: generateSeed({ tests: 7, entitiesPerTest: 23 }) });
  const c = emulatorClient(emu, redis, prefix);
  const failures = await listFailures(c, { pageSize: 5 });
  expect(failures).toHaveLength(7 * 23);
  expect(new Set(failures.map((f) => f.key)).size).toBe(7 * 23);
  const log = apiLog(emu);
  expect(log.filter((r) => r.path === '/v1/tests')).toHaveLength(2);
  const ent = log.filter((r) => r.path === '/v1/tests/gen-test-003/entities');
  expect(ent).toHaveLength(5);
  expect(ent[0].query.pageCursor).toBeUndefined();
  expect(ent.slice(1).every((r) => typeof r.query.pageCursor === 'string')).toBe(true);
  expect(new Set(ent.map((r) => r.query.pageCursor)).size).toBe(5);
});

test('done-when: 500 failing entities over 20 tests -> 500 Failures with stable keys, within the request budget', async () => {
  emu = await startVantaEmulator({ seed: generateSeed({ tests: 20, entitiesPerTest: 25 }) });
  const budget = 50;
  const c = emulatorClient(emu, redis, prefix, { requestsPerMinute: budget });
  const first = await listFailures(c, { integrationFilter: 'aws' });
  expect(first).toHaveLength(500);
  expect(new Set(first.map((f) => f.key)).size).toBe(500);
  expect(first.every((f) => /^vanta:gen-test-\d{3}:gen-test-\d{3}-ent-\d{4}$/.test(f.key))).toBe(true);
  expect(c.requestCount).toBe(21); // 1 tests page + 20 entity pages
  expect(apiLog(emu)).toHaveLength(21);
  expect(c.requestCount).toBeLessThanOrEqual(budget);
  expect(c.metrics.budgetWaitMs).toBe(0);

  const second = await listFailures(emulatorClient(emu, redis, prefix), { integrationFilter: 'aws' });
  expect(second.map((f) => f.key)).toEqual(first.map((f) => f.key));
  expect(emu.tokensIssued).toBe(1);
});

test('the 500-entity poll survives a 15% random 429/5xx fault rate', async () => {
  emu = await startVantaEmulator({ seed: generateSeed({ tests: 20, entitiesPerTest: 25 }), faultRate: 0.15 });
  const c = emulatorClient(emu, redis, prefix, {
    sleep: () => Promise.resolve(), // Retry-After: 1 is honoured by the client; the test skips the wait
    maxRetries: 8,
    max429Retries: 8,
  });
  const failures = await listFailures(c);
  expect(failures).toHaveLength(500);
  expect(c.requestCount).toBe(apiLog(emu).length);
});

test('skipUnchanged re-fetches only tests whose lastTestRunDate changed, and still reports every failure', async () => {
  emu = await startVantaEmulator({ seed: generateSeed({ tests: 5, entitiesPerTest: 4 }) });
  const c = emulatorClient(emu, redis, prefix);
  const a = await listFailuresWithStats(c, { skipUnchanged: true });
  expect(a.stats).toMatchObject({ tests: 5, testsFetched: 5, testsFromCache: 0, failures: 20 });

  emu.setFailing('gen-test-002', ['gen-test-002-ent-0000']);
  const before = c.requestCount;
  const b = await listFailuresWithStats(c, { skipUnchanged: true });
  expect(b.stats).toMatchObject({ tests: 5, testsFetched: 1, testsFromCache: 4, failures: 17 });
  expect(c.requestCount - before).toBe(2);
  expect(b.failures.filter((f) => f.testId === 'gen-test-002').map((f) => f.key)).toEqual([
    'vanta:gen-test-002:gen-test-002-ent-0000',
  ]);
  expect(b.failures.filter((f) => f.testId !== 'gen-test-002')).toEqual(
    a.failures.filter((f) => f.testId !== 'gen-test-002'),
  );

  emu.setFailing('gen-test-004', []); // the test passes: it leaves NEEDS_ATTENTION altogether
  const d = await listFailuresWithStats(c, { skipUnchanged: true });
  expect(d.stats.tests).toBe(4);
  expect(d.failures.some((f) => f.testId === 'gen-test-004')).toBe(false);
});

test('isFailurePresent follows the entity over time', async () => {
  emu = await startVantaEmulator();
  const c = emulatorClient(emu, redis, prefix);
  const [f] = (await listFailures(c)).filter((x) => x.key.endsWith('ent-s3-logs'));
  expect(await isFailurePresent(c, f)).toBe(true);
  emu.setFailing('aws-s3-public-access-blocked', ['ent-s3-assets']);
  expect(await isFailurePresent(c, f)).toBe(false);
  emu.setFailing('aws-s3-public-access-blocked', ['ent-s3-assets', 'ent-s3-logs']);
  expect(await isFailurePresent(c, f)).toBe(true);
  emu.removeEntity('aws-s3-public-access-blocked', 'ent-s3-logs');
  expect(await isFailurePresent(c, f)).toBe(false);
  expect(await isFailurePresent(c, { testId: 'gone-test', key: 'vanta:gone-test:e1' })).toBe(false);
  await expect(isFailurePresent(c, { testId: 'a', key: 'file:x' })).rejects.toThrow(
    /not a Vanta failure key/,
  );
});

test('deactivateEntity is gated by VANTA_WRITE_BACK, needs the write scope, and sends the documented body', async () => {
  emu = await startVantaEmulator();
  const input = {
    testId: 'aws-rds-multi-az-redundancy',
    entityId: 'ent-rds-main',
    reason: "won't fix: dev database",
  };
  const readOnly = emulatorClient(emu, redis, prefix);
  await expect(deactivateEntity(readOnly, input, { writeBack: false })).rejects.toThrow(/VANTA_WRITE_BACK/);
  const denied = (await deactivateEntity(readOnly, input, { writeBack: true }).catch(
    (e: unknown) => e,
  )) as Error;
  expect(denied.name).toBe('PermanentApiError');
  expect(denied.message).toMatch(/403/);

  const writePrefix = `${uniqueName('vanta-write')}:`;
  const writer = emulatorClient(emu, redis, writePrefix, {
    credentials: { ...APP, scope: `${VANTA_READ_SCOPE} ${VANTA_WRITE_SCOPE}` },
  });
  await deactivateEntity(writer, { ...input, until: '2030-01-01T00:00:00Z' }, { writeBack: true });
  expect(emu.deactivations).toEqual([{ ...input, until: '2030-01-01T00:00:00.000Z' }]);
  const posts = emu.requestLog.filter((r) => r.method === 'POST' && r.path.endsWith('/deactivate'));
  expect(posts.map((r) => r.status)).toEqual([403, 202]);
  expect(
    await isFailurePresent(writer, { testId: input.testId, key: `vanta:${input.testId}:${input.entityId}` }),
  ).toBe(false);
});

test('toFailure treats Vanta text as untrusted: control characters stripped, sizes bounded, bad ARNs dropped', () => {
  const f = toFailure(
    {
      id: 't1',
      name: 'Name\u0000\u001b[31m',
      status: 'NEEDS_ATTENTION',
      remediationDescription: 'x'.repeat(20_000),
    },
    {
      id: 'e1',
      entityStatus: 'FAILING',
      displayName: '  bucket\u0007-a  ',
      responseType: 'S3 bucket',
      arn: 'not-an-arn',
      region: 'us-east-1',
    } as never,
  );
  expect(f.testName).toBe('Name[31m');
  expect(f.resource).toEqual({ displayName: 'bucket-a', responseType: 'S3 bucket', region: 'us-east-1' });
  expect(f.remediation!.length).toBeLessThanOrEqual(16_001);
  const g = toFailure({ id: 't1', name: 'n', status: 'NEEDS_ATTENTION' }, {
    id: 'e1',
    entityStatus: 'FAILING',
    arn: 'arn:aws:s3:eu-west-1:123456789012:thing/x',
  } as never);
  expect(g.resource).toEqual({
    arn: 'arn:aws:s3:eu-west-1:123456789012:thing/x',
    region: 'eu-west-1',
    accountId: '123456789012',
  });
});

test('the Vanta activities (listFailures / failureStillPresent) are built from the environment config', async () => {
  emu = await startVantaEmulator();
  const config = loadConfig({
    VANTA_CLIENT_ID: APP.clientId,
    VANTA_CLIENT_SECRET: APP.clientSecret,
    VANTA_API_URL: emu.url,
    VANTA_FRAMEWORK_FILTER: 'hipaa',
  });
  const stages = vantaActivities(
    vantaServicesFromConfig(config, { redis, logger: captureLogger().logger }, { keyPrefix: prefix }),
  );
  const failures = await stages.listFailures();
  expect(failures.map((f) => f.key)).toEqual(['vanta:aws-rds-multi-az-redundancy:ent-rds-main']);
  expect(failures[0].testUrl).toBe('https://app.vanta.com/tests/aws-rds-multi-az-redundancy');
  expect(await stages.failureStillPresent({ failure: failures[0] })).toBe(true);
  emu.setFailing('aws-rds-multi-az-redundancy', []);
  expect(await stages.failureStillPresent({ failure: failures[0] })).toBe(false);
  await expect(
    stages.failureStillPresent({ failure: { ...failures[0], source: 'file', key: 'file:abc' } }),
  ).rejects.toThrow(/not a Vanta failure key/);
});
