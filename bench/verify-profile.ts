/**
 * Where one fix verification's time goes on a generated repository (default 5,000 files): indexes it,
 * then times locate, generate and verifyFix on warm indexes, and the overlay index alone.
 * Usage: tsx bench/verify-profile.ts [files] [runs]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Failure } from '../src/contracts';
import { generateWithRules, verifyFix, type PatchResult } from '../src/remediation/engine';
import { applyPatch, indexRepository, locate, overlayIndex } from '../src/terraform';
import { generateRepo } from './gen-repo';
import { summarize } from './lib/stats';

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-verify-bench-'));
  try {
    const { buckets } = generateRepo(dir, files);
    const t0 = performance.now();
    const index = await indexRepository(dir);
    console.log(
      `index: ${files} files, ${index.blocks.length} blocks in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const times: Record<string, number[]> = { locate: [], generate: [], apply: [], overlay: [], verify: [] };
    for (let i = 0; i < runs; i++) {
      const b = buckets[i % buckets.length]!;
      const failure: Failure = {
        key: `bench-${i}`,
        source: 'file',
        testId: 'CKV_AWS_19',
        testName: 'S3 bucket encryption',
        resource: { displayName: b, responseType: 'S3 Bucket' },
      };
      let t = performance.now();
      const loc = locate(index, failure);
      times.locate!.push(performance.now() - t);
      if (!loc.target) throw new Error(`not located: ${b}: ${loc.reasons.join('; ')}`);
      t = performance.now();
      const gen = generateWithRules(index, loc.target, failure);
      times.generate!.push(performance.now() - t);
      if (gen.status !== 'patch') throw new Error(JSON.stringify(gen));
      t = performance.now();
      const applied = await applyPatch(index, gen.patch);
      times.apply!.push(performance.now() - t);
      t = performance.now();
      await overlayIndex(
        index,
        applied.files.map((f) => ({ path: f.path, after: f.after })),
      );
      times.overlay!.push(performance.now() - t);
      t = performance.now();
      const v = await verifyFix(index, loc.target, failure, gen as PatchResult, { terraformValidate: false });
      times.verify!.push(performance.now() - t);
      if (!v.ok) throw new Error(v.errors.join('; '));
    }
    for (const [k, v] of Object.entries(times)) {
      const s = summarize(v.slice(1));
      console.log(
        `${k.padEnd(9)} p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  (first ${v[0]!.toFixed(1)} ms)`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
