/**
 * OpenPullCount: this process's view of how many TerraFix PRs are open per repository, for
 * PR_CONCURRENT_LIMIT, so a burst of new PRs (a poll every 5 minutes starts many children at once)
 * does not list every open PR of the repository before each one.
 *
 * - A snapshot (the numbers of the open TerraFix PRs) is listed once per repository and listed again
 *   when older than the TTL (60 s by default); concurrent look-ups share one listing.
 * - Every check corrects the snapshot with the newest PRs the hourly limit lists anyway (the port's
 *   `listRecentPulls`, fetched fresh for each new PR): PRs other workers opened since the snapshot
 *   are counted, and recent ones merged or closed since are not. Only an old PR (beyond the newest
 *   100) merged or closed since the snapshot is still counted until the next listing: an
 *   over-count, so TerraFix waits a little longer, never opens more.
 * - PRs this process opens are added, PRs it closes (or sees merged or closed) are removed, and a
 *   check reserves a slot until the PR is created or the attempt fails: activities of one worker
 *   running at once cannot overshoot the limit together.
 *
 * What stays soft: two workers checking at the same moment can each take the last slot, so the
 * limit can be exceeded by at most the other workers' in-flight PR creations, as before this cache
 * (the check and the create were never atomic). The limit is a soft cap on review load, the hourly
 * limit is checked against a fresh listing, and a PR over the cap is still a correct PR.
 */
import type { RepoRef } from '../contracts';
import type { PullInfo } from './port';

/** How long a snapshot of a repository's open PRs is used before it is listed again. */
export const OPEN_PULLS_TTL_MS = 60_000;

export interface OpenPullCountOptions {
  /** Every open PR of the repository (the port's `listOpenPulls`). */
  list(repo: RepoRef): Promise<PullInfo[]>;
  /** Whether a PR counts against the limit (TerraFix's own branches). */
  counts(pull: Pick<PullInfo, 'branch'>): boolean;
  /** Snapshot lifetime in ms (default OPEN_PULLS_TTL_MS). */
  ttlMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

interface Snapshot {
  numbers: Set<number>;
  fetchedAt: number;
}

/** A slot taken by a check until the PR is created or the attempt ends; release is idempotent. */
export interface Reservation {
  release(): void;
}

const keyOf = (repo: RepoRef): string => `${repo.owner}/${repo.name}`.toLowerCase();

export class OpenPullCount {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly refreshing = new Map<string, Promise<Snapshot>>();
  private readonly pending = new Map<string, number>();
  /** Listings made so far (tests, diagnostics). */
  listings = 0;

  constructor(private readonly o: OpenPullCountOptions) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /**
   * Open counted PRs of the repository plus this process's reservations: the snapshot (listed
   * again once older than the TTL) corrected by `recent`, a fresh list of the newest PRs.
   */
  async count(repo: RepoRef, recent: readonly PullInfo[] = []): Promise<number> {
    const key = keyOf(repo);
    return this.countIn(key, await this.snapshot(key, repo), recent);
  }

  /**
   * Takes a slot for a PR about to be created, counted until released. `check` gets the count (as
   * `count` answers it) and the slots already reserved, and throws to refuse; it runs right after
   * the snapshot is ready, with no await before the slot is taken, so two checks of this process
   * never both see the last free slot.
   */
  async reserve(
    repo: RepoRef,
    recent: readonly PullInfo[],
    check: (open: number, reserved: number) => void,
  ): Promise<Reservation> {
    const key = keyOf(repo);
    const snap = await this.snapshot(key, repo);
    check(this.countIn(key, snap, recent), this.pending.get(key) ?? 0);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const n = (this.pending.get(key) ?? 1) - 1;
        if (n > 0) this.pending.set(key, n);
        else this.pending.delete(key);
      },
    };
  }

  private countIn(key: string, snap: Snapshot, recent: readonly PullInfo[]): number {
    for (const p of recent) {
      if (!this.o.counts(p)) continue;
      if (p.state === 'open') snap.numbers.add(p.number);
      else snap.numbers.delete(p.number);
    }
    return snap.numbers.size + (this.pending.get(key) ?? 0);
  }

  /** Records a PR this process opened. */
  opened(repo: RepoRef, number: number): void {
    this.snapshots.get(keyOf(repo))?.numbers.add(number);
  }

  /** Records a PR that is no longer open (closed by this process, or seen merged or closed). */
  closed(repo: RepoRef, number: number): void {
    this.snapshots.get(keyOf(repo))?.numbers.delete(number);
  }

  private async snapshot(key: string, repo: RepoRef): Promise<Snapshot> {
    const have = this.snapshots.get(key);
    if (have && this.now() - have.fetchedAt < (this.o.ttlMs ?? OPEN_PULLS_TTL_MS)) return have;
    let inFlight = this.refreshing.get(key);
    if (!inFlight) {
      const fetchedAt = this.now();
      this.listings += 1;
      inFlight = this.o
        .list(repo)
        .then((pulls) => {
          const snap: Snapshot = {
            numbers: new Set(
              pulls.filter((p) => p.state === 'open' && this.o.counts(p)).map((p) => p.number),
            ),
            fetchedAt,
          };
          this.snapshots.set(key, snap);
          return snap;
        })
        .finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, inFlight);
    }
    return inFlight;
  }
}
