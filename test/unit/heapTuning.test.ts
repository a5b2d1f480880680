/**
 * The worker's heap tuning (src/process/heap.ts): with it, a process that keeps a live set
 * and churns garbage holds a clearly smaller heap at its peak than with V8's default growth. Sizes,
 * not times, are compared; both runs do the same work in child processes of their own.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  heapGrowingPercent,
  LARGE_REPOSITORY_FILES,
  WORKER_HEAP_GROWING_PERCENT,
} from '../../src/process/heap';

const ROOT = path.join(__dirname, '..', '..');

// Keeps ~30 MB live, allocates ~1 GB of short-lived objects in batches, prints the peak heapTotal.
const WORKLOAD = `
const live = (globalThis.live = []);
for (let i = 0; i < 300000; i++) live.push({ a: i, b: 'x' + i, c: [i, i + 1] });
let peak = 0;
const keep = [];
for (let r = 0; r < 600; r++) {
  const g = [];
  for (let i = 0; i < 20000; i++) g.push({ a: i, s: 'y' + i + r });
  keep.push(g);
  if (keep.length > 3) keep.shift();
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
process.stdout.write(String(Math.round(peak / 1e6)));
`;

function peakHeapMb(tuned: boolean): number {
  const prelude = tuned ? `require('./src/process/heap').tuneWorkerHeap();` : '';
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', prelude + WORKLOAD], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' },
  });
  return Number(out.trim());
}

test('tuneWorkerHeap bounds how far the heap grows past the live set', () => {
  const untuned = peakHeapMb(false);
  const tuned = peakHeapMb(true);
  console.log(`peak heapTotal: V8 default ${untuned} MB, tuned ${tuned} MB`);
  expect(tuned).toBeGreaterThan(20);
  expect(tuned).toBeLessThan(untuned * 0.85);
}, 120_000);

test("the bound holds for small repositories; a large one in the index cache gets V8's own growth", () => {
  expect(heapGrowingPercent(100)).toBe(WORKER_HEAP_GROWING_PERCENT);
  expect(heapGrowingPercent(LARGE_REPOSITORY_FILES - 1)).toBe(WORKER_HEAP_GROWING_PERCENT);
  expect(heapGrowingPercent(LARGE_REPOSITORY_FILES)).toBe(0);
  expect(heapGrowingPercent(20_000)).toBe(0);
});
