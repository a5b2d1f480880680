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
 * a 1,000-failure burst that left 100+ MB of garbage per isolate. 50 % growth (1.5x) kept the peak
 * RSS at 409 MB instead of 547 MB at the same CPU per failure. V8 reads the flag at every GC, so it
 * can be set after start; it is process-wide (the workflow and HCL threads too), and not accepted in
 * NODE_OPTIONS, hence here.
 */
export const WORKER_HEAP_GROWING_PERCENT = 50;

/** Applies the worker's heap tuning to this process (idempotent). */
export function tuneWorkerHeap(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`);
}
