import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseHcl } from '../../src/terraform';
import { authoritativeParse, formatInHclThread, stopAuthoritativeParser } from '../../src/terraform/hcl2json';
import { formatBlockText } from '../../src/terraform/format';
import { generateWithRules, verifyFix, type PatchResult } from '../../src/remediation/engine';
import { indexRepository, locate } from '../../src/terraform';
import type { Failure } from '../../src/contracts';

const ROOT = path.join(__dirname, '..', '..');

afterAll(() => stopAuthoritativeParser());

describe('authoritativeParse: what tree-sitter accepts but HashiCorp rejects', () => {
  // Each input parses without error in tree-sitter (asserted) and is rejected by hashicorp/hcl.
  const cases: [string, string, number, RegExp][] = [
    [
      'an argument set twice in one block',
      'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  bucket = "y"\n}\n',
      3,
      /^main\.tf:3,3-9: Attribute redefined; The argument "bucket" was already set at main\.tf:2,3-9/,
    ],
    [
      'two arguments on one line',
      'resource "aws_s3_bucket" "b" {\n  a = 1 b = 2\n}\n',
      2,
      /^main\.tf:2,9-10: Missing newline after argument/,
    ],
    ['a quoted string split over lines', 'locals {\n  x = "a\nb"\n}\n', 2, /Invalid multi-line string/],
    ['an empty interpolation', 'locals {\n  x = "${}"\n}\n', 2, /^main\.tf:2,10-11: Invalid expression/],
    ['a blank interpolation inside text', 'locals {\n  x = "a${ }b"\n}\n', 2, /Invalid expression/],
    [
      'a single-line block closed on the next line',
      'resource "a" "b" { a = 1\n  b = 2 }\n',
      1,
      /Invalid single-argument block definition/,
    ],
    [
      'a nested block inside a single-line block',
      'resource "a" "b" {\n  c { d { } }\n}\n',
      2,
      /Argument definition required/,
    ],
    [
      'an argument after a block on the same line',
      'resource "a" "b" {\n  lifecycle { ignore_changes = [] } tags = {}\n}\n',
      2,
      /Missing newline after block definition/,
    ],
    [
      'object attributes without separator',
      'locals {\n  x = { a = 1 b = 2 }\n}\n',
      2,
      /Missing attribute separator/,
    ],
  ];

  it.each(cases)('%s', async (_name, text, line, message) => {
    expect((await parseHcl(text, 'main.tf')).errors).toEqual([]);
    const [r] = await authoritativeParse([{ path: 'main.tf', content: text }]);
    expect(r.path).toBe('main.tf');
    expect(r.skipped).toBeUndefined();
    expect(r.line).toBe(line);
    expect(r.error).toMatch(message);
  });

  it('both parsers reject unclosed heredocs and unbalanced template directives', async () => {
    for (const text of [
      'locals {\n  x = <<EOT\nhello\n}\n',
      'locals {\n  x = <<EOT\nhello\nEOF\n}\n',
      'locals {\n  x = "%{ if true }"\n}\n',
      'locals {\n  x = "\\q"\n}\n',
    ]) {
      expect((await parseHcl(text, 'main.tf')).errors.length).toBeGreaterThan(0);
      const [r] = await authoritativeParse([{ path: 'main.tf', content: text }]);
      expect(r.error).toMatch(/^main\.tf:\d+,\d+/);
    }
  });
});

describe('authoritativeParse on real files', () => {
  it('accepts every valid .tf file of the fixtures and of infra/', async () => {
    const out = execFileSync(
      'find',
      ['test/fixtures', 'infra', '-name', '*.tf', '-not', '-path', '*parse-error*'],
      {
        cwd: ROOT,
      },
    );
    const files = out.toString().trim().split('\n');
    expect(files.length).toBeGreaterThan(50);
    const results = await authoritativeParse(
      files.map((p) => ({ path: p, content: fs.readFileSync(path.join(ROOT, p), 'utf8') })),
    );
    expect(results.filter((r) => r.error || r.skipped)).toEqual([]);
    expect(results.map((r) => r.path)).toEqual(files);
  });

  it('summarises several diagnostics and never echoes the file content', async () => {
    const secret = 'S'.repeat(100_000);
    const text = `locals {\n  x = "${secret}\n  y = 1 z = 2\n}\n`;
    const [r] = await authoritativeParse([{ path: 'modules/a/main.tf', content: text }]);
    expect(r.error).toMatch(/^modules\/a\/main\.tf:2,/);
    expect(r.error).toMatch(/\(and \d+ more\)$/);
    expect(r.error!.length).toBeLessThan(700);
    expect(r.error).not.toContain('SSSSSSSSSS');
  });

  it('skips files it does not check, with the reason', async () => {
    const r = await authoritativeParse(
      [
        { path: 'main.tf.json', content: '{}' },
        { path: 'big.tf', content: 'a = 1\n'.repeat(100) },
      ],
      { maxBytes: 100 },
    );
    expect(r).toEqual([
      { path: 'main.tf.json', skipped: 'not a .tf file' },
      { path: 'big.tf', skipped: '600 bytes, larger than 100' },
    ]);
  });

  it('a timeout terminates the parser thread; the next call starts a new one', async () => {
    await stopAuthoritativeParser();
    const [slow] = await authoritativeParse([{ path: 'main.tf', content: 'a = 1\n' }], { timeoutMs: 1 });
    expect(slow.skipped).toMatch(/did not answer: timed out after 1 ms/);
    const [ok] = await authoritativeParse([{ path: 'main.tf', content: 'a = 1\n' }]);
    expect(ok).toEqual({ path: 'main.tf' });
  });

  it('concurrent callers each get their own files’ results', async () => {
    const all = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        authoritativeParse([
          { path: `f${i}.tf`, content: i % 3 === 0 ? `a${i} = 1 b = 2\n` : `a${i} = ${i}\n` },
        ]),
      ),
    );
    all.forEach(([r], i) => {
      expect(r.path).toBe(`f${i}.tf`);
      if (i % 3 === 0) expect(r.error).toMatch(new RegExp(`^f${i}\\.tf:1,`));
      else expect(r.error).toBeUndefined();
    });
  });
});

describe('verifyFix runs the hcl-reparse check', () => {
  const failure: Failure = {
    key: 'file:CKV_AWS_21',
    source: 'file',
    testId: 'CKV_AWS_21',
    resource: { terraformAddress: 'aws_s3_bucket.logs' },
  };
  async function setUp() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-hcl2json-'));
    fs.writeFileSync(
      path.join(dir, 'main.tf'),
      'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n',
    );
    fs.writeFileSync(
      path.join(dir, 'versions.tf'),
      'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 3.75"\n    }\n  }\n}\n',
    );
    const index = await indexRepository(dir);
    const target = locate(index, failure).target!;
    const gen = generateWithRules(index, target, failure) as PatchResult;
    expect(gen.status).toBe('patch');
    return { dir, index, target, gen };
  }

  it('records hcl-reparse for a clean fix', async () => {
    const { dir, index, target, gen } = await setUp();
    try {
      const v = await verifyFix(index, target, failure, gen, { terraformValidate: false });
      if (!v.ok) throw new Error(v.errors.join('\n'));
      expect(v.fix.validation.ran).toContain('hcl-reparse');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a patch tree-sitter accepts but HashiCorp's parser does not", async () => {
    const { dir, index, target, gen } = await setUp();
    try {
      const edit = gen.patch.edits[0];
      expect(edit.kind).toBe('add_nested_block');
      const text = 'versioning {\n  enabled = true\n  enabled = true\n}';
      const bad: PatchResult = { ...gen, patch: { ...gen.patch, edits: [{ ...edit, text } as typeof edit] } };
      const v = await verifyFix(index, target, failure, bad, { terraformValidate: false });
      expect(v.ok).toBe(false);
      if (v.ok) return;
      expect(v.errors).toEqual([
        expect.stringMatching(
          /^main\.tf:5: hcl2json: main\.tf:5,\d+-\d+: Attribute redefined; The argument "enabled"/,
        ),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hclwrite formatting in the HCL thread', () => {
  it('formats in the thread, alongside the parses; text that does not parse comes back unchanged', async () => {
    const [formatted, parsed] = await Promise.all([
      formatInHclThread('resource "a" "b" {\n  x = 1\n  longer_name = "v"\n}\n'),
      authoritativeParse([{ path: 'main.tf', content: 'locals {\n  a = 1\n}\n' }]),
    ]);
    expect(formatted).toBe('resource "a" "b" {\n  x           = 1\n  longer_name = "v"\n}\n');
    expect(parsed).toEqual([{ path: 'main.tf' }]);
    await expect(formatInHclThread('resource "a" {\n')).resolves.toBe('resource "a" {\n');
    await expect(formatInHclThread('a=1\n')).resolves.toBe('a = 1\n');
  });

  it('formatBlockText with the hclwrite formatter never needs the terraform binary', async () => {
    const r = await formatBlockText('a=1\n', {
      formatter: 'hclwrite',
      terraformPath: '/nonexistent/terraform',
    });
    expect(r).toEqual({ text: 'a = 1\n', formatter: 'hclwrite (@cdktf/hcl-tools)' });
    const broken = await formatBlockText('a = {\n', { formatter: 'hclwrite' });
    expect(broken.text).toBe('a = {\n');
  });

  it('the main thread never loads a Go runtime: hcl2json and hclwrite run only in the thread', async () => {
    await formatBlockText('a=1\n', { formatter: 'hclwrite' });
    expect((globalThis as { Go?: unknown }).Go).toBeUndefined();
  });
});
