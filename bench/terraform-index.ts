/**
 * Benchmark of the Terraform engine: index time, locate time and heap for generated repositories of
 * 10, 100, 1,000 and 5,000 files. Usage: tsx bench/terraform-index.ts [sizes...]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getParser, indexRepository, locate } from '../src/terraform';
import { generateRepo } from './gen-repo';

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const list = sizes.length > 0 ? sizes : [10, 100, 1000, 5000];
  await getParser(); // one-off wasm initialisation, reported separately
  console.log('files\tblocks\tindex_ms\tfirst_locate_ms\tlocate_ms(avg)\theap_mb\trss_mb');
  for (const n of list) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-bench-${n}-`));
    try {
      const { buckets } = generateRepo(dir, n);
      global.gc?.();
      const t0 = performance.now();
      const idx = await indexRepository(dir);
      const indexMs = performance.now() - t0;
      const mem = process.memoryUsage();
      const probes = Math.min(50, buckets.length);
      // The first locate builds the per-index name and reference maps: report it separately.
      const tc = performance.now();
      locate(idx, {
        key: 'w',
        source: 'file',
        testId: 't',
        resource: { displayName: 'warm-up', responseType: 'S3 bucket' },
      });
      const coldMs = performance.now() - tc;
      const t1 = performance.now();
      let found = 0;
      for (let i = 0; i < probes; i++) {
        const name = buckets[Math.floor((i * buckets.length) / probes)];
        const r = locate(idx, {
          key: 'b',
          source: 'file',
          testId: 't',
          resource: { displayName: name, responseType: 'S3 bucket' },
        });
        if (r.status === 'found') found++;
      }
      const locateMs = probes > 0 ? (performance.now() - t1) / probes : 0;
      console.log(
        `${Object.keys(idx.files).length}\t${idx.blocks.length}\t${indexMs.toFixed(0)}\t${coldMs.toFixed(1)}\t${locateMs.toFixed(2)} (${found}/${probes} found)\t${(mem.heapUsed / 1e6).toFixed(0)}\t${(mem.rss / 1e6).toFixed(0)}`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

void main();
