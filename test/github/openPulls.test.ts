/**
 * The open-PR count cache behind PR_CONCURRENT_LIMIT (src/pullRequests/openPulls.ts): a listing per
 * repository at most once per TTL, corrected by the recent PRs, counted up on create and down on
 * close, with in-process reservations; and the limit it serves, through the PR policy over a
 * LocalCodeHost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RepoRef } from '../../src/contracts';
import { LocalCodeHost } from '../../src/github/localCodeHost';
import { PrLimitReachedError } from '../../src/pullRequests/errors';
import { OpenPullCount, OPEN_PULLS_TTL_MS } from '../../src/pullRequests/openPulls';
import { PullRequests } from '../../src/pullRequests/policy';
import type { PullInfo } from '../../src/pullRequests/port';
import { capturingLogger, failureFor, fixFor, seedBareRepo } from './helpers';

const REPO: RepoRef = { owner: 'acme', name: 'infra' };

function pull(number: number, state: PullInfo['state'] = 'open', branch = `terrafix/x/${number}`): PullInfo {
  return { number, state, branch, title: '', body: '', labels: [], url: '', createdAt: '' };
}

describe('OpenPullCount', () => {
  function setup(initial: PullInfo[]) {
    let now = 1_000_000;
    const listed: PullInfo[][] = [];
    let current = initial;
    const cache = new OpenPullCount({
      list: async () => {
        listed.push(current);
        return current;
      },
      counts: (p) => p.branch.startsWith('terrafix/'),
      now: () => now,
    });
    return {
      cache,
      listings: () => listed.length,
      advance: (ms: number) => (now += ms),
      setOpen: (pulls: PullInfo[]) => (current = pulls),
    };
  }

  test('lists once per TTL, then again; counts only TerraFix PRs', async () => {
    const s = setup([pull(1), pull(2), pull(3, 'open', 'feature/by-hand')]);
    expect(await s.cache.count(REPO)).toBe(2);
    s.setOpen([pull(1)]);
    s.advance(OPEN_PULLS_TTL_MS - 1);
    expect(await s.cache.count(REPO)).toBe(2);
    expect(s.listings()).toBe(1);
    s.advance(1);
    expect(await s.cache.count(REPO)).toBe(1);
    expect(s.listings()).toBe(2);
    // Other repositories have their own snapshot.
    expect(await s.cache.count({ owner: 'acme', name: 'other' })).toBe(1);
    expect(s.listings()).toBe(3);
  });

  test('concurrent look-ups share one listing', async () => {
    const s = setup([pull(1)]);
    const counts = await Promise.all([1, 2, 3, 4].map(() => s.cache.count(REPO)));
    expect(counts).toEqual([1, 1, 1, 1]);
    expect(s.listings()).toBe(1);
  });

  test('counts up on create and down on close, without listing again', async () => {
    const s = setup([pull(1)]);
    expect(await s.cache.count(REPO)).toBe(1);
    s.cache.opened(REPO, 7);
    s.cache.opened(REPO, 8);
    expect(await s.cache.count(REPO)).toBe(3);
    s.cache.closed(REPO, 1);
    expect(await s.cache.count(REPO)).toBe(2);
    expect(s.listings()).toBe(1);
  });

  test('recent PRs correct the snapshot: opened elsewhere counts, merged or closed does not', async () => {
    const s = setup([pull(1), pull(2)]);
    expect(await s.cache.count(REPO)).toBe(2);
    const recent = [pull(9), pull(2, 'merged'), pull(10, 'open', 'feature/other'), pull(1)];
    expect(await s.cache.count(REPO, recent)).toBe(2); // 1 and 9
    expect(await s.cache.count(REPO)).toBe(2);
    expect(s.listings()).toBe(1);
  });

  test('reservations count until released (once); a refusing check takes no slot', async () => {
    const s = setup([]);
    const seen: [number, number][] = [];
    const check = (open: number, reserved: number) => void seen.push([open, reserved]);
    const a = await s.cache.reserve(REPO, [], check);
    const b = await s.cache.reserve(REPO, [], check);
    expect(seen).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(await s.cache.count(REPO)).toBe(2);
    await expect(
      s.cache.reserve(REPO, [], () => {
        throw new Error('full');
      }),
    ).rejects.toThrow('full');
    expect(await s.cache.count(REPO)).toBe(2);
    a.release();
    a.release();
    expect(await s.cache.count(REPO)).toBe(1);
    b.release();
    expect(await s.cache.count(REPO)).toBe(0);
  });

  test('concurrent reservations see each other (no await between check and slot)', async () => {
    const s = setup([pull(1)]);
    const limit = 2;
    const results = await Promise.allSettled(
      [1, 2, 3].map(() =>
        s.cache.reserve(REPO, [], (open) => {
          if (open >= limit) throw new Error('full');
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
  });

  test('a failed listing is not cached', async () => {
    let fail = true;
    const cache = new OpenPullCount({
      list: async () => {
        if (fail) throw new Error('boom');
        return [pull(1)];
      },
      counts: () => true,
    });
    await expect(cache.count(REPO)).rejects.toThrow('boom');
    fail = false;
    expect(await cache.count(REPO)).toBe(1);
  });
});

describe('PR_CONCURRENT_LIMIT through the policy', () => {
  let tmp: string;
  let n = 0;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-openpulls-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A repository and `workers` PR policies over it (each its own process cache), sharing a clock. */
  async function setup(concurrentLimit: number, workers = 1) {
    n += 1;
    const root = path.join(tmp, `r${n}`);
    await seedBareRepo(root, REPO.owner, REPO.name);
    let now = Date.now();
    const hosts = Array.from({ length: workers }, (_, i) => {
      const { logger } = capturingLogger();
      const port = new LocalCodeHost({
        root,
        workspaceDir: path.join(tmp, `ws${n}-${i}`),
        mapping: { default: `${REPO.owner}/${REPO.name}` },
        logger,
      });
      const listOpen = jest.spyOn(port, 'listOpenPulls');
      const host = new PullRequests({
        port,
        policy: { concurrentLimit, hourlyLimit: 100, reviewers: [], assignees: [] },
        logger,
        now: () => new Date(now),
      });
      return { host, port, listOpen };
    });
    const open = async (i: number, bucket: string) => {
      const failure = failureFor(bucket);
      const h = hosts[i]!;
      const prepared = await h.host.prepare(failure);
      return { prepared, result: await h.host.openPullRequest({ failure, prepared, fix: fixFor(bucket) }) };
    };
    return { hosts, open, advance: (ms: number) => (now += ms) };
  }

  test('one listing for a burst of new PRs, a fresh one after the TTL; the limit holds', async () => {
    const s = await setup(3);
    const [w] = s.hosts;
    await s.open(0, 'acme-a');
    await s.open(0, 'acme-b');
    await s.open(0, 'acme-c');
    expect(w!.listOpen).toHaveBeenCalledTimes(1);
    await expect(s.open(0, 'acme-d')).rejects.toBeInstanceOf(PrLimitReachedError);
    expect(w!.listOpen).toHaveBeenCalledTimes(1);

    // Closed by TerraFix: counted down at once.
    const oldest = (await w!.port.listOpenPulls(REPO)).at(-1)!;
    w!.listOpen.mockClear();
    const prepared = await w!.host.prepare(failureFor('acme-a'));
    await w!.host.closePullRequest(prepared, oldest.number, '');
    expect((await s.open(0, 'acme-d')).result.action).toBe('created');

    // Closed by a reviewer (not through TerraFix): the recent PRs the hourly limit lists show it.
    const next = (await w!.port.listOpenPulls(REPO)).at(-1)!;
    w!.listOpen.mockClear();
    await w!.port.closePull(REPO, next.number);
    expect((await s.open(0, 'acme-e')).result.action).toBe('created');
    await expect(s.open(0, 'acme-f')).rejects.toMatchObject({ limit: 'concurrent' });
    expect(w!.listOpen).not.toHaveBeenCalled();

    // Once the snapshot is older than the TTL, the next check lists again; the limit still holds.
    s.advance(OPEN_PULLS_TTL_MS + 1);
    await expect(s.open(0, 'acme-f')).rejects.toMatchObject({ limit: 'concurrent' });
    expect(w!.listOpen).toHaveBeenCalledTimes(1);
  });

  test('PRs another worker opens count at once (from the recent PRs), without a listing', async () => {
    const s = await setup(2, 2);
    await s.open(0, 'acme-a');
    await s.open(1, 'acme-b');
    await expect(s.open(0, 'acme-c')).rejects.toMatchObject({ limit: 'concurrent' });
    expect(s.hosts[0]!.listOpen).toHaveBeenCalledTimes(1);
  });

  test('concurrent attempts in one worker cannot overshoot the limit together', async () => {
    const s = await setup(1);
    const results = await Promise.allSettled([s.open(0, 'acme-a'), s.open(0, 'acme-b'), s.open(0, 'acme-c')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(2);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(PrLimitReachedError);
    expect(await s.hosts[0]!.port.listOpenPulls(REPO)).toHaveLength(1);
    // The slots were released: with capacity back, the next PR opens.
    s.advance(OPEN_PULLS_TTL_MS + 1);
    const only = (await s.hosts[0]!.port.listOpenPulls(REPO))[0]!;
    await s.hosts[0]!.port.closePull(REPO, only.number);
    expect((await s.open(0, 'acme-d')).result.action).toBe('created');
  });
});
