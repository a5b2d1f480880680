/** Descriptive statistics for benchmark samples (milliseconds, counts). */

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array; NaN when empty. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** count, min, p50, p95, p99, max and mean of the values (NaN fields when there are none). */
export function summarize(values: readonly number[]): Summary {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN;
  return {
    count: s.length,
    min: s.length ? s[0] : Number.NaN,
    p50: percentileSorted(s, 50),
    p95: percentileSorted(s, 95),
    p99: percentileSorted(s, 99),
    max: s.length ? s[s.length - 1] : Number.NaN,
    mean,
  };
}

/** Formats milliseconds for humans: 850 ms, 12.3 s, 4.2 min. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Counts of each distinct value. */
export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) {
    const k = key(i);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Completions per bucket: [bucketStartMs, count] for events at the given offsets (ms). */
export function perBucket(offsetsMs: readonly number[], bucketMs: number): [number, number][] {
  if (offsetsMs.length === 0) return [];
  const last = Math.max(...offsetsMs);
  const n = Math.floor(last / bucketMs) + 1;
  const counts = new Array<number>(n).fill(0);
  for (const o of offsetsMs) counts[Math.max(0, Math.floor(o / bucketMs))] += 1;
  return counts.map((c, i) => [i * bucketMs, c]);
}
