import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAnalyze } from '../../src/cli/commands/analyze';
import { normalizeFailure } from '../../src/failure';
import { InvalidFailureError } from '../../src/errors';
import { fixture } from './helpers';

describe('terrafix analyze', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-analyze-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, v: unknown): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, JSON.stringify(v));
    return p;
  };

  it('prints the documented JSON shape and exits 0 when found', async () => {
    const f = write('found.json', {
      key: 'k',
      source: 'file',
      testId: 'aws-rds-multi-az-redundancy',
      resource: { displayName: 'corp-postgres', responseType: 'RDS instance' },
    });
    const r = await runAnalyze({ repo: fixture('large'), failure: f, json: true });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      status: 'found',
      target: {
        address: 'aws_db_instance.main',
        file: 'database.tf',
        startLine: 1,
        endLine: 9,
        matchedBy: 'resolved_name',
        confidence: 0.9,
      },
      binding: null,
      reasons: ['identifier resolves ("${var.name}-postgres") to "corp-postgres"'],
      candidates: [
        {
          address: 'aws_db_instance.main',
          file: 'database.tf',
          startLine: 1,
          endLine: 9,
          matchedBy: 'resolved_name',
          confidence: 0.9,
          reasons: ['identifier resolves ("${var.name}-postgres") to "corp-postgres"'],
        },
      ],
      errors: [],
    });
  });

  it('accepts the legacy snake_case shape and exits 3 when not found', async () => {
    const f = write('legacy.json', {
      test_id: 'aws-s3-public-access-blocked',
      test_name: 'S3 public access',
      resource_arn: 'arn:aws:s3:::does-not-exist',
      resource_type: 'AWS::S3::Bucket',
      severity: 'HIGH',
      framework: 'SOC2',
      failure_reason: 'public',
    });
    const r = await runAnalyze({ repo: fixture('large'), failure: f, json: true });
    expect(r.exitCode).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('not_found');
    expect(out.target).toBeNull();
    const human = await runAnalyze({ repo: fixture('large'), failure: f });
    expect(human.stdout).toMatch(/^not found/);
  });

  it('reports parse errors in the JSON output', async () => {
    const f = write('pe.json', {
      key: 'k',
      source: 'file',
      testId: 't',
      resource: { displayName: 'still-indexed', responseType: 'S3 bucket' },
    });
    const r = await runAnalyze({ repo: fixture('parse-error'), failure: f, json: true });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).errors[0]).toMatchObject({ file: 'broken.tf', line: expect.any(Number) });
  });

  it('--account-ids resolves the account id in a name; the miss names where the name departs', async () => {
    const corpus = path.join(__dirname, '..', 'fixtures', 'terraform', 'corpus', 'acme-finance-platform');
    const f = write('acct.json', {
      key: 'k',
      source: 'vanta',
      testId: 's3-bucket-encrypted',
      resource: { displayName: '418295061247-acme-prod-financials', responseType: 'S3 bucket' },
    });
    const ok = await runAnalyze({ repo: corpus, failure: f, json: true, accountIds: '418295061247' });
    expect(ok.exitCode).toBe(0);
    const j = JSON.parse(ok.stdout) as { target: { address: string }; binding: string | null };
    expect(j.target.address).toBe('aws_s3_bucket.financials');
    expect(j.binding).toBe('environments/prod.tfvars');
    // Another account: not found, and the human output says where the name departs.
    const miss = await runAnalyze({ repo: corpus, failure: f, accountIds: '730335468211' });
    expect(miss.exitCode).toBe(3);
    expect(miss.stdout).toMatch(/closest: .*aws_s3_bucket\.financials: expected/);
    const bad = await runAnalyze({ repo: corpus, failure: f, accountIds: '12345' });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('expected 12-digit account ids, got 12345');
  });

  it('exits 2 with the bad field named for an invalid failure', async () => {
    const f = write('bad.json', { testId: 't', resource: { arn: 42 } });
    const r = await runAnalyze({ repo: fixture('small'), failure: f, json: true });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/resource\.arn/);
  });
});

describe('normalizeFailure', () => {
  it('converts the legacy shape', () => {
    const f = normalizeFailure({
      test_id: 'x',
      resource_arn: 'arn:aws:s3:::b',
      resource_type: 'AWS::S3::Bucket',
      severity: 'HIGH',
      framework: ['SOC2'],
      failed_at: '2026-01-01',
      current_state: { a: 1 },
    });
    expect(f).toMatchObject({
      testId: 'x',
      source: 'file',
      severity: 'high',
      frameworks: ['SOC2'],
      detectedAt: '2026-01-01',
      resource: { arn: 'arn:aws:s3:::b', responseType: 'AWS::S3::Bucket' },
    });
    expect(f.description).toMatch(/Current state/);
  });
  it.each([
    [null, /JSON object/],
    [{ resource: {} }, /"testId" is required/],
    [{ testId: 't' }, /"resource" must be an object/],
    [{ testId: 't', resource: {}, severity: 'urgent' }, /"severity"/],
    [{ testId: 't', resource: {}, source: 'x' }, /"source"/],
  ])('rejects %j', (input, re) => {
    expect(() => normalizeFailure(input)).toThrow(InvalidFailureError);
    expect(() => normalizeFailure(input)).toThrow(re);
  });
});
