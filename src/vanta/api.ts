/**
 * VantaApi: the Manage Vanta REST API over global fetch.
 *
 * - Auth: OAuth client credentials (`POST ${baseUrl}/oauth/token`, scope vanta-api.all:read) or a
 *   static token. Vanta keeps ONE live token per application and revokes the old one when a new one
 *   is issued, so the OAuth token lives in Redis and is shared by every process; it is refreshed
 *   under a Redis lock shortly before expiry, and a 401 causes at most one coordinated refresh: the
 *   token record carries a generation number, and a process that saw a 401 with generation G only
 *   asks Vanta for a new token if Redis still holds generation G.
 * - Budgets: a Redis sliding window shared by all processes (default 50 requests/minute) plus an
 *   in-process window and concurrency cap; the token endpoint has its own 5/minute window.
 * - Faults: 429 honours Retry-After (else exponential backoff with jitter); 5xx, timeouts and
 *   network errors are retried a bounded number of times; other 4xx throw PermanentApiError with
 *   the response text. Responses are validated with zod (ApiShapeError names the field).
 * - The token never appears in logs or errors.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import type { z } from 'zod';
import { ApiShapeError, ConfigError, PermanentApiError, redactSecrets } from '../errors';
import { registerSecret, type Logger } from '../logger';
import { RequestBudgetExhaustedError, VantaAuthError, VantaHttpError, VantaUnavailableError } from './errors';
import { LocalWindowLimiter, RedisWindowLimiter, acquireAll, type WindowLimiter } from './limiter';
import {
  pageSchema,
  parseShape,
  tokenResponseSchema,
  vantaEntitySchema,
  vantaTestSchema,
  type VantaEntity,
  type VantaTest,
} from './schemas';

export const VANTA_READ_SCOPE = 'vanta-api.all:read';

export type VantaCredentials = { clientId: string; clientSecret: string; scope?: string } | { token: string };

export interface VantaApiOptions {
  /** Origin without a path, e.g. https://api.vanta.com (see docs/vanta.md for other regions). */
  baseUrl: string;
  credentials: VantaCredentials;
  redis: Redis;
  logger: Logger;
  /** Prefix of every Redis key this client uses (default "terrafix:vanta:"). */
  keyPrefix?: string;
  /** Shared budget across all processes (default 50 per window). */
  requestsPerMinute?: number;
  /** Length of the budget window in ms (default 60000; tests shorten it). */
  budgetWindowMs?: number;
  /** In-process budget per window (default = requestsPerMinute). */
  localRequestsPerMinute?: number;
  /** Token endpoint budget per minute, shared across processes (Vanta allows 5). */
  tokenRequestsPerMinute?: number;
  /** Concurrent requests from this client (default 4). */
  maxConcurrency?: number;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  /** Retries for 5xx, timeouts and network errors (default 3). */
  maxRetries?: number;
  /** Retries for 429 (default 5). */
  max429Retries?: number;
  /** Exponential backoff base and cap in ms (defaults 500 and 30000). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After honoured in ms (default 120000); longer values are capped. */
  maxRetryAfterMs?: number;
  /** Longest wait for a free slot of the request budget in ms (default 120000). */
  maxBudgetWaitMs?: number;
  /** Refresh the shared token this long before it expires (default 300000 = 5 min). */
  refreshSkewMs?: number;
  /** TTL of the refresh lock in ms (default 30000). */
  lockTtlMs?: number;
  /** Longest wait for another process to finish a refresh in ms (default 30000). */
  lockWaitMs?: number;
  /** Sleep used for backoff, Retry-After and budget waits (tests record the waits). */
  sleep?: (ms: number) => Promise<void>;
  /** Called once per HTTP request sent to the API (not the token endpoint). */
  onRequest?: (e: VantaRequestEvent) => void;
}

export interface VantaRequestEvent {
  method: string;
  path: string;
  attempt: number;
}

export interface VantaClientMetrics {
  /** API requests sent (every attempt counts; excludes the token endpoint). */
  requests: number;
  /** Token requests sent by this client. */
  tokenRequests: number;
  /** 401s that triggered the coordinated refresh. */
  unauthorized: number;
  rateLimited: number;
  serverErrors: number;
  networkErrors: number;
  /** Total ms spent waiting for the request budget. */
  budgetWaitMs: number;
}

interface TokenRecord {
  accessToken: string;
  generation: number;
  expiresAt: number;
  refreshAt: number;
}

/** Compare-and-delete so a process only releases the lock it holds. */
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Minimal counting semaphore for the in-process concurrency cap. */
class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `active` never exceeds `max`.
    if (this.active >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

type QueryValue = string | number | boolean | undefined | null;

export class VantaApi {
  readonly metrics: VantaClientMetrics = {
    requests: 0,
    tokenRequests: 0,
    unauthorized: 0,
    rateLimited: 0,
    serverErrors: 0,
    networkErrors: 0,
    budgetWaitMs: 0,
  };

  private readonly baseUrl: string;
  private readonly prefix: string;
  /** Hash of the API origin and client id: keys Redis state per Vanta application. */
  readonly appId: string;
  private readonly limiters: WindowLimiter[];
  private readonly tokenLimiter: WindowLimiter;
  private readonly semaphore: Semaphore;
  private readonly log: Logger;
  private readonly secrets: string[] = [];
  private readonly wait: (ms: number) => Promise<void>;
  private readonly o: Required<
    Pick<
      VantaApiOptions,
      | 'timeoutMs'
      | 'maxRetries'
      | 'max429Retries'
      | 'backoffBaseMs'
      | 'backoffMaxMs'
      | 'maxRetryAfterMs'
      | 'maxBudgetWaitMs'
      | 'refreshSkewMs'
      | 'lockTtlMs'
      | 'lockWaitMs'
    >
  >;

  constructor(private readonly opts: VantaApiOptions) {
    const u = new URL(opts.baseUrl);
    if (u.pathname !== '/' && u.pathname !== '')
      throw new ConfigError(`VANTA_API_URL must be an origin without a path (got path ${u.pathname})`);
    this.baseUrl = u.origin;
    this.prefix = opts.keyPrefix ?? 'terrafix:vanta:';
    const ident = 'token' in opts.credentials ? 'static' : opts.credentials.clientId;
    this.appId = createHash('sha256').update(`${this.baseUrl}|${ident}`).digest('hex').slice(0, 16);
    if ('token' in opts.credentials) this.secrets.push(opts.credentials.token);
    else this.secrets.push(opts.credentials.clientSecret);
    for (const s of this.secrets) registerSecret(s);
    const rpm = opts.requestsPerMinute ?? 50;
    const windowMs = opts.budgetWindowMs ?? 60_000;
    this.limiters = [
      new LocalWindowLimiter(opts.localRequestsPerMinute ?? rpm, windowMs),
      new RedisWindowLimiter(opts.redis, `${this.prefix}budget:${this.appId}`, rpm, windowMs),
    ];
    this.tokenLimiter = new RedisWindowLimiter(
      opts.redis,
      `${this.prefix}token-budget:${this.appId}`,
      opts.tokenRequestsPerMinute ?? 5,
      60_000,
    );
    this.semaphore = new Semaphore(opts.maxConcurrency ?? 4);
    this.log = opts.logger.child({ component: 'vanta' });
    this.wait = opts.sleep ?? ((ms) => sleep(ms));
    this.o = {
      timeoutMs: opts.timeoutMs ?? 30_000,
      maxRetries: opts.maxRetries ?? 3,
      max429Retries: opts.max429Retries ?? 5,
      backoffBaseMs: opts.backoffBaseMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 120_000,
      maxBudgetWaitMs: opts.maxBudgetWaitMs ?? 120_000,
      refreshSkewMs: opts.refreshSkewMs ?? 300_000,
      lockTtlMs: opts.lockTtlMs ?? 30_000,
      lockWaitMs: opts.lockWaitMs ?? 30_000,
    };
  }

  /** API requests sent so far (every attempt; the token endpoint excluded). */
  get requestCount(): number {
    return this.metrics.requests;
  }

  /** The Redis key namespace of this client (for the failure cache and tests). */
  redisKey(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  get redis(): Redis {
    return this.opts.redis;
  }

  // ---------------------------------------------------------------- token handling

  private get tokenKey(): string {
    return `${this.prefix}token:${this.appId}`;
  }

  private async readToken(): Promise<TokenRecord | undefined> {
    const raw = await this.opts.redis.get(this.tokenKey);
    if (!raw) return undefined;
    try {
      const rec = JSON.parse(raw) as TokenRecord;
      if (typeof rec.accessToken !== 'string' || typeof rec.generation !== 'number') return undefined;
      this.remember(rec.accessToken);
      return rec;
    } catch {
      return undefined;
    }
  }

  private remember(token: string): void {
    if (!this.secrets.includes(token)) {
      this.secrets.push(token);
      if (this.secrets.length > 8) this.secrets.splice(1, 1);
      registerSecret(token);
    }
  }

  /** The token to use now: the shared one if fresh, else a refreshed one. */
  private async currentToken(): Promise<TokenRecord> {
    if ('token' in this.opts.credentials) {
      return {
        accessToken: this.opts.credentials.token,
        generation: 0,
        expiresAt: Infinity,
        refreshAt: Infinity,
      };
    }
    const rec = await this.readToken();
    if (rec && Date.now() < rec.refreshAt) return rec;
    return this.refresh(rec?.generation ?? 0, rec ? 'expiring' : 'missing');
  }

  /**
   * Returns a token newer than `staleGeneration`, asking Vanta for one only if no other process has
   * already done so. Only the holder of the Redis lock talks to the token endpoint.
   */
  private async refresh(staleGeneration: number, reason: string): Promise<TokenRecord> {
    const deadline = Date.now() + this.o.lockWaitMs;
    const lockKey = `${this.prefix}token-lock:${this.appId}`;
    for (;;) {
      const rec = await this.readToken();
      if (rec && rec.generation !== staleGeneration && Date.now() < rec.expiresAt) return rec;
      const lockId = randomUUID();
      const got = await this.opts.redis.set(lockKey, lockId, 'PX', this.o.lockTtlMs, 'NX');
      if (got === 'OK') {
        try {
          const again = await this.readToken();
          if (again && again.generation !== staleGeneration && Date.now() < again.expiresAt) return again;
          return await this.issueToken(reason);
        } finally {
          await this.opts.redis.eval(RELEASE_LUA, 1, lockKey, lockId).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) {
        throw new VantaAuthError('timed out waiting for another process to refresh the Vanta token');
      }
      await sleep(50 + Math.floor(Math.random() * 50));
    }
  }

  /** Asks Vanta for a new token (caller holds the lock) and publishes it in Redis. */
  private async issueToken(reason: string): Promise<TokenRecord> {
    if ('token' in this.opts.credentials)
      throw new VantaAuthError('a static Vanta token cannot be refreshed');
    const { clientId, clientSecret, scope } = this.opts.credentials;
    const wait = await this.tokenLimiter.tryAcquire();
    if (wait > 0) {
      throw new RequestBudgetExhaustedError(
        `Vanta token endpoint budget (${this.opts.tokenRequestsPerMinute ?? 5}/min) used up; retry in ${Math.ceil(wait / 1000)} s`,
      );
    }
    this.metrics.tokenRequests += 1;
    this.log.info({ reason }, 'requesting a new Vanta access token');
    const body = JSON.stringify({
      client_id: clientId,
      client_secret: clientSecret,
      scope: scope ?? VANTA_READ_SCOPE,
      grant_type: 'client_credentials',
    });
    const json = await this.send('POST', '/oauth/token', body, undefined, 'token');
    const tok = parseShape(tokenResponseSchema, json, 'Vanta POST /oauth/token');
    this.remember(tok.access_token);
    const generation = await this.opts.redis.incr(`${this.prefix}token-gen:${this.appId}`);
    const now = Date.now();
    const lifetimeMs = tok.expires_in * 1000;
    const rec: TokenRecord = {
      accessToken: tok.access_token,
      generation,
      expiresAt: now + lifetimeMs,
      refreshAt: now + Math.max(lifetimeMs - this.o.refreshSkewMs, lifetimeMs / 2),
    };
    await this.opts.redis.set(this.tokenKey, JSON.stringify(rec), 'PX', Math.max(1, Math.floor(lifetimeMs)));
    this.log.info({ generation, expiresInSec: tok.expires_in }, 'Vanta access token issued and shared');
    return rec;
  }

  // ---------------------------------------------------------------- HTTP

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** attempt);
    return Math.floor(exp / 2 + (Math.random() * exp) / 2);
  }

  private retryAfterMs(h: string | null): number | undefined {
    if (!h) return undefined;
    const secs = Number(h);
    let ms: number | undefined;
    if (Number.isFinite(secs) && secs >= 0) ms = secs * 1000;
    else {
      const date = Date.parse(h);
      if (!Number.isNaN(date)) ms = Math.max(0, date - Date.now());
    }
    return ms === undefined ? undefined : Math.min(ms, this.o.maxRetryAfterMs);
  }

  /**
   * Sends one logical request with retries. `auth` is 'api' (bearer token, coordinated refresh on
   * 401) or 'token' (the token endpoint itself: no bearer, no refresh). Returns parsed JSON, or
   * undefined for an empty body.
   */
  private async send(
    method: string,
    pathAndQuery: string,
    body: string | undefined,
    token: TokenRecord | undefined,
    auth: 'api' | 'token',
  ): Promise<unknown> {
    const url = `${this.baseUrl}${pathAndQuery}`;
    const what = `Vanta ${method} ${pathAndQuery}`;
    let current = token;
    let refreshed = false;
    let retries = 0;
    let retries429 = 0;
    for (let attempt = 1; ; attempt++) {
      if (auth === 'api') {
        const waited = await acquireAll(this.limiters, this.wait, this.o.maxBudgetWaitMs);
        if (waited > 0) this.metrics.budgetWaitMs += waited;
        this.metrics.requests += 1;
        this.opts.onRequest?.({ method, path: pathAndQuery, attempt });
      }
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (auth === 'api' && current) headers.authorization = `Bearer ${current.accessToken}`;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const res = await this.semaphore.run(() =>
          fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.o.timeoutMs) }),
        );
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        text = await res.text();
      } catch (err) {
        this.metrics.networkErrors += 1;
        const e = err as Error;
        const msg = this.redact(`${e.name}: ${e.message}`);
        if (retries < this.o.maxRetries) {
          const wait = this.backoff(retries++);
          this.log.warn(
            { method, path: pathAndQuery, attempt, waitMs: wait, error: msg },
            'Vanta request failed; retrying',
          );
          await this.wait(wait);
          continue;
        }
        throw new VantaUnavailableError(`${what} failed after ${attempt} attempts: ${msg}`);
      }
      this.log.debug({ method, path: pathAndQuery, status, attempt }, 'Vanta response');

      if (status === 401 && auth === 'api') {
        this.metrics.unauthorized += 1;
        if ('token' in this.opts.credentials) {
          throw new PermanentApiError(`${what} answered 401: the static VANTA_API_TOKEN was rejected`);
        }
        if (refreshed) {
          throw new VantaAuthError(`${what} answered 401 again after a token refresh`);
        }
        refreshed = true;
        this.log.warn(
          { method, path: pathAndQuery, generation: current?.generation },
          'Vanta token rejected; refreshing once',
        );
        current = await this.refresh(current?.generation ?? 0, 'unauthorized');
        continue;
      }
      if (status === 429) {
        this.metrics.rateLimited += 1;
        if (auth === 'token') {
          // Never wait while holding the refresh lock: the caller (or Temporal) retries later.
          const ms = this.retryAfterMs(retryAfter);
          throw new RequestBudgetExhaustedError(
            `Vanta token endpoint answered 429${ms === undefined ? '' : `; retry in ${Math.ceil(ms / 1000)} s`}`,
          );
        }
        if (retries429 >= this.o.max429Retries) {
          throw new VantaUnavailableError(`${what} still rate limited (429) after ${attempt} attempts`, 429);
        }
        const wait = this.retryAfterMs(retryAfter) ?? this.backoff(retries429);
        retries429 += 1;
        this.log.warn(
          { method, path: pathAndQuery, attempt, waitMs: wait, retryAfter },
          'Vanta rate limited; backing off',
        );
        await this.wait(wait);
        continue;
      }
      if (status >= 500) {
        this.metrics.serverErrors += 1;
        if (retries < this.o.maxRetries) {
          const wait = this.backoff(retries++);
          this.log.warn(
            { method, path: pathAndQuery, status, attempt, waitMs: wait },
            'Vanta server error; retrying',
          );
          await this.wait(wait);
          continue;
        }
        throw new VantaUnavailableError(
          `${what} answered ${status} after ${attempt} attempts: ${this.redact(text).slice(0, 500)}`,
          status,
        );
      }
      if (status < 200 || status >= 300) {
        throw new VantaHttpError(`${what} answered ${status}: ${this.redact(text).slice(0, 500)}`, status);
      }
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ApiShapeError(`${what} returned a body that is not JSON (${text.length} bytes)`);
      }
    }
  }

  /** An authenticated request to `/v1/...`; the result is validated against `schema` when given. */
  async request<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    opts: { query?: Record<string, QueryValue>; body?: unknown; schema: S },
  ): Promise<z.infer<S>>;
  async request(
    method: 'GET' | 'POST',
    path: string,
    opts?: { query?: Record<string, QueryValue>; body?: unknown },
  ): Promise<unknown>;
  async request(
    method: 'GET' | 'POST',
    path: string,
    opts: { query?: Record<string, QueryValue>; body?: unknown; schema?: z.ZodType } = {},
  ): Promise<unknown> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    const pathAndQuery = qs.size > 0 ? `${path}?${qs.toString()}` : path;
    const token = await this.currentToken();
    const json = await this.send(
      method,
      pathAndQuery,
      opts.body === undefined ? undefined : JSON.stringify(opts.body),
      token,
      'api',
    );
    if (!opts.schema) return json;
    return parseShape(opts.schema, json, `Vanta ${method} ${path}`);
  }

  /** Every item of a cursor-paged list endpoint, following `endCursor` to the end. */
  async listAll<S extends z.ZodType>(
    path: string,
    query: Record<string, QueryValue>,
    item: S,
    pageSize = 100,
  ): Promise<z.infer<S>[]> {
    const schema = pageSchema(item);
    const out: z.infer<S>[] = [];
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.request('GET', path, {
        query: { ...query, pageSize, pageCursor: cursor },
        schema,
      });
      out.push(...(page.results.data as z.infer<S>[]));
      const next = page.results.pageInfo.endCursor ?? undefined;
      if (!page.results.pageInfo.hasNextPage) return out;
      if (!next)
        throw new ApiShapeError(
          `Vanta GET ${path}: results.pageInfo.endCursor is missing while hasNextPage is true`,
        );
      if (seen.has(next))
        throw new ApiShapeError(`Vanta GET ${path}: results.pageInfo.endCursor repeats (${next})`);
      seen.add(next);
      cursor = next;
    }
  }

  /** `GET /v1/tests` with the given filters, all pages. */
  listTests(filters: {
    statusFilter?: string;
    integrationFilter?: string;
    frameworkFilter?: string;
    categoryFilter?: string;
    pageSize?: number;
  }): Promise<VantaTest[]> {
    const { pageSize, ...query } = filters;
    return this.listAll('/v1/tests', query, vantaTestSchema, pageSize);
  }

  /** `GET /v1/tests/{testId}/entities`, all pages. */
  listTestEntities(
    testId: string,
    opts: { entityStatus?: string; pageSize?: number } = {},
  ): Promise<VantaEntity[]> {
    return this.listAll(
      `/v1/tests/${encodeURIComponent(testId)}/entities`,
      { entityStatus: opts.entityStatus },
      vantaEntitySchema,
      opts.pageSize,
    );
  }
}
