/**
 * Request budgets for the Vanta client. `RedisWindowLimiter` is a sliding-window log kept in Redis
 * (one sorted set per budget), so every worker and CLI process sharing the Redis shares the budget;
 * `LocalWindowLimiter` is the same algorithm in memory, a second guard inside one process.
 */
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { RequestBudgetExhaustedError } from './errors';

/** Something that admits one request now, or says how long to wait before asking again. */
export interface WindowLimiter {
  /** Takes one slot if free and returns 0, else the milliseconds until a slot frees up. */
  tryAcquire(): Promise<number>;
}

/**
 * Sliding window in Redis. The script uses the Redis server clock (TIME), so workers on machines
 * with skewed clocks still agree on the window.
 */
const SLIDING_WINDOW_LUA = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local member = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, member .. ':' .. now)
  redis.call('PEXPIRE', key, windowMs + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + windowMs - now
if wait < 1 then wait = 1 end
return wait
`;

/** Cross-process sliding-window limiter backed by a Redis sorted set. */
export class RedisWindowLimiter implements WindowLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async tryAcquire(): Promise<number> {
    const r = await this.redis.eval(
      SLIDING_WINDOW_LUA,
      1,
      this.key,
      String(this.limit),
      String(this.windowMs),
      randomUUID(),
    );
    return Number(r);
  }
}

/** In-process sliding-window limiter (the same algorithm, in memory). */
export class LocalWindowLimiter implements WindowLimiter {
  private readonly stamps: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  tryAcquire(): Promise<number> {
    const now = this.now();
    while (this.stamps.length > 0 && this.stamps[0] <= now - this.windowMs) this.stamps.shift();
    if (this.stamps.length < this.limit) {
      this.stamps.push(now);
      return Promise.resolve(0);
    }
    return Promise.resolve(Math.max(1, this.stamps[0] + this.windowMs - now));
  }
}

/** Waits until every limiter admits the request; returns the total time waited in ms. */
export async function acquireAll(
  limiters: WindowLimiter[],
  sleep: (ms: number) => Promise<void>,
  maxWaitMs: number,
): Promise<number> {
  let waited = 0;
  for (const l of limiters) {
    for (;;) {
      const wait = await l.tryAcquire();
      if (wait <= 0) break;
      if (waited + wait > maxWaitMs) {
        throw new RequestBudgetExhaustedError(
          `request budget exhausted: would wait ${waited + wait} ms, more than ${maxWaitMs} ms`,
        );
      }
      await sleep(wait);
      waited += wait;
    }
  }
  return waited;
}
