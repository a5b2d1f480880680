import {
  attributeValue,
  findBlock,
  indexRepository,
  type HclBlock,
  type RepoIndex,
} from '../../src/terraform';
import { fixture } from './helpers';

const block = (idx: RepoIndex, addr: string): HclBlock => {
  const b = findBlock(idx, addr);
  if (!b) throw new Error(`no block ${addr}`);
  return b;
};

describe('indexRepository', () => {
  it('indexes blocks with kinds, labels, ranges and provider info', async () => {
    const idx = await indexRepository(fixture('small'));
    const logs = block(idx, 'aws_s3_bucket.logs');
    expect(logs.kind).toBe('resource');
    expect(logs.labels).toEqual(['aws_s3_bucket', 'logs']);
    expect(logs.file).toBe('main.tf');
    expect(logs.range.startLine).toBe(11);
    expect(logs.range.endLine).toBe(17);
    const text = idx.files['main.tf'].text;
    expect(text.slice(logs.range.startByte, logs.range.endByte)).toMatch(
      /^resource "aws_s3_bucket" "logs" \{[\s\S]*\}$/,
    );
    expect(logs.attributes.bucket.value).toEqual({ known: true, value: 'acme-app-logs' });
    expect(logs.attributes.tags.value).toEqual({ known: true, value: { Name: 'app-logs' } });
    // Unquoted labels parse.
    expect(block(idx, 'aws_iam_role.deployer').attributes.name.exprText).toBe('"acme-deployer"');
    expect(idx.provider).toMatchObject({ awsConstraint: '~> 5.0', awsLockedVersion: '5.31.0', awsMajor: 5 });
  });

  it('resolves variables with tfvars, locals, interpolation and functions', async () => {
    const idx = await indexRepository(fixture('medium'));
    expect(block(idx, 'aws_s3_bucket.logs').attributes.bucket.value).toEqual({
      known: true,
      value: 'acme-prod-logs',
    });
    expect(block(idx, 'aws_dynamodb_table.sessions').attributes.name.value).toEqual({
      known: true,
      value: 'PROD_SESSIONS',
    });
    expect(block(idx, 'aws_s3_bucket.logs').attributes.tags.value).toEqual({
      known: true,
      value: { Project: 'acme', Environment: 'prod' },
    });
  });

  it('applies extra var files only when asked', async () => {
    const idx = await indexRepository(fixture('medium'), { varFiles: ['staging.tfvars'] });
    expect(block(idx, 'aws_s3_bucket.logs').attributes.bucket.value).toEqual({
      known: true,
      value: 'acme-staging-logs',
    });
  });

  it('expands count and for_each into instance addresses with per-instance values', async () => {
    const idx = await indexRepository(fixture('medium'));
    const named = block(idx, 'aws_s3_bucket.named');
    expect(named.instances.map((i) => i.address)).toEqual([
      'aws_s3_bucket.named["assets"]',
      'aws_s3_bucket.named["backups"]',
    ]);
    expect(attributeValue(idx, named, 'bucket', named.instances[1])).toEqual({
      known: true,
      value: 'acme-prod-backups',
    });
    expect(named.attributes.bucket.value.known).toBe(false);
    const q = block(idx, 'aws_sqs_queue.q');
    expect(q.instances.map((i) => i.address)).toEqual(['aws_sqs_queue.q[0]', 'aws_sqs_queue.q[1]']);
    expect(attributeValue(idx, q, 'name', q.instances[1])).toEqual({
      known: true,
      value: 'acme-prod-billing',
    });
  });

  it('reports unresolvable expressions with a reason instead of guessing', async () => {
    const idx = await indexRepository(fixture('medium'));
    const v = block(idx, 'aws_s3_bucket_server_side_encryption_configuration.logs').attributes.bucket.value;
    expect(v.known).toBe(false);
    if (!v.known) expect(v.reason).toMatch(/aws_s3_bucket\.logs\.id is known only after apply/);
    const versioning = block(idx, 'aws_s3_bucket_versioning.named');
    expect(versioning.instances).toEqual([]);
    expect(versioning.instancesUnknown).toMatch(/for_each/);
  });

  it('resolves data.aws_caller_identity and data.aws_region from the context', async () => {
    const idx = await indexRepository(fixture('medium'), {
      context: { accountId: '111122223333', region: 'eu-west-1' },
    });
    expect(block(idx, 'aws_cloudtrail.main').attributes.name.value).toEqual({
      known: true,
      value: 'trail-111122223333-eu-west-1',
    });
    const idx2 = await indexRepository(fixture('medium'));
    expect(block(idx2, 'aws_cloudtrail.main').attributes.name.value.known).toBe(false);
  });

  it('instantiates local modules with their inputs', async () => {
    const idx = await indexRepository(fixture('large'));
    expect(idx.rootModuleDirs).toEqual(['']);
    const b = idx.blocks.find(
      (x) => x.moduleDir === 'modules/storage' && x.localAddress === 'aws_s3_bucket.this',
    )!;
    expect(b.instances.map((i) => i.address).sort()).toEqual([
      'module.audit.aws_s3_bucket.this',
      'module.data["archive"].aws_s3_bucket.this',
      'module.data["curated"].aws_s3_bucket.this',
      'module.data["raw"].aws_s3_bucket.this',
    ]);
    const audit = b.instances.find((i) => i.address.startsWith('module.audit'))!;
    expect(attributeValue(idx, b, 'bucket', audit)).toEqual({ known: true, value: 'corp-audit' });
    expect(
      attributeValue(
        idx,
        b,
        'bucket',
        b.instances.find((i) => i.address.includes('raw'))!,
      ),
    ).toEqual({
      known: true,
      value: 'corp-raw',
    });
    expect(idx.modules.find((m) => m.modulePath[0] === 'audit')).toMatchObject({
      dir: 'modules/storage',
      source: './modules/storage',
    });
  });

  it('reports parse errors per file and keeps indexing the others', async () => {
    const idx = await indexRepository(fixture('parse-error'));
    expect(idx.files['broken.tf'].errors.length).toBeGreaterThan(0);
    expect(idx.files['broken.tf'].errors[0]).toMatchObject({ file: 'broken.tf' });
    expect(idx.files['good.tf'].errors).toEqual([]);
    expect(findBlock(idx, 'aws_s3_bucket.ok')?.attributes.bucket.value).toEqual({
      known: true,
      value: 'still-indexed',
    });
  });

  it('uses UTF-16 offsets that slice non-ASCII files exactly', async () => {
    const idx = await indexRepository(fixture('nonascii'));
    const b = block(idx, 'aws_s3_bucket.données');
    const text = idx.files['main.tf'].text;
    expect(text.slice(b.range.startByte, b.range.startByte + 9)).toBe('resource ');
    expect(text.slice(b.range.endByte - 1, b.range.endByte)).toBe('}');
    expect(b.attributes.bucket.value).toEqual({ known: true, value: 'café-naïve-bucket' });
    expect(text.slice(b.attributes.bucket.range.startByte, b.attributes.bucket.range.endByte)).toBe(
      'bucket = "café-naïve-bucket"',
    );
  });

  it('detects CRLF files', async () => {
    const idx = await indexRepository(fixture('crlf'));
    expect(idx.files['main.tf'].eol).toBe('\r\n');
    expect(block(idx, 'aws_s3_bucket.crlf').attributes.bucket.value).toEqual({
      known: true,
      value: 'crlf-bucket',
    });
  });
});
