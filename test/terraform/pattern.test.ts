/** Name patterns: typed wildcards for the parts of a name that cannot be resolved offline. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { indexRepository, locate } from '../../src/terraform';
import { explainMismatch, matchPattern, patternText, type Pattern } from '../../src/terraform/pattern';
import type { Failure } from '../../src/contracts';

function repo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-pattern-'));
  for (const [f, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), t);
  }
  return dir;
}

const failure = (displayName: string, responseType = 'S3 bucket'): Failure => ({
  key: `vanta:t:${displayName}`,
  source: 'vanta',
  testId: 't',
  resource: { displayName, responseType },
});

describe('matchPattern', () => {
  const p: Pattern = [
    { hole: 'account_id', re: '\\d{12}', why: 'account' },
    { lit: '-acme-prod-financials' },
  ];
  it('matches and weighs literal text above typed wildcards', () => {
    const m = matchPattern(p, '418295061247-acme-prod-financials')!;
    expect(m.literal).toBe(21);
    expect(m.specificity).toBeGreaterThan(0.8);
    expect(m.specificity).toBeLessThan(1);
    expect(matchPattern(p, '41829506124-acme-prod-financials')).toBeNull();
    expect(patternText(p)).toBe('{account_id}-acme-prod-financials');
  });
  it('explains where a name departs from the pattern', () => {
    expect(explainMismatch(p, '418295061247-acme-dev-financials')).toBe(
      'expected "prod-financials" where the name has "dev-financials" (after "418295061247-acme-")',
    );
  });
});

describe('locate with names unknown offline', () => {
  const dir = repo({
    'main.tf': `
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
variable "company_name" { default = "acme" }
variable "environment" {}
resource "random_id" "suffix" { byte_length = 4 }
resource "random_string" "s" {
  length  = 6
  special = false
  upper   = false
}
resource "aws_s3_bucket" "financials" {
  bucket = "\${data.aws_caller_identity.current.account_id}-\${var.company_name}-\${var.environment}-financials"
}
resource "aws_s3_bucket" "regional" {
  bucket = "acme-assets-\${data.aws_region.current.name}"
}
resource "aws_s3_bucket" "random" {
  bucket = "acme-uploads-\${random_id.suffix.hex}"
}
resource "aws_s3_bucket" "str" {
  bucket = "acme-exports-\${random_string.s.result}"
}
resource "aws_s3_bucket" "prefixed" {
  bucket_prefix = "acme-tmp-"
}
resource "aws_dynamodb_table" "t" {
  name = "acme-uploads-table"
}
`,
    'environments/dev.tfvars': 'environment = "dev"\n',
    'environments/prod.tfvars': 'environment = "prod"\n',
  });
  let index: Awaited<ReturnType<typeof indexRepository>>;
  beforeAll(async () => {
    index = await indexRepository(dir, { context: {} });
  });

  it('an unknown account id and an environment from a var file', () => {
    const r = locate(index, failure('418295061247-acme-dev-financials'));
    expect(r.status).toBe('found');
    expect(r.target).toMatchObject({ address: 'aws_s3_bucket.financials', matchedBy: 'pattern' });
    expect(r.target!.confidence).toBeLessThan(0.9);
    expect(r.binding).toBe('environments/dev.tfvars');
  });
  it('an environment that has no var file is not matched by a wildcard, and the miss is explained', () => {
    const r = locate(index, failure('418295061247-acme-staging-financials'));
    expect(r.status).toBe('not_found');
    expect(r.reasons.join(' ')).toMatch(
      /closest: aws_s3_bucket\.financials: expected "(dev|prod)-financials" where the name has "staging-financials"/,
    );
  });
  it('a configured account resolves exactly; a contradicting one does not match', () => {
    const ok = locate(index, failure('418295061247-acme-prod-financials'), { accountIds: ['418295061247'] });
    expect(ok.status).toBe('found');
    const other = locate(index, failure('999999999999-acme-prod-financials'), {
      accountIds: ['418295061247', '111111111111'],
    });
    expect(other.status).toBe('not_found');
  });
  it('region, random_id, random_string and a bucket_prefix', () => {
    expect(locate(index, failure('acme-assets-eu-west-1')).target?.address).toBe('aws_s3_bucket.regional');
    expect(locate(index, failure('acme-uploads-9f3a01bc')).target?.address).toBe('aws_s3_bucket.random');
    expect(locate(index, failure('acme-uploads-9f3a01b')).status).not.toBe('found');
    expect(locate(index, failure('acme-exports-k3x9qa')).target?.address).toBe('aws_s3_bucket.str');
    expect(locate(index, failure('acme-tmp-20240611093015123400000001')).target?.address).toBe(
      'aws_s3_bucket.prefixed',
    );
  });
  it('never a resource of another type', () => {
    const r = locate(index, failure('acme-uploads-9f3a01bc', 'DynamoDB table'));
    expect(r.status).toBe('not_found');
  });
});
