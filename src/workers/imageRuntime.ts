/**
 * How the worker image runs Node (Dockerfile, runtime stage), in one place so the benchmark can run
 * its worker processes the same way; test/infra checks that the Dockerfile sets exactly these. The
 * heap tuning every worker process applies itself is in src/process/heap.ts.
 * - jemalloc instead of glibc malloc: Temporal's Rust core, libuv and V8's threads each get a glibc
 *   arena (up to 8 per core) that is rarely returned; measured in a 1,000-failure burst, about
 *   100-200 MB of RSS went to arenas.
 * - a 4 MB young-generation semi-space (V8's default grows to 16 MB) in each isolate: the main
 *   thread, the workflow thread and the HCL thread.
 */
export const IMAGE_NODE_OPTIONS = '--max-semi-space-size=4';

/** Where the image links jemalloc (the Debian package's path for the build's architecture). */
export const IMAGE_JEMALLOC = '/usr/local/lib/libjemalloc.so.2';

/** Paths of Debian's libjemalloc2 on a host (for runs outside the image). */
export const HOST_JEMALLOC_CANDIDATES = [
  IMAGE_JEMALLOC,
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
];
