/**
 * Locate corpus (issue 15): realistic repositories and Vanta-shaped failures (displayName +
 * responseType only), written independently of the locator. See test/fixtures/terraform/corpus/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { indexRepository, locate, type LocateResult, type RepoIndex } from '../../src/terraform';
import type { Failure } from '../../src/contracts';

type Status = LocateResult['status'];

interface CorpusCase {
  id: string;
  repo: string;
  accounts?: string[];
  failure: { displayName: string; responseType: string; testId: string };
  expect:
    | { status: 'found'; address: string; binding?: string }
    | { status: 'ambiguous' | 'not_found'; why: string; candidates?: string[] };
}

const CORPUS = path.join(__dirname, '..', 'fixtures', 'terraform', 'corpus');
const cases: CorpusCase[] = JSON.parse(fs.readFileSync(path.join(CORPUS, 'cases.json'), 'utf8'));

const indexes = new Map<string, Promise<RepoIndex>>();
function indexFor(repo: string): Promise<RepoIndex> {
  let idx = indexes.get(repo);
  if (!idx) {
    idx = indexRepository(path.join(CORPUS, repo), { context: {} });
    indexes.set(repo, idx);
  }
  return idx;
}

function toFailure(c: CorpusCase): Failure {
  const { displayName, responseType, testId } = c.failure;
  return {
    key: `vanta:${testId}:${c.id}`,
    source: 'vanta',
    testId,
    resource: { displayName, responseType },
  };
}

const STATUSES: Status[] = ['found', 'ambiguous', 'not_found'];
const zero = (): Record<Status, number> => ({ found: 0, ambiguous: 0, not_found: 0 });
const expected = zero();
for (const c of cases) expected[c.expect.status]++;
/** Cases answered as expected, by expected status ("found" counts only the right address and binding). */
const correct = zero();
/** What locate actually answered, by status. */
const answered = zero();

describe('locate corpus', () => {
  afterAll(() => {
    const parts = STATUSES.map((s) => `${s} ${correct[s]}/${expected[s]}`);
    const got = STATUSES.map((s) => `${s} ${answered[s]}`).join(', ');
    console.log(`locate corpus: ${parts.join(', ')} as expected (${cases.length} cases; answered: ${got})`);
  });

  it('is well formed', () => {
    const ids = new Set<string>();
    for (const c of cases) {
      expect(ids.has(c.id)).toBe(false);
      ids.add(c.id);
      expect(fs.statSync(path.join(CORPUS, c.repo)).isDirectory()).toBe(true);
      expect(c.failure.displayName).not.toBe('');
    }
    expect(expected.found).toBeGreaterThanOrEqual(45);
    expect(expected.ambiguous + expected.not_found).toBeGreaterThanOrEqual(12);
  });

  it('parses every file of every repository', async () => {
    for (const repo of new Set(cases.map((c) => c.repo))) {
      const idx = await indexFor(repo);
      const errors = Object.entries(idx.files).flatMap(([f, x]) => x.errors.map((e) => ({ f, ...e })));
      expect(errors).toEqual([]);
    }
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const index = await indexFor(c.repo);
    const r = locate(index, toFailure(c), { accountIds: c.accounts });
    answered[r.status]++;
    const e = c.expect;
    if (e.status === 'found') {
      expect({ status: r.status, address: r.target?.address }).toEqual({
        status: 'found',
        address: e.address,
      });
      if (e.binding !== undefined) expect(r.binding).toBe(e.binding);
    } else {
      expect(r.status).not.toBe('found');
      expect(r.status).toBe(e.status);
      const addresses = r.candidates.map((x) => x.target.address);
      for (const a of e.candidates ?? []) expect(addresses).toContain(a);
    }
    correct[e.status]++;
  });
});
