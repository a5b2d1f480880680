/**
 * overlayIndex: the index of a patched repository built in memory from the cached one. Only the
 * changed files are parsed again; values that depend on the change are resolved again everywhere; the
 * base index is left exactly as it was; the result equals indexing the patched files from disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  attributeValue,
  findBlock,
  indexRepository,
  overlayIndex,
  type RepoIndex,
} from '../../src/terraform';
import { scratchRepo } from '../remediation/helpers';

const FILES = {
  'variables.tf': 'variable "env" {\n  type    = string\n  default = "dev"\n}\n',
  'main.tf':
    'locals {\n  prefix = "acme-${var.env}"\n}\n\nresource "aws_s3_bucket" "logs" {\n  bucket = "${local.prefix}-logs"\n}\n\nresource "aws_sqs_queue" "jobs" {\n  count = var.env == "prod" ? 2 : 1\n  name  = "${local.prefix}-jobs-${count.index}"\n}\n',
  'modules/app/main.tf':
    'variable "name" {\n  type = string\n}\n\nresource "aws_sns_topic" "t" {\n  name = var.name\n}\n',
  'app.tf': 'module "app" {\n  source = "./modules/app"\n  name   = "${local.prefix}-topic"\n}\n',
};

/** What a test compares: every block's address, instances and resolved top-level values. */
function shape(index: RepoIndex) {
  return index.blocks
    .map((b) => ({
      file: b.file,
      address: b.address,
      instances: b.instances.map((i) => i.address),
      values: Object.fromEntries(
        Object.entries(b.attributes).map(([k, a]) => [
          k,
          a.value.known ? a.value.value : `?${a.value.reason}`,
        ]),
      ),
    }))
    .sort((x, y) => `${x.file}${x.address}`.localeCompare(`${y.file}${y.address}`));
}

it('re-resolves what depends on the change, in other files and modules too, and leaves the base alone', async () => {
  const dir = scratchRepo(FILES);
  const base = await indexRepository(dir);
  const before = JSON.stringify(shape(base));
  const changed = FILES['variables.tf'].replace('"dev"', '"prod"');
  const after = await overlayIndex(base, [{ path: 'variables.tf', after: changed }]);

  const bucket = findBlock(after, 'aws_s3_bucket.logs')!;
  expect(attributeValue(after, bucket, 'bucket')).toEqual({ known: true, value: 'acme-prod-logs' });
  expect(findBlock(after, 'aws_sqs_queue.jobs')!.instances.map((i) => i.address)).toEqual([
    'aws_sqs_queue.jobs[0]',
    'aws_sqs_queue.jobs[1]',
  ]);
  expect(after.modules.find((m) => m.modulePath.join('.') === 'app')?.inputs.name).toEqual({
    known: true,
    value: 'acme-prod-topic',
  });
  expect(after.files['variables.tf']!.text).toBe(changed);
  // The cached base index still answers for the base commit.
  expect(JSON.stringify(shape(base))).toBe(before);
  expect(attributeValue(base, findBlock(base, 'aws_s3_bucket.logs')!, 'bucket')).toEqual({
    known: true,
    value: 'acme-dev-logs',
  });

  // The same as indexing the patched tree from disk.
  fs.writeFileSync(path.join(dir, 'variables.tf'), changed);
  expect(shape(after)).toEqual(shape(await indexRepository(dir)));
  fs.rmSync(dir, { recursive: true, force: true });
});

it('adds a new file and parses only what changed (unchanged files share their parse)', async () => {
  const dir = scratchRepo(FILES);
  const base = await indexRepository(dir);
  const extra = 'resource "aws_s3_bucket_versioning" "logs" {\n  bucket = aws_s3_bucket.logs.id\n}\n';
  const after = await overlayIndex(base, [{ path: 'versioning.tf', after: extra }]);
  expect(findBlock(after, 'aws_s3_bucket_versioning.logs')?.file).toBe('versioning.tf');
  expect(Object.keys(after.files).sort()).toEqual([...Object.keys(base.files), 'versioning.tf'].sort());
  // Same text object for an unchanged file: nothing was read or parsed again.
  expect(after.files['main.tf']!.text).toBe(base.files['main.tf']!.text);
  expect(after.root).toBe(base.root);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a change to resources only re-resolves the blocks that refer to them, and equals indexing from disk', async () => {
  const files = {
    'a.tf': 'resource "aws_s3_bucket" "x" {\n  bucket = "one"\n}\n',
    'b.tf':
      'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.x.bucket\n}\n\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    'c.tf': 'locals {\n  n = "static"\n}\n\noutput "name" {\n  value = aws_s3_bucket.x.bucket\n}\n',
  };
  for (const [path_, after] of [
    ['a.tf', files['a.tf'].replace('"one"', '"two"')],
    [
      'a.tf',
      `${files['a.tf']}\nresource "aws_s3_bucket_versioning" "x" {\n  bucket = aws_s3_bucket.x.id\n}\n`,
    ],
  ] as const) {
    const dir = scratchRepo(files);
    const base = await indexRepository(dir);
    const before = JSON.stringify(shape(base));
    const overlay = await overlayIndex(base, [{ path: path_, after }]);
    fs.writeFileSync(path.join(dir, path_), after);
    expect(shape(overlay)).toEqual(shape(await indexRepository(dir)));
    expect(JSON.stringify(shape(base))).toBe(before);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
