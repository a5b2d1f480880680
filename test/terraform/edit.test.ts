import fc from 'fast-check';
import { applyPatch, indexRepository, parseHcl, findBlock, type RepoIndex } from '../../src/terraform';
import type { PatchEdit } from '../../src/contracts';
import { fixture, patch } from './helpers';

function only(
  files: { path: string; before: string; after: string }[],
  p: string,
): { before: string; after: string } {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`no change to ${p}`);
  return f;
}

/** Asserts that text outside [start, end) of `before` is unchanged in `after`. */
function expectOnlyRangeChanged(before: string, after: string, start: number, end: number): void {
  expect(after.slice(0, start)).toBe(before.slice(0, start));
  expect(after.slice(after.length - (before.length - end))).toBe(before.slice(end));
}

describe('applyPatch', () => {
  let large: RepoIndex;
  beforeAll(async () => {
    large = await indexRepository(fixture('large'));
  });

  it('replaces an attribute value and keeps other bytes identical', async () => {
    const b = findBlock(large, 'aws_db_instance.main')!;
    const r = await applyPatch(
      large,
      patch([
        {
          kind: 'set_attribute',
          file: 'database.tf',
          address: 'aws_db_instance.main',
          path: ['multi_az'],
          value: 'true',
        },
      ]),
    );
    const f = only(r.files, 'database.tf');
    expect(f.after).toContain('  multi_az               = true\n');
    expect(f.after).not.toContain('multi_az               = false');
    expectOnlyRangeChanged(f.before, f.after, b.range.startByte, b.range.endByte);
  });

  it('adds a new attribute aligned by the formatter', async () => {
    const r = await applyPatch(
      large,
      patch([
        {
          kind: 'set_attribute',
          file: 'database.tf',
          address: 'aws_db_instance.main',
          path: ['deletion_protection'],
          value: 'true',
        },
      ]),
    );
    expect(only(r.files, 'database.tf').after).toMatch(/\n {2}deletion_protection {4}= true\n\}/);
  });

  it('creates missing nested blocks for a nested attribute path', async () => {
    const r = await applyPatch(
      large,
      patch([
        {
          kind: 'set_attribute',
          file: 'network.tf',
          address: 'aws_lb_listener.http',
          path: ['default_action', 'redirect', 'port'],
          value: '"443"',
        },
      ]),
    );
    expect(only(r.files, 'network.tf').after).toContain('    redirect {\n      port = "443"\n    }\n  }\n}');
  });

  it('adds and removes nested blocks', async () => {
    const r = await applyPatch(
      large,
      patch([
        {
          kind: 'remove_nested_block',
          file: 'network.tf',
          address: 'aws_security_group.web',
          path: ['ingress'],
          index: 1,
        },
        {
          kind: 'add_nested_block',
          file: 'storage.tf',
          address: 'aws_s3_bucket.static',
          path: [],
          text: 'lifecycle {\nprevent_destroy = true\n}',
        },
      ]),
    );
    const net = only(r.files, 'network.tf').after;
    expect(net).not.toContain('from_port   = 22');
    expect(net).toContain('from_port   = 443');
    expect(net).not.toMatch(/\n\s*\n\s*\n/);
    expect(only(r.files, 'storage.tf').after).toContain(
      '  bucket = "${var.name}-static-site"\n  lifecycle {\n    prevent_destroy = true\n  }\n}',
    );
  });

  it('refuses ambiguous nested paths and unknown blocks', async () => {
    await expect(
      applyPatch(
        large,
        patch([
          {
            kind: 'remove_nested_block',
            file: 'network.tf',
            address: 'aws_security_group.web',
            path: ['ingress'],
          },
        ]),
      ),
    ).rejects.toThrow(/ambiguous/);
    await expect(
      applyPatch(
        large,
        patch([
          { kind: 'set_attribute', file: 'network.tf', address: 'aws_vpc.nope', path: ['x'], value: '1' },
        ]),
      ),
    ).rejects.toThrow(/not found/);
    await expect(
      applyPatch(large, patch([{ kind: 'insert_after', file: '../evil.tf', afterAddress: null, text: 'x' }])),
    ).rejects.toThrow(/outside/);
  });

  it('inserts a formatted block after another, or at the end of a new file', async () => {
    const r = await applyPatch(
      large,
      patch([
        {
          kind: 'insert_after',
          file: 'database.tf',
          afterAddress: 'aws_kms_key.data',
          text: 'resource "aws_kms_alias" "extra" {\nname="alias/extra"\n}',
        },
        {
          kind: 'insert_after',
          file: 'account.tf',
          afterAddress: null,
          text: 'resource "aws_iam_account_password_policy" "this" {\n  minimum_password_length = 14\n}',
        },
      ]),
    );
    expect(only(r.files, 'database.tf').after).toContain(
      '}\n\nresource "aws_kms_alias" "extra" {\n  name = "alias/extra"\n}\n\nresource "aws_kms_alias" "data"',
    );
    expect(only(r.files, 'account.tf')).toEqual({
      before: '',
      after: 'resource "aws_iam_account_password_policy" "this" {\n  minimum_password_length = 14\n}\n',
      path: 'account.tf',
    });
  });

  it('replaces a whole block', async () => {
    const b = findBlock(large, 'aws_kms_key.data')!;
    const r = await applyPatch(
      large,
      patch([
        {
          kind: 'replace_block',
          file: 'database.tf',
          address: 'aws_kms_key.data',
          text: 'resource "aws_kms_key" "data" {\n  description = "data key"\n  enable_key_rotation = true\n}',
        },
      ]),
    );
    const f = only(r.files, 'database.tf');
    expect(f.after).toContain('  description         = "data key"\n  enable_key_rotation = true\n}');
    expect(f.after.slice(0, b.range.startByte)).toBe(f.before.slice(0, b.range.startByte));
  });

  it('preserves CRLF line endings', async () => {
    const idx = await indexRepository(fixture('crlf'));
    const r = await applyPatch(
      idx,
      patch([
        {
          kind: 'set_attribute',
          file: 'main.tf',
          address: 'aws_s3_bucket.crlf',
          path: ['force_destroy'],
          value: 'false',
        },
        {
          kind: 'insert_after',
          file: 'main.tf',
          afterAddress: 'aws_sqs_queue.jobs',
          text: 'resource "aws_sqs_queue" "dlq" {\n  name = "dlq"\n}',
        },
      ]),
    );
    const after = only(r.files, 'main.tf').after;
    expect(after.replace(/\r\n/g, '')).not.toContain('\n');
    expect(after).toContain('force_destroy = false\r\n');
    expect(after).toContain('resource "aws_sqs_queue" "dlq" {\r\n  name = "dlq"\r\n}');
  });

  it('edits after non-ASCII text without shifting offsets', async () => {
    const idx = await indexRepository(fixture('nonascii'));
    const b = findBlock(idx, 'aws_dynamodb_table.ünïcode')!;
    const r = await applyPatch(
      idx,
      patch([
        {
          kind: 'add_nested_block',
          file: 'main.tf',
          address: 'aws_dynamodb_table.ünïcode',
          path: [],
          text: 'point_in_time_recovery {\n  enabled = true\n}',
        },
      ]),
    );
    const f = only(r.files, 'main.tf');
    expect(f.after.slice(0, b.range.startByte)).toBe(f.before.slice(0, b.range.startByte));
    expect(f.after).toContain('  point_in_time_recovery {\n    enabled = true\n  }\n}');
    expect((await parseHcl(f.after, 'main.tf')).errors).toEqual([]);
  });

  it('property: random edits change only the edited block and the result re-parses', async () => {
    const idx = await indexRepository(fixture('large'));
    const targets = idx.blocks.filter((b) => b.kind === 'resource' && b.moduleDir === '');
    const attrName = fc
      .stringMatching(/^[a-z][a-z0-9_]{0,12}$/)
      .filter((s) => !['count', 'for_each', 'lifecycle', 'provider', 'depends_on', 'dynamic'].includes(s));
    const value = fc.oneof(
      fc.boolean().map(String),
      fc.integer({ min: 0, max: 100000 }).map(String),
      fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s.replace(/[$%\\]/g, ''))),
    );
    const edit = fc.record({
      target: fc.constantFrom(...targets),
      kind: fc.constantFrom('set', 'nested', 'insert'),
      name: attrName,
      value,
    });
    await fc.assert(
      fc.asyncProperty(edit, async (e) => {
        const b = e.target;
        const pe: PatchEdit =
          e.kind === 'set'
            ? { kind: 'set_attribute', file: b.file, address: b.address, path: [e.name], value: e.value }
            : e.kind === 'nested'
              ? {
                  kind: 'add_nested_block',
                  file: b.file,
                  address: b.address,
                  path: [],
                  text: `${e.name} {\n  x = ${e.value}\n}`,
                }
              : {
                  kind: 'insert_after',
                  file: b.file,
                  afterAddress: b.address,
                  text: `resource "null_resource" "${e.name}" {\n  x = ${e.value}\n}`,
                };
        const r = await applyPatch(idx, patch([pe]));
        const f = only(r.files, b.file);
        const start = e.kind === 'insert' ? b.range.endByte : b.range.startByte;
        const end = b.range.endByte;
        expect(f.after.slice(0, start)).toBe(f.before.slice(0, start));
        expect(f.after.endsWith(f.before.slice(end))).toBe(true);
        expect((await parseHcl(f.after, b.file)).errors).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
