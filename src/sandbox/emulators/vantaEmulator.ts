/**
 * A local emulator of the Manage Vanta REST API (the parts TerraFix uses), on plain node:http.
 *
 * Faithful to Vanta's sharp edges: one live OAuth token per application (issuing a new one revokes
 * the old one at once, so the old one gets 401), 5 token requests per minute, a per-application
 * request limit answered with 429 + Retry-After, cursor paging (`results.pageInfo.endCursor` ->
 * `pageCursor`), pageSize capped at 100. Test hooks inject 429s, 5xx, malformed bodies, latency and a
 * random fault rate, and change which entities fail over time.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import defaultSeedJson from './vanta-seed/default.json';

export type EntityStatus = 'FAILING' | 'PASSING' | 'DEACTIVATED';

export interface EmulatorEntity {
  id: string;
  displayName: string;
  responseType: string;
  entityStatus?: EntityStatus;
  createdDate?: string;
  lastUpdatedDate?: string;
}

export interface EmulatorTest {
  id: string;
  name: string;
  description?: string;
  failureDescription?: string;
  remediationDescription?: string;
  category?: string;
  integrations?: string[];
  /** Emulator-only: the framework ids that `frameworkFilter` matches. */
  frameworks?: string[];
  /** Overrides the status computed from the entities (NEEDS_ATTENTION if any entity fails, else OK). */
  status?: string;
  lastTestRunDate?: string;
  entities: EmulatorEntity[];
}

export interface VantaSeed {
  applications?: { clientId: string; clientSecret: string }[];
  tests: EmulatorTest[];
}

export interface VantaEmulatorOptions {
  /** A seed object, a path to a seed JSON file, or several of either (merged). Default: vanta-seed/default.json. */
  seed?: VantaSeed | string | (VantaSeed | string)[];
  port?: number;
  /** Token lifetime in seconds (Vanta: 3600). */
  tokenTtlSec?: number;
  /** Token requests allowed per client per minute (Vanta: 5). */
  tokenRequestsPerMinute?: number;
  /** API requests allowed per application per minute (Vanta: about 100); beyond it, 429. */
  requestsPerMinute?: number;
  /** Retry-After (seconds) sent with rate-limit 429s. */
  rateLimitRetryAfterSec?: number;
  /** Latency added to every response, ms. */
  latencyMs?: number;
  /** Probability (0..1) that an API request gets a random 429 (Retry-After 1) or 503. */
  faultRate?: number;
  /** Static tokens accepted in addition to OAuth ones (the VANTA_API_TOKEN mode). */
  staticTokens?: string[];
}

export interface EmulatorRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: number;
  /** Which application's token was presented (client id), if a valid one. */
  clientId?: string;
}

export interface VantaEmulator {
  url: string;
  stop(): Promise<void>;
  /** Every request received, in order (no tokens or secrets recorded). */
  readonly requestLog: EmulatorRequest[];
  /** Tokens issued so far by the token endpoint. */
  readonly tokensIssued: number;
  /** API requests (under /v1) received so far. */
  apiRequestCount(): number;
  /** Makes exactly `entityIds` fail for the test (others pass); bumps lastTestRunDate. */
  setFailing(testId: string, entityIds: string[]): void;
  /** Removes an entity altogether (e.g. the resource was deleted). */
  removeEntity(testId: string, entityId: string): void;
  /** Adds or replaces a test. */
  upsertTest(test: EmulatorTest): void;
  /** Records a new test run without changing results (bumps lastTestRunDate). */
  runTest(testId: string): void;
  /** The next `n` API requests get 429 with the given Retry-After (seconds; omit for none). */
  inject429(n: number, retryAfterSec?: number): void;
  /** The next `n` API requests get the given 5xx status (default 503). */
  inject5xx(n: number, status?: number): void;
  /** The next `n` successful API responses are corrupted: invalid JSON, or a wrong field type. */
  injectMalformed(n: number, kind: 'json' | 'shape'): void;
  setLatency(ms: number): void;
  setFaultRate(rate: number): void;
  /** Issues a token outside TerraFix (like another script using the same app), revoking the live one. */
  issueTokenOutOfBand(clientId?: string): string;
  /** Entity deactivations received through the write API. */
  readonly deactivations: { testId: string; entityId: string; reason: string; until?: string }[];
  /** The live token state, for assertions (no token values). */
  tokenState(clientId?: string): { generation: number; expiresAt: number } | undefined;
}

interface LiveToken {
  token: string;
  clientId: string;
  scope: string;
  expiresAt: number;
  generation: number;
}

const DEFAULT_APP = { clientId: 'terrafix-demo-client', clientSecret: 'terrafix-demo-secret' };

function loadSeed(seed: VantaEmulatorOptions['seed']): VantaSeed {
  const parts = seed === undefined ? [defaultSeedJson as VantaSeed] : Array.isArray(seed) ? seed : [seed];
  const out: VantaSeed = { applications: [], tests: [] };
  for (const p of parts) {
    const s: VantaSeed = typeof p === 'string' ? (JSON.parse(fs.readFileSync(p, 'utf8')) as VantaSeed) : p;
    out.applications!.push(...(s.applications ?? []));
    out.tests.push(...structuredClone(s.tests));
  }
  if (out.applications!.length === 0) out.applications!.push(DEFAULT_APP);
  return out;
}

/** A seed with `tests` AWS tests of `entitiesPerTest` failing S3-bucket entities each (for load tests). */
export function generateSeed(opts: {
  tests: number;
  entitiesPerTest: number;
  integration?: string;
}): VantaSeed {
  const tests: EmulatorTest[] = [];
  for (let t = 0; t < opts.tests; t++) {
    const id = `gen-test-${String(t).padStart(3, '0')}`;
    tests.push({
      id,
      name: `Generated test ${t}`,
      description: `Generated test ${t} for load tests`,
      failureDescription: 'Generated failure',
      remediationDescription: 'Fix the generated resource.',
      category: 'INFRASTRUCTURE',
      integrations: [opts.integration ?? 'aws'],
      frameworks: ['soc2'],
      entities: Array.from({ length: opts.entitiesPerTest }, (_, e) => ({
        id: `${id}-ent-${String(e).padStart(4, '0')}`,
        displayName: `bucket-${t}-${e}`,
        responseType: 'S3 bucket',
        entityStatus: 'FAILING' as const,
      })),
    });
  }
  return { tests };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}
function decodeCursor(c: string): number | undefined {
  const m = /^offset:(\d+)$/.exec(Buffer.from(c, 'base64url').toString());
  return m ? Number(m[1]) : undefined;
}

function testStatus(t: EmulatorTest): string {
  if (t.status) return t.status;
  return t.entities.some((e) => (e.entityStatus ?? 'FAILING') === 'FAILING') ? 'NEEDS_ATTENTION' : 'OK';
}

/** Starts the emulator on 127.0.0.1 (a free port unless `port` is given). */
export async function startVantaEmulator(opts: VantaEmulatorOptions = {}): Promise<VantaEmulator> {
  const seed = loadSeed(opts.seed);
  const apps = new Map(seed.applications!.map((a) => [a.clientId, a.clientSecret]));
  const tests = new Map<string, EmulatorTest>();
  const now0 = new Date().toISOString();
  for (const t of seed.tests) tests.set(t.id, { ...t, lastTestRunDate: t.lastTestRunDate ?? now0 });
  const tokenTtlSec = opts.tokenTtlSec ?? 3600;
  const tokenRpm = opts.tokenRequestsPerMinute ?? 5;
  const apiRpm = opts.requestsPerMinute ?? 100;
  const staticTokens = new Set(opts.staticTokens ?? []);
  let latencyMs = opts.latencyMs ?? 0;
  let faultRate = opts.faultRate ?? 0;
  let pending429: { n: number; retryAfter?: number } = { n: 0 };
  let pending5xx = { n: 0, status: 503 };
  let pendingMalformed: { n: number; kind: 'json' | 'shape' } = { n: 0, kind: 'json' };
  const live = new Map<string, LiveToken>();
  const generations = new Map<string, number>();
  const tokenCalls = new Map<string, number[]>();
  const apiCalls = new Map<string, number[]>();
  const requestLog: EmulatorRequest[] = [];
  const deactivations: VantaEmulator['deactivations'] = [];
  let tokensIssued = 0;
  let apiRequests = 0;

  const windowCount = (m: Map<string, number[]>, key: string, now: number): number[] => {
    const arr = (m.get(key) ?? []).filter((t) => t > now - 60_000);
    m.set(key, arr);
    return arr;
  };

  function issue(clientId: string, scope: string): LiveToken {
    const generation = (generations.get(clientId) ?? 0) + 1;
    generations.set(clientId, generation);
    const tok: LiveToken = {
      token: `vat_${randomBytes(24).toString('base64url')}`,
      clientId,
      scope,
      expiresAt: Date.now() + tokenTtlSec * 1000,
      generation,
    };
    live.set(clientId, tok); // one live token per application: the old one is revoked
    tokensIssued += 1;
    return tok;
  }

  function authenticate(req: http.IncomingMessage): LiveToken | 'static' | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    if (staticTokens.has(m[1])) return 'static';
    for (const t of live.values()) {
      if (t.token === m[1] && t.expiresAt > Date.now()) return t;
    }
    return undefined;
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function page<T>(items: T[], query: URLSearchParams): { status: number; body: unknown } {
    const sizeRaw = query.get('pageSize');
    const size = sizeRaw === null ? 10 : Number(sizeRaw);
    if (!Number.isInteger(size) || size < 1 || size > 100) {
      return {
        status: 400,
        body: { error: 'invalid_request', message: 'pageSize must be an integer between 1 and 100' },
      };
    }
    const cursor = query.get('pageCursor');
    const offset = cursor ? decodeCursor(cursor) : 0;
    if (offset === undefined)
      return { status: 400, body: { error: 'invalid_request', message: 'invalid pageCursor' } };
    const data = items.slice(offset, offset + size);
    const end = offset + data.length;
    return {
      status: 200,
      body: {
        results: {
          pageInfo: {
            startCursor: encodeCursor(offset),
            endCursor: data.length > 0 ? encodeCursor(end) : null,
            hasNextPage: end < items.length,
            hasPreviousPage: offset > 0,
          },
          data,
        },
      },
    };
  }

  function renderTest(t: EmulatorTest) {
    const failing = t.entities.filter((e) => (e.entityStatus ?? 'FAILING') === 'FAILING').length;
    return {
      id: t.id,
      name: t.name,
      lastTestRunDate: t.lastTestRunDate,
      latestFlipDate: t.lastTestRunDate,
      description: t.description ?? '',
      failureDescription: t.failureDescription ?? '',
      remediationDescription: t.remediationDescription ?? '',
      remediationStatusInfo: {
        status: failing > 0 ? 'IN_PROGRESS' : 'NOT_APPLICABLE',
        soonestRemediateByDate: null,
        itemCount: failing,
      },
      version: { major: 1, minor: 0 },
      category: t.category ?? 'INFRASTRUCTURE',
      integrations: t.integrations ?? [],
      status: testStatus(t),
      deactivatedStatusInfo: { isDeactivated: false, deactivatedReason: null, lastUpdatedDate: null },
      owner: null,
    };
  }

  function renderEntity(e: EmulatorEntity) {
    return {
      id: e.id,
      entityStatus: e.entityStatus ?? 'FAILING',
      displayName: e.displayName,
      responseType: e.responseType,
      deactivatedReason: null,
      lastUpdatedDate: e.lastUpdatedDate ?? now0,
      createdDate: e.createdDate ?? now0,
    };
  }

  async function route(
    req: http.IncomingMessage,
    url: URL,
    entry: EmulatorRequest,
  ): Promise<{ status: number; body?: unknown; raw?: string; headers?: Record<string, string> }> {
    const now = Date.now();
    if (url.pathname === '/oauth/token') {
      if (req.method !== 'POST') return { status: 405, body: { error: 'method_not_allowed' } };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { error: 'invalid_request', error_description: 'expected a JSON body' } };
      }
      const clientId = typeof body.client_id === 'string' ? body.client_id : '';
      if (body.grant_type !== 'client_credentials') {
        return { status: 400, body: { error: 'unsupported_grant_type' } };
      }
      if (!apps.has(clientId) || apps.get(clientId) !== body.client_secret) {
        return {
          status: 401,
          body: { error: 'invalid_client', error_description: 'Invalid client credentials' },
        };
      }
      const calls = windowCount(tokenCalls, clientId, now);
      if (calls.length >= tokenRpm) {
        const retryAfter = Math.max(1, Math.ceil((calls[0] + 60_000 - now) / 1000));
        return {
          status: 429,
          body: { error: 'rate_limited' },
          headers: { 'retry-after': String(retryAfter) },
        };
      }
      calls.push(now);
      const scope = typeof body.scope === 'string' ? body.scope : 'vanta-api.all:read';
      const tok = issue(clientId, scope);
      return {
        status: 200,
        body: { access_token: tok.token, expires_in: tokenTtlSec, token_type: 'Bearer' },
      };
    }

    if (!url.pathname.startsWith('/v1/')) return { status: 404, body: { error: 'not_found' } };
    apiRequests += 1;
    const auth = authenticate(req);
    if (!auth) return { status: 401, body: { error: 'unauthorized', message: 'Invalid or expired token' } };
    const appKey = auth === 'static' ? 'static' : auth.clientId;
    if (auth !== 'static') entry.clientId = auth.clientId;

    const calls = windowCount(apiCalls, appKey, now);
    if (calls.length >= apiRpm) {
      const retryAfter =
        opts.rateLimitRetryAfterSec ?? Math.max(1, Math.ceil((calls[0] + 60_000 - now) / 1000));
      return { status: 429, body: { error: 'rate_limited' }, headers: { 'retry-after': String(retryAfter) } };
    }
    calls.push(now);
    if (pending429.n > 0) {
      pending429.n -= 1;
      const headers: Record<string, string> =
        pending429.retryAfter === undefined ? {} : { 'retry-after': String(pending429.retryAfter) };
      return { status: 429, body: { error: 'rate_limited' }, headers };
    }
    if (pending5xx.n > 0) {
      pending5xx.n -= 1;
      return { status: pending5xx.status, body: { error: 'server_error' } };
    }
    if (faultRate > 0 && Math.random() < faultRate) {
      return Math.random() < 0.5
        ? { status: 429, body: { error: 'rate_limited' }, headers: { 'retry-after': '1' } }
        : { status: 503, body: { error: 'unavailable' } };
    }

    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent); // after /v1/
    const q = url.searchParams;
    if (req.method === 'GET' && parts.length === 1 && parts[0] === 'tests') {
      const list = [...tests.values()].filter((t) => {
        if (q.get('statusFilter') && testStatus(t) !== q.get('statusFilter')) return false;
        if (q.get('integrationFilter') && !(t.integrations ?? []).includes(q.get('integrationFilter')!))
          return false;
        if (q.get('frameworkFilter') && !(t.frameworks ?? []).includes(q.get('frameworkFilter')!))
          return false;
        if (q.get('categoryFilter') && t.category !== q.get('categoryFilter')) return false;
        return true;
      });
      return page(list.map(renderTest), q);
    }
    if (parts[0] === 'tests' && parts.length >= 2) {
      const t = tests.get(parts[1]);
      if (!t) return { status: 404, body: { error: 'not_found', message: `Test ${parts[1]} not found` } };
      if (req.method === 'GET' && parts.length === 2) return { status: 200, body: renderTest(t) };
      if (req.method === 'GET' && parts.length === 3 && parts[2] === 'entities') {
        const status = q.get('entityStatus');
        const list = t.entities.filter((e) => !status || (e.entityStatus ?? 'FAILING') === status);
        return page(list.map(renderEntity), q);
      }
      if (
        req.method === 'POST' &&
        parts.length === 5 &&
        parts[2] === 'entities' &&
        parts[4] === 'deactivate'
      ) {
        if (auth !== 'static' && !/\bvanta-api\.all:write\b/.test(auth.scope)) {
          return {
            status: 403,
            body: { error: 'forbidden', message: 'token lacks the vanta-api.all:write scope' },
          };
        }
        const e = t.entities.find((x) => x.id === parts[3]);
        if (!e) return { status: 404, body: { error: 'not_found', message: `Entity ${parts[3]} not found` } };
        let body: { deactivateReason?: unknown; deactivateUntilDate?: unknown };
        try {
          body = JSON.parse(await readBody(req)) as typeof body;
        } catch {
          return { status: 400, body: { error: 'invalid_request', message: 'expected a JSON body' } };
        }
        if (typeof body.deactivateReason !== 'string' || body.deactivateReason.length === 0) {
          return { status: 400, body: { error: 'invalid_request', message: 'deactivateReason is required' } };
        }
        e.entityStatus = 'DEACTIVATED';
        deactivations.push({
          testId: t.id,
          entityId: e.id,
          reason: body.deactivateReason,
          until: typeof body.deactivateUntilDate === 'string' ? body.deactivateUntilDate : undefined,
        });
        return { status: 202 };
      }
    }
    return { status: 404, body: { error: 'not_found' } };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: EmulatorRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: Date.now(),
    };
    requestLog.push(entry);
    const respond = async () => {
      let r: Awaited<ReturnType<typeof route>>;
      try {
        r = await route(req, url, entry);
      } catch (err) {
        r = { status: 500, body: { error: 'emulator_error', message: (err as Error).message } };
      }
      let text = r.raw ?? (r.body === undefined ? '' : JSON.stringify(r.body));
      if (r.status === 200 && url.pathname.startsWith('/v1/') && pendingMalformed.n > 0) {
        pendingMalformed.n -= 1;
        if (pendingMalformed.kind === 'json') text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
        else text = JSON.stringify(corruptShape(r.body));
      }
      entry.status = r.status;
      if (latencyMs > 0) await new Promise((ok) => setTimeout(ok, latencyMs));
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) });
      res.end(text);
    };
    void respond();
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const mustTest = (id: string): EmulatorTest => {
    const t = tests.get(id);
    if (!t) throw new Error(`emulator: no test ${id}`);
    return t;
  };
  const bump = (t: EmulatorTest) => {
    const prev = t.lastTestRunDate ? Date.parse(t.lastTestRunDate) : 0;
    t.lastTestRunDate = new Date(Math.max(Date.now(), prev + 1)).toISOString();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requestLog,
    deactivations,
    get tokensIssued() {
      return tokensIssued;
    },
    apiRequestCount: () => apiRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    setFailing(testId, entityIds) {
      const t = mustTest(testId);
      const want = new Set(entityIds);
      for (const e of t.entities) {
        if (e.entityStatus === 'DEACTIVATED') continue;
        const next: EntityStatus = want.has(e.id) ? 'FAILING' : 'PASSING';
        if (e.entityStatus !== next) e.lastUpdatedDate = new Date().toISOString();
        e.entityStatus = next;
      }
      bump(t);
    },
    removeEntity(testId, entityId) {
      const t = mustTest(testId);
      t.entities = t.entities.filter((e) => e.id !== entityId);
      bump(t);
    },
    upsertTest(test) {
      tests.set(test.id, {
        ...structuredClone(test),
        lastTestRunDate: test.lastTestRunDate ?? new Date().toISOString(),
      });
    },
    runTest(testId) {
      bump(mustTest(testId));
    },
    inject429(n, retryAfterSec) {
      pending429 = { n, retryAfter: retryAfterSec };
    },
    inject5xx(n, status = 503) {
      pending5xx = { n, status };
    },
    injectMalformed(n, kind) {
      pendingMalformed = { n, kind };
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setFaultRate(rate) {
      faultRate = rate;
    },
    issueTokenOutOfBand(clientId) {
      const id = clientId ?? [...apps.keys()][0];
      return issue(id, 'vanta-api.all:read').token;
    },
    tokenState(clientId) {
      const t = live.get(clientId ?? [...apps.keys()][0]);
      return t ? { generation: t.generation, expiresAt: t.expiresAt } : undefined;
    },
  };
}

/** Breaks one field type in a list or object body: the first item's id becomes a number. */
function corruptShape(body: unknown): unknown {
  const b = structuredClone(body) as { results?: { data?: Record<string, unknown>[] }; id?: unknown };
  if (b?.results?.data && b.results.data.length > 0) b.results.data[0].id = 12345;
  else if (b?.results) (b.results as Record<string, unknown>).data = 'not-a-list';
  else if (b && typeof b === 'object') b.id = 12345;
  return b;
}
