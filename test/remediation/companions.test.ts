/**
 * A fix never adds a finding through the companion resources it needs: vpc-flow-logs,
 * s3-access-logging and dynamodb-cmk-encryption reuse what the repository already has (and say which
 * one in the explanation), and only without it create companions that are compliant themselves
 * (KMS keys with rotation and a key policy, a log group encrypted and kept 365 days, a least-privilege
 * flow-log role, a log bucket with public access blocked, ownership controls, encryption, versioning,
 * lifecycle and a delivery policy, Checkov skips only with a reason).
 */
import fs from 'node:fs';
import { generateWithRules, verifyFix, type PatchResult } from '../../src/remediation/engine';
import type { Failure } from '../../src/contracts';
import { failureFor, indexAndLocate, scratchRepo, writeFiles } from './helpers';

const versions = (v: string) =>
  `terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "${v}"\n    }\n  }\n}\n`;

/** Fixes once (verified: guardrails, allowlist, re-parse, rule re-check) and checks the second run is a no-op. */
async function fixOnce(files: Record<string, string>, failure: Failure) {
  const dir = scratchRepo(files);
  try {
    const { index, target } = await indexAndLocate(dir, failure);
    const gen = generateWithRules(index, target, failure);
    if (gen.status !== 'patch') throw new Error(JSON.stringify(gen));
    const v = await verifyFix(index, target, failure, gen as PatchResult);
    if (!v.ok) throw new Error(v.errors.join('\n'));
    writeFiles(dir, v.fix.files);
    const again = await indexAndLocate(dir, failure);
    expect(generateWithRules(again.index, again.target, failure).status).toBe('already_compliant');
    const main = v.fix.files.find((f) => f.path === 'main.tf')?.content ?? '';
    const before = files['main.tf'] ?? '';
    /** How many `resource "<type>"` blocks the fix added to main.tf. */
    const added = (type: string): number =>
      count(main, new RegExp(`resource "${type}" `, 'g')) -
      count(before, new RegExp(`resource "${type}" `, 'g'));
    return { fix: v.fix, main, added };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of a top-level block of a file (from its header to its closing brace). */
function block(text: string, type: string, label: string): string {
  const start = text.indexOf(`resource "${type}" "${label}" {`);
  if (start < 0) throw new Error(`no ${type}.${label} in\n${text}`);
  const end = text.indexOf('\n}', start);
  return text.slice(start, end + 2);
}

const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;

const TABLE =
  'resource "aws_dynamodb_table" "orders" {\n  name         = "orders"\n  billing_mode = "PAY_PER_REQUEST"\n  hash_key     = "id"\n\n  attribute {\n    name = "id"\n    type = "S"\n  }\n}\n';
const tableFailure = failureFor('CKV_AWS_119', {}, { terraformAddress: 'aws_dynamodb_table.orders' });

describe('dynamodb-cmk-encryption companions', () => {
  it('reuses an existing general-purpose key of the module and adds none', async () => {
    const key =
      '\nresource "aws_kms_key" "data" {\n  description         = "product catalog records"\n  enable_key_rotation = true\n}\n';
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': TABLE + key }, tableFailure);
    expect(block(r.main, 'aws_dynamodb_table', 'orders')).toMatch(/kms_key_arn\s*=\s*aws_kms_key\.data\.arn/);
    expect(r.added('aws_kms_key')).toBe(0);
    expect(r.fix.explanation).toMatch(/Reuses the existing customer managed key aws_kms_key\.data/);
  });

  it('prefers the key another table already uses; never a key named for another service', async () => {
    const keys =
      '\nresource "aws_kms_key" "trail" {\n  description         = "CloudTrail"\n  enable_key_rotation = true\n}\n' +
      '\nresource "aws_kms_key" "tables" {\n  enable_key_rotation = true\n  policy              = "{}"\n}\n' +
      '\nresource "aws_dynamodb_table" "users" {\n  name     = "users"\n  hash_key = "id"\n\n  attribute {\n    name = "id"\n    type = "S"\n  }\n\n  server_side_encryption {\n    enabled     = true\n    kms_key_arn = aws_kms_key.tables.arn\n  }\n}\n';
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': TABLE + keys }, tableFailure);
    expect(block(r.main, 'aws_dynamodb_table', 'orders')).toMatch(
      /kms_key_arn\s*=\s*aws_kms_key\.tables\.arn/,
    );
    expect(r.fix.explanation).toMatch(
      /aws_kms_key\.tables \(it already encrypts aws_dynamodb_table\.users\)/,
    );

    const onlyTrail =
      '\nresource "aws_kms_key" "trail" {\n  description         = "CloudTrail"\n  enable_key_rotation = true\n}\n';
    const t = await fixOnce(
      { 'versions.tf': versions('~> 5.0'), 'main.tf': TABLE + onlyTrail },
      tableFailure,
    );
    expect(block(t.main, 'aws_dynamodb_table', 'orders')).toMatch(
      /kms_key_arn\s*=\s*aws_kms_key\.orders\.arn/,
    );
  });

  it('without a key: a rotating key whose policy lets the account administer it and DynamoDB use it', async () => {
    const me = 'data "aws_caller_identity" "me" {}\n\n';
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': me + TABLE }, tableFailure);
    const key = block(r.main, 'aws_kms_key', 'orders');
    expect(key).toMatch(/enable_key_rotation\s*=\s*true/);
    expect(key).toMatch(
      /Sid\s*=\s*"AccountAdministration"[\s\S]*AWS = "arn:\$\{data\.aws_partition\.current\.partition\}:iam::\$\{data\.aws_caller_identity\.me\.account_id\}:root"[\s\S]*Action\s*=\s*"kms:\*"/,
    );
    expect(key).toMatch(
      /"kms:ViaService"\s*=\s*"dynamodb\.\$\{data\.aws_region\.current\.name\}\.amazonaws\.com"/,
    );
    expect(key).toMatch(/Service = "dynamodb\.amazonaws\.com"/);
    expect(key).not.toMatch(/Principal\s*=\s*"\*"|AWS = "\*"/);
    // The module's own caller-identity lookup is reused, the missing ones are added once.
    expect(count(r.main, /data "aws_caller_identity"/g)).toBe(1);
    expect(count(r.main, /data "aws_region" "current" \{\}/g)).toBe(1);
    expect(count(r.main, /data "aws_partition" "current" \{\}/g)).toBe(1);
    expect(r.fix.explanation).toMatch(
      /no key to reuse, so it adds the customer managed key aws_kms_key\.orders/,
    );
  });
});

const VPC = 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n';
const vpcFailure = failureFor('flow-logs-on-config', {}, { terraformAddress: 'aws_vpc.main' });
const FLOW_ROLE =
  '\nresource "aws_iam_role" "flow" {\n  name = "flow"\n  assume_role_policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Principal = { Service = "vpc-flow-logs.amazonaws.com" }\n      Action    = "sts:AssumeRole"\n    }]\n  })\n}\n';

describe('vpc-flow-logs companions', () => {
  it("reuses another VPC's flow-log destination and role and adds nothing else", async () => {
    const other =
      '\nresource "aws_vpc" "other" {\n  cidr_block = "10.1.0.0/16"\n}\n\nresource "aws_cloudwatch_log_group" "vpc" {\n  name              = "/vpc"\n  retention_in_days = 365\n}\n' +
      FLOW_ROLE +
      '\nresource "aws_flow_log" "other" {\n  vpc_id          = aws_vpc.other.id\n  traffic_type    = "ALL"\n  log_destination = aws_cloudwatch_log_group.vpc.arn\n  iam_role_arn    = aws_iam_role.flow.arn\n}\n';
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': VPC + other }, vpcFailure);
    const flow = block(r.main, 'aws_flow_log', 'main');
    expect(flow).toMatch(/vpc_id\s*=\s*aws_vpc\.main\.id/);
    expect(flow).toMatch(/log_destination\s*=\s*aws_cloudwatch_log_group\.vpc\.arn/);
    expect(flow).toMatch(/iam_role_arn\s*=\s*aws_iam_role\.flow\.arn/);
    for (const t of ['aws_cloudwatch_log_group', 'aws_iam_role', 'aws_iam_role_policy', 'aws_kms_key'])
      expect({ t, added: r.added(t) }).toEqual({ t, added: 0 });
    expect(r.fix.explanation).toMatch(/Reuses the destination and role of aws_flow_log\.other/);
  });

  it('reuses a flow-log log group; the new role may write to that log group only', async () => {
    const lg =
      '\nresource "aws_cloudwatch_log_group" "flow" {\n  name              = "/vpc/flow"\n  retention_in_days = 365\n}\n';
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': VPC + lg }, vpcFailure);
    expect(block(r.main, 'aws_flow_log', 'main')).toMatch(
      /log_destination\s*=\s*aws_cloudwatch_log_group\.flow\.arn/,
    );
    expect(r.added('aws_cloudwatch_log_group')).toBe(0);
    expect(r.added('aws_kms_key')).toBe(0);
    expect(block(r.main, 'aws_iam_role_policy', 'main_flow_logs')).toMatch(
      /aws_cloudwatch_log_group\.flow\.arn/,
    );
    expect(r.fix.explanation).toMatch(/Reuses the log group aws_cloudwatch_log_group\.flow/);
  });

  it('a log group of another workload ("workflow") is not taken for flow logs', async () => {
    const lg =
      '\nresource "aws_cloudwatch_log_group" "workflow" {\n  name              = "/aws/lambda/workflow"\n  retention_in_days = 365\n}\n';
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': VPC + lg }, vpcFailure);
    expect(r.added('aws_cloudwatch_log_group')).toBe(1);
    expect(block(r.main, 'aws_flow_log', 'main')).toMatch(
      /log_destination\s*=\s*aws_cloudwatch_log_group\.main_flow_logs\.arn/,
    );
  });

  it('reuses a KMS key CloudWatch Logs already uses and an existing flow-log role', async () => {
    const have =
      '\nresource "aws_kms_key" "logs" {\n  description         = "logs"\n  enable_key_rotation = true\n}\n\nresource "aws_cloudwatch_log_group" "app" {\n  name              = "/app"\n  retention_in_days = 365\n  kms_key_id        = aws_kms_key.logs.arn\n}\n' +
      FLOW_ROLE;
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': VPC + have }, vpcFailure);
    expect(block(r.main, 'aws_cloudwatch_log_group', 'main_flow_logs')).toMatch(
      /kms_key_id\s*=\s*aws_kms_key\.logs\.arn/,
    );
    expect(r.added('aws_kms_key')).toBe(0);
    expect(r.added('aws_iam_role')).toBe(0);
    expect(r.added('aws_iam_role_policy')).toBe(1);
    expect(block(r.main, 'aws_iam_role_policy', 'main_flow_logs')).toMatch(
      /role\s*=\s*aws_iam_role\.flow\.id/,
    );
    expect(block(r.main, 'aws_flow_log', 'main')).toMatch(/iam_role_arn\s*=\s*aws_iam_role\.flow\.arn/);
    expect(r.fix.explanation).toMatch(
      /Reuses the KMS key aws_kms_key\.logs .* and the flow-log role aws_iam_role\.flow/,
    );
  });

  it('without any: a KMS-encrypted log group kept 365 days, a key for CloudWatch Logs, a least-privilege role', async () => {
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': VPC }, vpcFailure);
    const key = block(r.main, 'aws_kms_key', 'main_flow_logs');
    expect(key).toMatch(/enable_key_rotation\s*=\s*true/);
    expect(key).toMatch(/Sid\s*=\s*"AccountAdministration"[\s\S]*:root"/);
    expect(key).toMatch(/Service = "logs\.\$\{data\.aws_region\.current\.name\}\.amazonaws\.com"/);
    expect(key).toMatch(
      /"kms:EncryptionContext:aws:logs:arn"\s*=\s*"arn:[^"]*:log-group:\/vpc\/flow-logs\/main-\*"/,
    );
    const lg = block(r.main, 'aws_cloudwatch_log_group', 'main_flow_logs');
    expect(lg).toMatch(/kms_key_id\s*=\s*aws_kms_key\.main_flow_logs\.arn/);
    expect(lg).toMatch(/retention_in_days\s*=\s*365/);
    const role = block(r.main, 'aws_iam_role', 'main_flow_logs');
    expect(role).toMatch(/Service = "vpc-flow-logs\.amazonaws\.com"/);
    expect(role).toMatch(/"aws:SourceAccount"\s*=\s*data\.aws_caller_identity\.current\.account_id/);
    const policy = block(r.main, 'aws_iam_role_policy', 'main_flow_logs');
    expect(policy).not.toMatch(/Resource\s*=\s*"\*"/);
    expect(policy).toMatch(/"\$\{aws_cloudwatch_log_group\.main_flow_logs\.arn\}:\*"/);
    for (const d of ['aws_caller_identity', 'aws_partition', 'aws_region'])
      expect(r.main).toContain(`data "${d}" "current" {}`);
    expect(r.fix.explanation).toMatch(
      /Adds aws_kms_key\.main_flow_logs .*aws_cloudwatch_log_group\.main_flow_logs/,
    );
  });

  it('provider v6: the region comes from data.aws_region.<x>.region', async () => {
    const r = await fixOnce({ 'versions.tf': versions('~> 6.0'), 'main.tf': VPC }, vpcFailure);
    expect(r.main).toContain('logs.${data.aws_region.current.region}.amazonaws.com');
    expect(r.main).not.toContain('data.aws_region.current.name');
  });
});

const BUCKET = 'resource "aws_s3_bucket" "data" {\n  bucket = "acme-data"\n}\n';
const s3Failure = failureFor('CKV_AWS_18', {}, { terraformAddress: 'aws_s3_bucket.data' });

describe('s3-access-logging companions', () => {
  it('reuses the bucket other buckets already log to and adds no bucket', async () => {
    const have =
      '\nresource "aws_s3_bucket" "central" {\n  bucket = "acme-central"\n}\n\nresource "aws_s3_bucket" "web" {\n  bucket = "acme-web"\n}\n\nresource "aws_s3_bucket_logging" "web" {\n  bucket        = aws_s3_bucket.web.id\n  target_bucket = aws_s3_bucket.central.id\n  target_prefix = "web/"\n}\n';
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': BUCKET + have }, s3Failure);
    expect(block(r.main, 'aws_s3_bucket_logging', 'data')).toMatch(
      /target_bucket\s*=\s*aws_s3_bucket\.central\.id/,
    );
    expect(r.added('aws_s3_bucket')).toBe(0);
    expect(r.fix.explanation).toMatch(
      /Reuses the existing log bucket aws_s3_bucket\.central \(aws_s3_bucket_logging\.web/,
    );
    expect(r.fix.confidence).toBe('medium');
  });

  it('reuses a bucket named for logs in another root module by its name', async () => {
    const r = await fixOnce(
      {
        'versions.tf': versions('~> 5.0'),
        'main.tf': BUCKET,
        'logging/main.tf': 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-central-logs"\n}\n',
      },
      s3Failure,
    );
    expect(r.main).toMatch(/target_bucket\s*=\s*"acme-central-logs"/);
    expect(r.added('aws_s3_bucket')).toBe(0);
    expect(r.fix.explanation).toMatch(
      /Reuses the existing log bucket acme-central-logs \(logging\/main\.tf\)/,
    );
  });

  it('without one (v5): a log bucket with every setting as separate resources and reasoned Checkov skips', async () => {
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': BUCKET }, s3Failure);
    const L = 'data_access_logs';
    const bucket = block(r.main, 'aws_s3_bucket', L);
    for (const id of ['CKV_AWS_18', 'CKV_AWS_144', 'CKV2_AWS_62', 'CKV_AWS_145']) {
      expect(bucket).toMatch(new RegExp(`#checkov:skip=${id}:\\S.{20,}`));
      expect(r.fix.explanation).toContain(id);
    }
    const pab = block(r.main, 'aws_s3_bucket_public_access_block', L);
    for (const a of [
      'block_public_acls',
      'block_public_policy',
      'ignore_public_acls',
      'restrict_public_buckets',
    ])
      expect(pab).toMatch(new RegExp(`${a}\\s*=\\s*true`));
    expect(block(r.main, 'aws_s3_bucket_ownership_controls', L)).toMatch(
      /object_ownership\s*=\s*"BucketOwnerEnforced"/,
    );
    expect(block(r.main, 'aws_s3_bucket_server_side_encryption_configuration', L)).toMatch(
      /sse_algorithm\s*=\s*"AES256"/,
    );
    expect(block(r.main, 'aws_s3_bucket_versioning', L)).toMatch(/status\s*=\s*"Enabled"/);
    const lc = block(r.main, 'aws_s3_bucket_lifecycle_configuration', L);
    expect(lc).toMatch(/abort_incomplete_multipart_upload \{\s*days_after_initiation\s*=\s*7/);
    expect(lc).toMatch(/expiration \{\s*days\s*=\s*365/);
    const policy = block(r.main, 'aws_s3_bucket_policy', L);
    expect(policy).toMatch(/Service = "logging\.s3\.amazonaws\.com"/);
    expect(policy).toMatch(/"aws:SourceArn"\s*=\s*aws_s3_bucket\.data\.arn/);
    expect(policy).toMatch(/"aws:SecureTransport"\s*=\s*"false"/);
    expect(block(r.main, 'aws_s3_bucket_logging', 'data')).toMatch(
      /target_bucket\s*=\s*aws_s3_bucket\.data_access_logs\.id/,
    );
    expect(r.fix.explanation).toMatch(/no log bucket, so it adds aws_s3_bucket\.data_access_logs/);
  });

  it('without one (v3): versioning, encryption and lifecycle inline; the rest as resources v3 has', async () => {
    const r = await fixOnce({ 'versions.tf': versions('~> 3.75'), 'main.tf': BUCKET }, s3Failure);
    const bucket = block(r.main, 'aws_s3_bucket', 'data_access_logs');
    expect(bucket).toMatch(/versioning \{\s*enabled = true/);
    expect(bucket).toMatch(/sse_algorithm = "AES256"/);
    expect(bucket).toMatch(/lifecycle_rule \{[\s\S]*abort_incomplete_multipart_upload_days\s*=\s*7/);
    expect(r.main).not.toMatch(
      /aws_s3_bucket_(versioning|server_side_encryption_configuration|lifecycle_configuration)/,
    );
    for (const t of [
      'aws_s3_bucket_public_access_block',
      'aws_s3_bucket_ownership_controls',
      'aws_s3_bucket_policy',
    ])
      expect(r.main).toContain(`resource "${t}" "data_access_logs"`);
    expect(block(r.main, 'aws_s3_bucket', 'data')).toMatch(
      /logging \{\s*target_bucket = aws_s3_bucket\.data_access_logs\.id/,
    );
  });

  it('a for_each bucket: the log bucket and its companions follow the for_each', async () => {
    const fe =
      'resource "aws_s3_bucket" "data" {\n  for_each = toset(["a", "b"])\n  bucket   = "acme-${each.key}"\n}\n';
    const r = await fixOnce(
      { 'versions.tf': versions('~> 5.0'), 'main.tf': fe },
      failureFor('CKV_AWS_18', {}, { terraformAddress: 'aws_s3_bucket.data["a"]' }),
    );
    expect(block(r.main, 'aws_s3_bucket', 'data_access_logs')).toMatch(
      /for_each\s*=\s*aws_s3_bucket\.data\b/,
    );
    expect(block(r.main, 'aws_s3_bucket_policy', 'data_access_logs')).toMatch(
      /"aws:SourceArn"\s*=\s*each\.value\.arn/,
    );
    expect(block(r.main, 'aws_s3_bucket_versioning', 'data_access_logs')).toMatch(
      /aws_s3_bucket\.data_access_logs\[each\.key\]\.id/,
    );
  });
});
