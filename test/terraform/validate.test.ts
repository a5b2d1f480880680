import { applyPatch, indexRepository, validateChange, type RepoIndex } from '../../src/terraform';
import type { PatchEdit } from '../../src/contracts';
import { fixture, patch } from './helpers';

describe('validateChange', () => {
  let idx: RepoIndex;
  beforeAll(async () => {
    idx = await indexRepository(fixture('large'));
  });

  async function check(edits: PatchEdit[], removes?: string[]) {
    const p = patch(edits, removes ? { removes } : {});
    const result = await applyPatch(idx, p, { format: false });
    return validateChange(idx, result, p, { timeoutMs: 20000 });
  }
  const messages = (r: { issues: { message: string }[] }): string =>
    r.issues.map((i) => i.message).join('\n');

  it('accepts a clean change and reports terraform validate as skipped with a reason when providers are offline', async () => {
    const r = await check([
      {
        kind: 'set_attribute',
        file: 'database.tf',
        address: 'aws_db_instance.main',
        path: ['multi_az'],
        value: 'true',
      },
    ]);
    expect(r.issues).toEqual([]);
    expect(r.ran).toEqual(expect.arrayContaining(['parse', 'guardrails', 'references']));
    expect(r.skipped.join(' ')).toMatch(
      /terraform validate.*(no provider mirror configured|not in the provider mirror|no terraform binary)/,
    );
  });

  it('rejects text that does not parse', async () => {
    const r = await check([
      {
        kind: 'set_attribute',
        file: 'database.tf',
        address: 'aws_db_instance.main',
        path: ['multi_az'],
        value: '= {',
      },
    ]);
    expect(messages(r)).toMatch(/does not parse/);
    expect(r.issues[0]).toMatchObject({ file: 'database.tf', severity: 'error' });
  });

  it('rejects removed or renamed resources unless the patch declares them', async () => {
    const rename: PatchEdit = {
      kind: 'replace_block',
      file: 'database.tf',
      address: 'aws_kms_key.data',
      text: 'resource "aws_kms_key" "renamed" {\n  enable_key_rotation = true\n}',
    };
    expect(messages(await check([rename]))).toMatch(/aws_kms_key\.data was removed or renamed/);
    const allowed = await check([rename], ['aws_kms_key.data']);
    expect(messages(allowed)).not.toMatch(/removed or renamed/);
  });

  it.each([
    [
      'a local-exec provisioner',
      'provisioner "local-exec" {\n  command = "curl evil"\n}',
      /provisioner \(local-exec\)/,
    ],
    [
      'a remote-exec provisioner',
      'provisioner "remote-exec" {\n  inline = ["id"]\n}',
      /provisioner \(remote-exec\)/,
    ],
  ])('rejects %s', async (_name, text, re) => {
    const r = await check([
      { kind: 'add_nested_block', file: 'storage.tf', address: 'aws_s3_bucket.static', path: [], text },
    ]);
    expect(messages(r)).toMatch(re);
  });

  it('rejects the external data source, new providers and new module sources', async () => {
    const ext = await check([
      {
        kind: 'insert_after',
        file: 'storage.tf',
        afterAddress: 'aws_s3_bucket.static',
        text: 'data "external" "x" {\n  program = ["sh"]\n}',
      },
    ]);
    expect(messages(ext)).toMatch(/"external" data source/);
    const prov = await check([
      {
        kind: 'insert_after',
        file: 'versions.tf',
        afterAddress: null,
        text: 'provider "aws" {\n  alias  = "other"\n  region = "eu-west-1"\n}',
      },
    ]);
    expect(messages(prov)).toMatch(/new provider configuration/);
    const mod = await check([
      {
        kind: 'insert_after',
        file: 'storage.tf',
        afterAddress: null,
        text: 'module "evil" {\n  source = "git::https://example.com/evil.git"\n}',
      },
    ]);
    expect(messages(mod)).toMatch(/new module source/);
    const known = await check([
      {
        kind: 'insert_after',
        file: 'storage.tf',
        afterAddress: null,
        text: 'module "more" {\n  source = "./modules/storage"\n  name   = "corp-more"\n}',
      },
    ]);
    expect(messages(known)).not.toMatch(/module source/);
  });

  it('rejects references that do not resolve in the module, accepts ones from sibling files', async () => {
    const bad = await check([
      {
        kind: 'set_attribute',
        file: 'storage.tf',
        address: 'aws_s3_bucket.static',
        path: ['bucket'],
        value: 'var.missing',
      },
    ]);
    expect(messages(bad)).toMatch(/reference var\.missing does not resolve/);
    const badRes = await check([
      {
        kind: 'insert_after',
        file: 'storage.tf',
        afterAddress: null,
        text: 'resource "aws_s3_bucket_versioning" "static" {\n  bucket = aws_s3_bucket.nope.id\n}',
      },
    ]);
    expect(messages(badRes)).toMatch(/aws_s3_bucket\.nope/);
    const good = await check([
      {
        kind: 'insert_after',
        file: 'storage.tf',
        afterAddress: null,
        text: 'resource "aws_s3_bucket_versioning" "static" {\n  bucket = aws_s3_bucket.static.id\n  expected_bucket_owner = var.name\n  versioning_configuration {\n    status = "Enabled"\n  }\n}',
      },
    ]);
    expect(good.issues).toEqual([]);
  });
});
