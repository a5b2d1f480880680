import { generateWithRules, verifyFix, type PatchResult } from '../../src/remediation/engine';
import type { Failure } from '../../src/contracts';
import { failureFor, indexAndLocate, scratchRepo, writeFiles } from './helpers';

const versions = (v: string) =>
  `terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "${v}"\n    }\n  }\n}\n`;

async function fixOnce(files: Record<string, string>, failure: Failure) {
  const dir = scratchRepo(files);
  const { index, target } = await indexAndLocate(dir, failure);
  const gen = generateWithRules(index, target, failure);
  if (gen.status !== 'patch') throw new Error(JSON.stringify(gen));
  const v = await verifyFix(index, target, failure, gen as PatchResult);
  if (!v.ok) throw new Error(v.errors.join('\n'));
  writeFiles(dir, v.fix.files);
  const again = await indexAndLocate(dir, failure);
  expect(generateWithRules(again.index, again.target, failure).status).toBe('already_compliant');
  return { fix: v.fix, gen, text: (p: string) => v.fix.files.find((f) => f.path === p)?.content ?? '' };
}

describe('provider-version-aware and in-place fixes', () => {
  const bucket = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n';
  const versioning = failureFor('CKV_AWS_21', {}, { terraformAddress: 'aws_s3_bucket.logs' });

  it('v3: inline versioning block', async () => {
    const r = await fixOnce({ 'versions.tf': versions('~> 3.75'), 'main.tf': bucket }, versioning);
    expect(r.text('main.tf')).toMatch(/versioning \{\s+enabled = true\s+\}/);
    expect(r.text('main.tf')).not.toContain('aws_s3_bucket_versioning');
  });

  it('v5: a separate aws_s3_bucket_versioning resource', async () => {
    const r = await fixOnce({ 'versions.tf': versions('~> 5.0'), 'main.tf': bucket }, versioning);
    expect(r.text('main.tf')).toMatch(/resource "aws_s3_bucket_versioning" "logs"/);
    expect(r.text('main.tf')).toMatch(/bucket = aws_s3_bucket\.logs\.id/);
  });

  it('v5: an existing but wrong configuration resource is edited, never duplicated', async () => {
    const cfg =
      'resource "aws_s3_bucket_versioning" "v" {\n  bucket = aws_s3_bucket.logs.id\n  versioning_configuration {\n    status = "Suspended"\n  }\n}\n';
    const r = await fixOnce(
      { 'versions.tf': versions('~> 5.0'), 'main.tf': bucket + '\n' + cfg },
      versioning,
    );
    const t = r.text('main.tf');
    expect(t.match(/aws_s3_bucket_versioning/g)).toHaveLength(1);
    expect(t).toContain('status = "Enabled"');
  });

  it('setting present but wrong is changed in place (backup_retention_period = 0 → 7)', async () => {
    const db =
      'resource "aws_db_instance" "db" {\n  identifier              = "db"\n  backup_retention_period = 0\n}\n';
    const r = await fixOnce(
      { 'versions.tf': versions('~> 5.0'), 'main.tf': db },
      failureFor('CKV_AWS_133', {}, { terraformAddress: 'aws_db_instance.db' }),
    );
    expect(r.text('main.tf').match(/backup_retention_period/g)).toHaveLength(1);
    expect(r.text('main.tf')).toMatch(/backup_retention_period = 7/);
  });

  it('for_each bucket: the new configuration follows the for_each', async () => {
    const fe =
      'resource "aws_s3_bucket" "b" {\n  for_each = toset(["a", "b"])\n  bucket   = "acme-${each.key}"\n}\n';
    const r = await fixOnce(
      { 'versions.tf': versions('~> 5.0'), 'main.tf': fe },
      // s3-bucket-encryption claims no Checkov id (Checkov passes a bucket without encryption settings):
      // the failure matches it by name.
      failureFor(
        'custom-s3-encryption',
        { testName: 'S3 bucket default encryption' },
        { terraformAddress: 'aws_s3_bucket.b["a"]' },
      ),
    );
    expect(r.text('main.tf')).toMatch(/for_each\s*=\s*aws_s3_bucket\.b/);
    expect(r.text('main.tf')).toMatch(/bucket\s*=\s*each\.value\.id/);
  });

  it('count instance and a resource inside a local module', async () => {
    const files = {
      'versions.tf': versions('~> 5.0'),
      'main.tf': 'module "app" {\n  source = "./modules/app"\n  name   = "acme"\n}\n',
      'modules/app/main.tf':
        'variable "name" {\n  type = string\n}\n\nresource "aws_instance" "web" {\n  count         = 2\n  ami           = "ami-1"\n  instance_type = "t3.micro"\n  tags = {\n    Name = "${var.name}-web"\n  }\n}\n',
    };
    const r = await fixOnce(
      files,
      failureFor(
        'infra-ec2instances-imdsv1-disabled',
        {},
        { terraformAddress: 'module.app.aws_instance.web[1]' },
      ),
    );
    expect(r.fix.files.map((f) => f.path)).toEqual(['modules/app/main.tf']);
    expect(r.text('modules/app/main.tf')).toMatch(/metadata_options \{\s+http_tokens = "required"\s+\}/);
  });

  it('SG with separate IPv6 rule resource: narrowed to the existing IPv6 admin variable', async () => {
    const rule =
      'variable "admin_ipv6_cidr" {\n  type    = string\n  default = "2001:db8::/32"\n}\n\nresource "aws_vpc_security_group_ingress_rule" "ssh6" {\n  security_group_id = "sg-1"\n  cidr_ipv6         = "::/0"\n  from_port         = 22\n  to_port           = 22\n  ip_protocol       = "tcp"\n}\n';
    const r = await fixOnce(
      { 'versions.tf': versions('~> 5.0'), 'main.tf': rule },
      failureFor('CKV_AWS_24', {}, { terraformAddress: 'aws_vpc_security_group_ingress_rule.ssh6' }),
    );
    expect(r.text('main.tf')).toMatch(/cidr_ipv6\s*=\s*var\.admin_ipv6_cidr/);
    expect(r.fix.explanation).toContain('variable "admin_ipv6_cidr" (2001:db8::/32)');
    expect(r.fix.breakingChanges.length).toBeGreaterThan(0);
  });

  it('SG rule resource with nothing narrower: the rule resource is deleted, its comment with it, nothing else', async () => {
    const rule =
      'resource "aws_security_group" "app" {\n  name = "app"\n}\n\n# SSH from anywhere (temporary)\nresource "aws_vpc_security_group_ingress_rule" "ssh6" {\n  security_group_id = aws_security_group.app.id\n  cidr_ipv6         = "::/0"\n  from_port         = 22\n  to_port           = 22\n  ip_protocol       = "tcp"\n}\n\nresource "aws_vpc_security_group_ingress_rule" "https" {\n  security_group_id = aws_security_group.app.id\n  cidr_ipv4         = "0.0.0.0/0"\n  from_port         = 443\n  to_port           = 443\n  ip_protocol       = "tcp"\n}\n';
    const dir = scratchRepo({ 'versions.tf': versions('~> 5.0'), 'main.tf': rule });
    const failure = failureFor(
      'CKV_AWS_24',
      {},
      { terraformAddress: 'aws_vpc_security_group_ingress_rule.ssh6' },
    );
    const { index, target } = await indexAndLocate(dir, failure);
    const gen = generateWithRules(index, target, failure);
    if (gen.status !== 'patch') throw new Error(JSON.stringify(gen));
    expect(gen.patch.edits).toEqual([
      { kind: 'remove_block', file: 'main.tf', address: 'aws_vpc_security_group_ingress_rule.ssh6' },
    ]);
    expect(gen.patch.removes).toEqual(['aws_vpc_security_group_ingress_rule.ssh6']);
    const v = await verifyFix(index, target, failure, gen as PatchResult);
    if (!v.ok) throw new Error(v.errors.join('\n'));
    const after = v.fix.files.find((f) => f.path === 'main.tf')!.content;
    expect(after).toBe(
      'resource "aws_security_group" "app" {\n  name = "app"\n}\n\nresource "aws_vpc_security_group_ingress_rule" "https" {\n  security_group_id = aws_security_group.app.id\n  cidr_ipv4         = "0.0.0.0/0"\n  from_port         = 443\n  to_port           = 443\n  ip_protocol       = "tcp"\n}\n',
    );
    expect(v.fix.impact?.removal).toMatch(/ssh6 is destroyed/);
    expect(v.fix.breakingChanges.join(' ')).toMatch(
      /Terraform destroys aws_vpc_security_group_ingress_rule\.ssh6/,
    );
    expect(v.fix.validation.ran).toContain('check:sg-ssh-restricted');
  });

  it('SG rule resource with nothing narrower but count, or referred to: no fix, the reason says why it is not deleted', async () => {
    const counted =
      'resource "aws_security_group_rule" "ssh" {\n  count             = 2\n  type              = "ingress"\n  security_group_id = "sg-1"\n  cidr_blocks       = ["0.0.0.0/0"]\n  from_port         = 22\n  to_port           = 22\n  protocol          = "tcp"\n}\n';
    const referred =
      'resource "aws_security_group_rule" "ssh" {\n  type              = "ingress"\n  security_group_id = "sg-1"\n  cidr_blocks       = ["0.0.0.0/0"]\n  from_port         = 22\n  to_port           = 22\n  protocol          = "tcp"\n}\n\noutput "ssh_rule" {\n  value = aws_security_group_rule.ssh.id\n}\n';
    for (const [body, address, why] of [
      [counted, 'aws_security_group_rule.ssh[0]', /it has count/],
      [referred, 'aws_security_group_rule.ssh', /output\.ssh_rule refer to it|ssh_rule refer to it/],
    ] as const) {
      const dir = scratchRepo({ 'versions.tf': versions('~> 5.0'), 'main.tf': body });
      const failure = failureFor('CKV_AWS_24', {}, { terraformAddress: address });
      const { index, target } = await indexAndLocate(dir, failure);
      const gen = generateWithRules(index, target, failure);
      expect(gen.status).toBe('no_fix');
      expect(JSON.stringify(gen)).toMatch(/must be deleted/);
      expect(JSON.stringify(gen)).toMatch(why);
    }
  });

  it('a patch deleting a block is refused unless a rule deletes its own, unreferenced target and declares it', async () => {
    const body =
      'resource "aws_security_group_rule" "ssh" {\n  type              = "ingress"\n  security_group_id = "sg-1"\n  cidr_blocks       = ["0.0.0.0/0"]\n  from_port         = 22\n  to_port           = 22\n  protocol          = "tcp"\n}\n\nresource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n';
    const dir = scratchRepo({ 'versions.tf': versions('~> 5.0'), 'main.tf': body });
    const failure = failureFor('CKV_AWS_24', {}, { terraformAddress: 'aws_security_group_rule.ssh' });
    const { index, target } = await indexAndLocate(dir, failure);
    const base = {
      explanation: 'x',
      changedAttributes: [],
      confidence: 'high' as const,
      breakingChanges: [],
      additionalRequirements: [],
    };
    const attempt = async (patch: PatchResult['patch'], engine: 'rule' | 'llm') =>
      verifyFix(index, target, failure, {
        status: 'patch',
        engine,
        ...(engine === 'rule' ? { ruleId: 'sg-ssh-restricted' } : {}),
        patch,
      } as PatchResult);
    const other = await attempt(
      {
        ...base,
        edits: [{ kind: 'remove_block', file: 'main.tf', address: 'aws_s3_bucket.logs' }],
        removes: ['aws_s3_bucket.logs'],
      },
      'rule',
    );
    expect(other.ok).toBe(false);
    expect(JSON.stringify(other)).toMatch(/only the target resource itself may be deleted/);
    const undeclared = await attempt(
      { ...base, edits: [{ kind: 'remove_block', file: 'main.tf', address: 'aws_security_group_rule.ssh' }] },
      'rule',
    );
    expect(JSON.stringify(undeclared)).toMatch(/does not declare in .{0,2}removes/);
    const byModel = await attempt(
      {
        ...base,
        edits: [{ kind: 'remove_block', file: 'main.tf', address: 'aws_security_group_rule.ssh' }],
        removes: ['aws_security_group_rule.ssh'],
      },
      'llm',
    );
    expect(byModel.ok).toBe(false);
    expect(JSON.stringify(byModel)).toMatch(/allowlist\/removed-block/);
  });

  it('an admin variable whose value is the internet is not narrower: the inline ingress is removed', async () => {
    const sg =
      'variable "allowed_cidr_blocks" {\n  type    = list(string)\n  default = ["0.0.0.0/0"]\n}\n\nresource "aws_security_group" "app" {\n  name = "app"\n\n  ingress {\n    from_port   = 3389\n    to_port     = 3389\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n';
    const r = await fixOnce(
      { 'versions.tf': versions('~> 5.0'), 'main.tf': sg },
      failureFor('CKV_AWS_25', {}, { terraformAddress: 'aws_security_group.app' }),
    );
    expect(r.text('main.tf')).not.toMatch(/ingress/);
    expect(r.fix.explanation).toMatch(/Nothing narrower/);
  });

  it('a security group used by an instance tagged as the jump host is the bastion: it keeps SSH from the admin networks', async () => {
    const files = {
      'versions.tf': versions('~> 5.0'),
      'main.tf':
        'locals {\n  vpn_cidrs = ["10.8.0.0/16"]\n}\n\nresource "aws_security_group" "admin" {\n  name = "admin"\n\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n\nresource "aws_instance" "j" {\n  ami                    = "ami-1"\n  instance_type          = "t3.micro"\n  vpc_security_group_ids = [aws_security_group.admin.id]\n  tags = {\n    Name = "jump-1"\n  }\n}\n',
    };
    const r = await fixOnce(
      files,
      failureFor('CKV_AWS_24', {}, { terraformAddress: 'aws_security_group.admin' }),
    );
    expect(r.text('main.tf')).toMatch(/cidr_blocks = local\.vpn_cidrs/);
    expect(r.fix.explanation).toContain(
      'aws_security_group.admin is the bastion: it keeps SSH from those networks',
    );
  });

  it('matches by name/description and resource type when the test id is unknown', async () => {
    const r = await fixOnce(
      {
        'versions.tf': versions('~> 5.0'),
        'main.tf': 'resource "aws_efs_file_system" "fs" {\n  creation_token = "x"\n}\n',
      },
      failureFor(
        'custom-efs',
        { testName: 'EFS file systems are encrypted' },
        { terraformAddress: 'aws_efs_file_system.fs' },
      ),
    );
    expect(r.fix.ruleId).toBe('efs-encryption');
  });
});
