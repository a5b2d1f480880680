/** Parser limits: pathological files become per-file parse errors; the rest of the repo indexes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  MAX_HCL_FILE_BYTES,
  MAX_HCL_NESTING,
  collectRefs,
  evaluate,
  indexRepository,
  locate,
  parseHcl,
  type Expr,
} from '../../src/terraform';
import { failure } from './helpers';

const BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n';

function repo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-limits-'));
  for (const [p, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), t);
  }
  return dir;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function expectBucketStillLocated(dir: string): Promise<void> {
  const idx = await indexRepository(dir);
  const r = locate(idx, failure({ arn: 'arn:aws:s3:::acme-logs' }));
  expect(r.status).toBe('found');
  expect(r.target).toMatchObject({ address: 'aws_s3_bucket.logs', file: 'main.tf' });
}

describe('nesting-depth limit', () => {
  it('a 1,000-deep locals tuple is a per-file error and another resource is still located', async () => {
    const deep = `locals {\n  x = ${'['.repeat(1000)}1${']'.repeat(1000)}\n}\n`;
    const dir = repo({ 'main.tf': BUCKET, 'deep.tf': `# pathological\n${deep}` });
    dirs.push(dir);
    const idx = await indexRepository(dir);
    expect(idx.files['deep.tf'].errors).toEqual([
      { file: 'deep.tf', line: 3, message: `nesting deeper than ${MAX_HCL_NESTING}` },
    ]);
    expect(idx.blocks.filter((b) => b.file === 'deep.tf')).toEqual([]);
    expect(idx.files['main.tf'].errors).toEqual([]);
    const r = locate(idx, failure({ arn: 'arn:aws:s3:::acme-logs' }));
    expect(r.status).toBe('found');
    expect(r.target).toMatchObject({ address: 'aws_s3_bucket.logs', file: 'main.tf' });
    expect(r.errors).toContainEqual(expect.objectContaining({ file: 'deep.tf' }));
  });

  it.each([
    ['parentheses', `locals {\n  x = ${'('.repeat(5000)}1${')'.repeat(5000)}\n}\n`],
    ['an operator chain', `locals {\n  x = 1${' + 1'.repeat(5000)}\n}\n`],
    ['nested blocks', `resource "aws_s3_bucket" "d" {\n${'a {\n'.repeat(2000)}${'}\n'.repeat(2000)}}\n`],
    ['objects and calls', `locals {\n  x = ${'merge({a = '.repeat(2000)}1${'})'.repeat(2000)}\n}\n`],
    ['template directives', `locals {\n  x = "${'%{if true}'.repeat(2000)}${'%{endif}'.repeat(2000)}"\n}\n`],
  ])('%s nested too deeply are a per-file error', async (_name, text) => {
    const pf = await parseHcl(text, 'deep.tf');
    expect(pf.blocks).toEqual([]);
    expect(pf.errors).toEqual([
      expect.objectContaining({ file: 'deep.tf', message: `nesting deeper than ${MAX_HCL_NESTING}` }),
    ]);
  });

  it('a file of 500,000 unclosed brackets does not throw', async () => {
    const pf = await parseHcl(`locals {\n  x = ${'['.repeat(500_000)}`, 'open.tf');
    expect(pf.blocks).toEqual([]);
    expect(pf.errors.length).toBeGreaterThan(0);
  });

  it('realistic nesting below the limit parses and evaluates', async () => {
    const n = 40;
    const pf = await parseHcl(`locals {\n  x = ${'['.repeat(n)}"v"${']'.repeat(n)}\n}\n`, 'ok.tf');
    expect(pf.errors).toEqual([]);
    let v = evaluate(pf.blocks[0].attributes.x.expr, {
      vars: {},
      locals: {},
      localCache: new Map(),
      ctx: {},
    });
    expect(v.known).toBe(true);
    for (let i = 0; i < n && v.known; i++) v = { known: true, value: (v.value as unknown[])[0] as never };
    expect(v).toEqual({ known: true, value: 'v' });
  });

  it('a deeply nested .tf.json value is a per-file error', async () => {
    const json = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`;
    const dir = repo({
      'main.tf': BUCKET,
      'deep.tf.json': `{"locals": {"x": ${json}}}`,
    });
    dirs.push(dir);
    const idx = await indexRepository(dir);
    expect(idx.files['deep.tf.json'].errors).toEqual([
      { file: 'deep.tf.json', line: 1, message: `nesting deeper than ${MAX_HCL_NESTING}` },
    ]);
    await expectBucketStillLocated(dir);
  });

  it('evaluate and collectRefs stop on hand-built trees deeper than the limit', () => {
    let e: Expr = { t: 'ref', root: 'var', path: ['x'] };
    for (let i = 0; i < 100_000; i++) e = { t: 'tuple', items: [e] };
    expect(() => collectRefs(e)).not.toThrow();
    expect(evaluate(e, { vars: {}, locals: {}, localCache: new Map(), ctx: {} })).toEqual({
      known: false,
      reason: 'expression nested too deeply',
    });
  });
});

describe('file-size limit', () => {
  it('a file larger than the limit is a per-file error and another resource is still located', async () => {
    const big = `# ${'x'.repeat(MAX_HCL_FILE_BYTES)}\n`;
    const dir = repo({ 'main.tf': BUCKET, 'big.tf': big });
    dirs.push(dir);
    const idx = await indexRepository(dir);
    expect(idx.files['big.tf'].errors).toEqual([
      expect.objectContaining({
        file: 'big.tf',
        line: 1,
        message: expect.stringContaining(`file larger than ${MAX_HCL_FILE_BYTES} bytes`),
      }),
    ]);
    await expectBucketStillLocated(dir);
  });

  it('parseHcl refuses text over the limit (patched text is parsed too)', async () => {
    const pf = await parseHcl(`# ${'é'.repeat(MAX_HCL_FILE_BYTES / 2)}\n`, 'big.tf');
    expect(pf).toEqual({
      blocks: [],
      attributes: {},
      errors: [{ file: 'big.tf', line: 1, message: `file larger than ${MAX_HCL_FILE_BYTES} bytes` }],
    });
  });
});
