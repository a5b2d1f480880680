/** V8 heap tuning of the worker process: how far the old generation may grow past the live heap. */
import v8 from 'node:v8';

/**
 * After a full GC, V8 lets the old generation grow to up to 4x the live heap before the next one; in
 * a 1,000-failure burst across repositories of 100 files that left 100+ MB of garbage per isolate,
 * and 50 % growth (1.5x) kept the peak RSS at about 410 MB instead of 547 MB at the same CPU per
 * failure. Where each fix allocates much, the same bound means a full GC every few fixes: at 5,000
 * files (each verification builds an overlay of a 20,000-block module) validate's p50 doubled. A
 * worker whose index cache holds a repository of LARGE_REPOSITORY_FILES or more therefore lets V8
 * choose its own growth (checked each time an index is added; observing every GC cost 60 % more CPU).
 */
export const WORKER_HEAP_GROWING_PERCENT = 50;
export const LARGE_REPOSITORY_FILES = 1000;

/** The heap growing percent (0: V8's own, dynamic growth) when the largest cached index has `files` files. */
export function heapGrowingPercent(files: number): number {
  return files >= LARGE_REPOSITORY_FILES ? 0 : WORKER_HEAP_GROWING_PERCENT;
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

/** Applies the worker's heap tuning to this process (idempotent). */
export function tuneWorkerHeap(): void {
  if (tuned) return;
  tuned = true;
  setGrowth(WORKER_HEAP_GROWING_PERCENT);
}

/** Re-decides the heap growth for the largest index now cached (a no-op unless tuneWorkerHeap ran). */
export function heapGrowthForIndexes(largestFiles: number): void {
  if (tuned) setGrowth(heapGrowingPercent(largestFiles));
}
