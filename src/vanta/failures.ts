/**
 * Vanta failures: lists NEEDS_ATTENTION tests and their FAILING entities and normalises each entity
 * into a Failure (key "vanta:<testId>:<entityId>"); checks whether one failure is still present;
 * optionally deactivates an entity (write-back, off by default).
 *
 * With `skipUnchanged`, a test whose `lastTestRunDate` equals the one seen at the previous poll is
 * not re-fetched: its failing entities come from the Redis cache written at that poll, so the
 * returned list stays complete either way.
 */
import type { Failure, FailureResource, Severity } from '../contracts';
import { ConfigError, InvalidFailureError } from '../errors';
import type { VantaApi } from './api';
import { VantaHttpError } from './errors';
import type { VantaEntity, VantaTest } from './schemas';

export interface ListFailuresOptions {
  /** Vanta web app origin used for `testUrl` (default https://app.vanta.com). */
  appUrl?: string;
  integrationFilter?: string;
  frameworkFilter?: string;
  categoryFilter?: string;
  /** Page size for both lists (Vanta allows at most 100). */
  pageSize?: number;
  /** Reuse the cached entity list of tests whose lastTestRunDate has not changed. */
  skipUnchanged?: boolean;
  /** TTL of the per-test entity cache in seconds (default 7 days). */
  cacheTtlSec?: number;
  /** Severity per test id; wins over the built-in table. */
  severityOverrides?: Record<string, Severity>;
  /** How many tests' entity lists are fetched at once (default 2). */
  concurrency?: number;
}

export interface ListFailuresStats {
  tests: number;
  testsFetched: number;
  testsFromCache: number;
  failures: number;
}

/** Severities for well-known AWS tests; others get none unless configured. */
export const KNOWN_TEST_SEVERITY: Readonly<Record<string, Severity>> = {
  'aws-s3-public-access-blocked': 'critical',
  'infra-ec2instances-imdsv1-disabled': 'high',
  'cloudtrail-log-file-validation': 'high',
  'infra-activity-tracked-config': 'high',
  'firewall-config-server': 'high',
  'flow-logs-on-config': 'medium',
  'aws-dynamodb-pitr-backups': 'medium',
  'aws-rds-multi-az-redundancy': 'medium',
  'logs-retained-for-twelve-months-config': 'medium',
  'load-balancer-http-to-https': 'medium',
};

const MAX_TEXT = 16_000;
const MAX_NAME = 1_024;

/** Removes control characters and bounds the length of untrusted text from Vanta. */
function clean(v: unknown, max: number): string | undefined {
  if (typeof v !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const s = v.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
  if (!s) return undefined;
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

const ARN_RE = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/;

/** Optional ARN / account / region carried by some entity payloads (validated, else dropped). */
function extraResourceFields(e: Record<string, unknown>): Partial<FailureResource> {
  const out: Partial<FailureResource> = {};
  const arn = clean(e.arn ?? e.resourceArn, MAX_NAME);
  if (arn && ARN_RE.test(arn)) {
    out.arn = arn;
    const parts = arn.split(':');
    if (parts[3]) out.region = parts[3];
    if (parts[4]) out.accountId = parts[4];
  }
  const account = clean(e.accountId, 32);
  if (account && /^\d{12}$/.test(account)) out.accountId = account;
  const region = clean(e.region, 32);
  if (region && /^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) out.region = region;
  return out;
}

/** The Vanta web page of a test (used for the PR's `Fixes:` line). */
export function vantaTestUrl(appUrl: string, testId: string): string {
  return `${new URL(appUrl).origin}/tests/${encodeURIComponent(testId)}`;
}

/** The stable dedupe key of a failing entity. */
export function vantaFailureKey(testId: string, entityId: string): string {
  return `vanta:${testId}:${entityId}`;
}

/** Normalises one failing entity of one test into a Failure. */
export function toFailure(
  test: VantaTest,
  entity: VantaEntity,
  opts: Pick<ListFailuresOptions, 'appUrl' | 'frameworkFilter' | 'severityOverrides'> = {},
): Failure {
  const severity = opts.severityOverrides?.[test.id] ?? KNOWN_TEST_SEVERITY[test.id];
  const rawFrameworks = (test as Record<string, unknown>).frameworks;
  const frameworks = opts.frameworkFilter
    ? [opts.frameworkFilter]
    : Array.isArray(rawFrameworks)
      ? rawFrameworks.filter((f): f is string => typeof f === 'string').slice(0, 20)
      : undefined;
  const resource: FailureResource = {
    displayName: clean(entity.displayName, MAX_NAME),
    responseType: clean(entity.responseType, 200),
    ...extraResourceFields(entity as Record<string, unknown>),
  };
  const f: Failure = {
    key: vantaFailureKey(test.id, entity.id),
    source: 'vanta',
    testId: test.id,
    testName: clean(test.name, MAX_NAME),
    testUrl: vantaTestUrl(opts.appUrl ?? 'https://app.vanta.com', test.id),
    resource,
    description: clean(test.failureDescription, MAX_TEXT) ?? clean(test.description, MAX_TEXT),
    remediation: clean(test.remediationDescription, MAX_TEXT),
    detectedAt: entity.lastUpdatedDate ?? entity.createdDate ?? test.latestFlipDate ?? undefined,
  };
  if (severity) f.severity = severity;
  if (frameworks && frameworks.length > 0) f.frameworks = frameworks;
  for (const k of Object.keys(f) as (keyof Failure)[]) if (f[k] === undefined) delete f[k];
  for (const k of Object.keys(resource) as (keyof FailureResource)[])
    if (resource[k] === undefined) delete resource[k];
  return f;
}

interface CachedTest {
  lastTestRunDate: string;
  entities: VantaEntity[];
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Every current Vanta failure as a Failure, sorted by key; `stats` says what was fetched. */
export async function listFailuresWithStats(
  client: VantaApi,
  opts: ListFailuresOptions = {},
): Promise<{ failures: Failure[]; stats: ListFailuresStats }> {
  const pageSize = opts.pageSize ?? 100;
  const tests = await client.listTests({
    statusFilter: 'NEEDS_ATTENTION',
    integrationFilter: opts.integrationFilter,
    frameworkFilter: opts.frameworkFilter,
    categoryFilter: opts.categoryFilter,
    pageSize,
  });
  const stats: ListFailuresStats = { tests: tests.length, testsFetched: 0, testsFromCache: 0, failures: 0 };
  const ttl = opts.cacheTtlSec ?? 7 * 24 * 3600;
  const perTest = await mapLimit(tests, opts.concurrency ?? 2, async (test) => {
    const cacheKey = client.redisKey(`poll:${client.appId}:test:${test.id}`);
    if (opts.skipUnchanged && test.lastTestRunDate) {
      const raw = await client.redis.get(cacheKey);
      if (raw) {
        try {
          const cached = JSON.parse(raw) as CachedTest;
          if (cached.lastTestRunDate === test.lastTestRunDate && Array.isArray(cached.entities)) {
            stats.testsFromCache += 1;
            return { test, entities: cached.entities };
          }
        } catch {
          /* a corrupt cache entry is refetched */
        }
      }
    }
    const entities = await client.listTestEntities(test.id, { entityStatus: 'FAILING', pageSize });
    stats.testsFetched += 1;
    if (test.lastTestRunDate) {
      const rec: CachedTest = { lastTestRunDate: test.lastTestRunDate, entities };
      await client.redis.set(cacheKey, JSON.stringify(rec), 'EX', ttl);
    }
    return { test, entities };
  });
  const byKey = new Map<string, Failure>();
  for (const { test, entities } of perTest) {
    for (const e of entities) {
      if (e.entityStatus !== 'FAILING') continue;
      const f = toFailure(test, e, opts);
      byKey.set(f.key, f);
    }
  }
  const failures = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  stats.failures = failures.length;
  return { failures, stats };
}

/** Every current Vanta failure as a Failure, sorted by key. */
export async function listFailures(client: VantaApi, opts: ListFailuresOptions = {}): Promise<Failure[]> {
  return (await listFailuresWithStats(client, opts)).failures;
}

/** Splits a Vanta failure key into test and entity ids (the test id comes from `failure.testId`). */
export function parseVantaKey(failure: Pick<Failure, 'key' | 'testId'>): {
  testId: string;
  entityId: string;
} {
  const prefix = `vanta:${failure.testId}:`;
  if (!failure.key.startsWith(prefix) || failure.key.length === prefix.length) {
    throw new InvalidFailureError(`not a Vanta failure key for test ${failure.testId}: ${failure.key}`);
  }
  return { testId: failure.testId, entityId: failure.key.slice(prefix.length) };
}

/**
 * Whether Vanta still reports the failure's entity as FAILING for its test. A test or entity Vanta
 * no longer knows (404) counts as not present.
 */
export async function isFailurePresent(
  client: VantaApi,
  failure: Pick<Failure, 'key' | 'testId'>,
  opts: { pageSize?: number } = {},
): Promise<boolean> {
  const { testId, entityId } = parseVantaKey(failure);
  try {
    const entities = await client.listTestEntities(testId, {
      entityStatus: 'FAILING',
      pageSize: opts.pageSize ?? 100,
    });
    return entities.some((e) => e.id === entityId);
  } catch (err) {
    if (err instanceof VantaHttpError && err.status === 404) return false;
    throw err;
  }
}

export interface DeactivateEntityInput {
  testId: string;
  entityId: string;
  /** Shown in Vanta as the deactivation reason (required, non-empty). */
  reason: string;
  /** ISO date-time until which the entity stays deactivated; indefinitely when omitted. */
  until?: string;
}

/**
 * Write-back: deactivates a test entity in Vanta (`POST /v1/tests/{testId}/entities/{entityId}/deactivate`,
 * body `{deactivateReason, deactivateUntilDate?}`, 202). Needs VANTA_WRITE_BACK=true, which also
 * makes the client ask for the `vanta-api.all:write` scope.
 */
export async function deactivateEntity(
  client: VantaApi,
  input: DeactivateEntityInput,
  opts: { writeBack: boolean },
): Promise<void> {
  if (!opts.writeBack) {
    throw new ConfigError('Vanta write-back is disabled: set VANTA_WRITE_BACK=true to deactivate entities');
  }
  const reason = input.reason.trim().slice(0, 1000);
  if (!reason) throw new ConfigError('a deactivation reason is required');
  if (input.until !== undefined && Number.isNaN(Date.parse(input.until))) {
    throw new ConfigError(`deactivation "until" must be an ISO date-time (got ${input.until})`);
  }
  const body: Record<string, string> = { deactivateReason: reason };
  if (input.until) body.deactivateUntilDate = new Date(input.until).toISOString();
  await client.request(
    'POST',
    `/v1/tests/${encodeURIComponent(input.testId)}/entities/${encodeURIComponent(input.entityId)}/deactivate`,
    { body },
  );
}
