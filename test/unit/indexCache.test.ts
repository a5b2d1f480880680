/** The worker's index cache: one parse per checkout, another context reuses it, bounded by memory (LRU). */
import fs from 'node:fs';
import { IndexCache } from '../../src/activities/repository';
import type { Failure } from '../../src/contracts';
import { findBlock, attributeValue } from '../../src/terraform';
import { failureFor, scratchRepo } from '../remediation/helpers';

const TF = {
  'main.tf':
    'data "aws_caller_identity" "me" {}\n\nresource "aws_s3_bucket" "logs" {\n  bucket = "logs-${data.aws_caller_identity.me.account_id}"\n}\n',
};
const inAccount = (accountId: string): Failure => {
  const f = failureFor('CKV_AWS_21', {}, { terraformAddress: 'aws_s3_bucket.logs' });
  return { ...f, resource: { ...f.resource, accountId } };
};

it('indexes a checkout once; another account id reuses its parse (the files are not read again)', async () => {
  const counts: Record<string, number> = {};
  const cache = new IndexCache(64 * 1024 * 1024, {
    inc: ({ result }) => void (counts[result] = (counts[result] ?? 0) + 1),
  });
  const dir = scratchRepo(TF);
  const a = await cache.get(dir, inAccount('111111111111'));
  expect(await cache.get(dir, inAccount('111111111111'))).toBe(a);
  fs.rmSync(dir, { recursive: true, force: true });
  const b = await cache.get(dir, inAccount('222222222222'));
  expect(b).not.toBe(a);
  const bucket = (i: typeof a) => attributeValue(i, findBlock(i, 'aws_s3_bucket.logs')!, 'bucket');
  expect(bucket(a)).toEqual({ known: true, value: 'logs-111111111111' });
  expect(bucket(b)).toEqual({ known: true, value: 'logs-222222222222' });
  expect(counts).toEqual({ hit: 1, miss: 2 });
});

it('keeps within its memory budget: the least recently used index leaves first', async () => {
  const dirs = [scratchRepo(TF), scratchRepo(TF), scratchRepo(TF)];
  // Room for two of these indexes (estimated from their text), not three.
  const bytes = TF['main.tf'].length * 30;
  const cache = new IndexCache(bytes * 2);
  const first = await cache.get(dirs[0]!, inAccount('111111111111'));
  await cache.get(dirs[1]!, inAccount('111111111111'));
  expect(await cache.get(dirs[0]!, inAccount('111111111111'))).toBe(first); // now most recently used
  await cache.get(dirs[2]!, inAccount('111111111111'));
  expect(cache.size).toEqual({ bytes: bytes * 2, indexes: 2 });
  expect(await cache.get(dirs[0]!, inAccount('111111111111'))).toBe(first);
  expect(cache.size.indexes).toBe(2);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
