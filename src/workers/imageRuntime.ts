/**
 * How the worker runs Node: the image's settings (Dockerfile, runtime stage), in one place so the
 * benchmark can run its worker processes the same way (test/infra checks the Dockerfile), and the
 * heap tuning every worker process applies itself (tuneWorkerHeap).
 * - jemalloc instead of glibc malloc: Temporal's Rust core, libuv and V8's threads each get a glibc
 *   arena (up to 8 per core) that is rarely returned; measured in a 1,000-failure burst, about
 *   100-200 MB of RSS went to arenas.
 * - a 4 MB young-generation semi-space (V8's default grows to 16 MB) in each isolate: the main
 *   thread, the workflow thread and the HCL thread.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

export const IMAGE_NODE_OPTIONS = '--max-semi-space-size=4';

/** Where the image links jemalloc (the Debian package's path for the build's architecture). */
export const IMAGE_JEMALLOC = '/usr/local/lib/libjemalloc.so.2';

/** Paths of Debian's libjemalloc2 on a host (for runs outside the image). */
export const HOST_JEMALLOC_CANDIDATES = [
  IMAGE_JEMALLOC,
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
];

/**
 * After a full GC, V8 lets the old generation grow to up to 4x the live heap before the next one; in
 * a 1,000-failure burst (live heap under 100 MB) that left 100+ MB of garbage per isolate, and 50 %
 * growth (1.5x) kept the peak RSS at 409 MB instead of 547 MB at the same CPU per failure. The price
 * is more full GCs where fixes allocate much: at 5,000 files (65 MB of index, still under the
 * threshold) about 25 % more CPU per warm failure. Above BOUNDED_GROWTH_BELOW_MB of live heap after a
 * full GC (repositories of 10,000+ files), each full GC costs more than the memory it saves, and V8
 * chooses its own growth.
 */
export const WORKER_HEAP_GROWING_PERCENT = 50;
export const BOUNDED_GROWTH_BELOW_MB = 128;

/** The heap growing percent for a live heap of `liveMb` (0: V8's own, dynamic growth). */
export function heapGrowingPercent(liveMb: number): number {
  return liveMb < BOUNDED_GROWTH_BELOW_MB ? WORKER_HEAP_GROWING_PERCENT : 0;
}

let tuned = false;
let current = -1;

function setGrowth(percent: number): void {
  if (percent === current) return;
  current = percent;
  // V8 reads the flag at every GC, so it can change after start; it is process-wide (the workflow
  // and HCL threads too), and NODE_OPTIONS does not accept it, hence here.
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** Applies the worker's heap tuning to this process and re-decides it after each full GC (idempotent). */
export function tuneWorkerHeap(): void {
  if (tuned) return;
  tuned = true;
  setGrowth(heapGrowingPercent(v8.getHeapStatistics().used_heap_size / 2 ** 20));
  const observer = new PerformanceObserver((list) => {
    const major = list
      .getEntries()
      .some(
        (e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      );
    if (major) setGrowth(heapGrowingPercent(v8.getHeapStatistics().used_heap_size / 2 ** 20));
  });
  observer.observe({ entryTypes: ['gc'] });
}
