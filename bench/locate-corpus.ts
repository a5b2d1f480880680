/**
 * Locate over the corpus (test/fixtures/terraform/corpus): per repository the cold index time and the
 * first locate (which builds the name sources), then every case's locate on the warm index, with the
 * located / ambiguous / not-found counts against the expected ones. Usage: tsx bench/locate-corpus.ts [rounds]
 */
import fs from 'node:fs';
import path from 'node:path';
import { getParser, indexRepository, locate } from '../src/terraform';
import type { Failure } from '../src/contracts';

interface Case {
  id: string;
  repo: string;
  accounts?: string[];
  failure: { displayName: string; responseType: string; testId: string };
  expect: { status: string; address?: string };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  const dir = path.join(__dirname, '..', 'test', 'fixtures', 'terraform', 'corpus');
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Case[];
  await getParser();
  const counts: Record<string, number> = {};
  const times: number[] = [];
  console.log('repo\tfiles\tindex_ms\tfirst_locate_ms\twarm_locate_ms(p50)\twarm_locate_ms(max)');
  for (const repo of [...new Set(cases.map((c) => c.repo))].sort()) {
    const t0 = performance.now();
    const index = await indexRepository(path.join(dir, repo), { context: {} });
    const indexMs = performance.now() - t0;
    const mine = cases.filter((c) => c.repo === repo);
    const failureOf = (c: Case): Failure => ({
      key: `vanta:${c.failure.testId}:${c.id}`,
      source: 'vanta',
      testId: c.failure.testId,
      resource: { displayName: c.failure.displayName, responseType: c.failure.responseType },
    });
    const t1 = performance.now();
    locate(index, failureOf(mine[0]!), { accountIds: mine[0]!.accounts });
    const firstMs = performance.now() - t1;
    const own: number[] = [];
    for (let r = 0; r < rounds; r++)
      for (const c of mine) {
        const s = performance.now();
        const res = locate(index, failureOf(c), { accountIds: c.accounts });
        own.push(performance.now() - s);
        if (r === 0) {
          const ok =
            res.status === c.expect.status &&
            (c.expect.status !== 'found' || res.target?.address === c.expect.address);
          counts[`${res.status}${ok ? '' : ' (unexpected)'}`] =
            (counts[`${res.status}${ok ? '' : ' (unexpected)'}`] ?? 0) + 1;
        }
      }
    own.sort((a, b) => a - b);
    times.push(...own);
    console.log(
      `${repo}\t${Object.keys(index.files).length}\t${indexMs.toFixed(0)}\t${firstMs.toFixed(1)}\t${own[Math.floor(own.length / 2)]!.toFixed(2)}\t${own[own.length - 1]!.toFixed(2)}`,
    );
  }
  times.sort((a, b) => a - b);
  console.log(`cases: ${JSON.stringify(counts)}`);
  console.log(
    `warm locate per failure: p50 ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms, p95 ${times[Math.floor(times.length * 0.95)]!.toFixed(2)} ms over ${times.length} calls`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
