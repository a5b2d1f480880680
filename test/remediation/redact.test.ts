import type { Patch, PatchEdit } from '../../src/contracts';
import { PlaceholderMisuseError } from '../../src/errors';
import { restorePatchAtLocations } from '../../src/remediation/llm/restore';
import {
  redactCredentials,
  redactWithLocations,
  restorePlaceholders,
  unknownPlaceholders,
} from '../../src/security/redact';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const tf = `
variable "db_password" {
  type    = string
  default = "Sup3rS3cret!"
}

variable "api" {
  type      = string
  sensitive = true
  default   = "plain-but-sensitive"
}

variable "bucket_name" {
  default = "my-logs-bucket"
}

provider "aws" {
  access_key = "${KEY_ID}"
  secret_key = "${SECRET}"
}

resource "aws_instance" "web" {
  ami       = var.ami
  user_data = <<-EOT
    #!/bin/bash
    export AWS_ACCESS_KEY_ID=${KEY_ID}
    export AWS_SECRET_ACCESS_KEY=${SECRET}
    echo "password = hunter22" > /etc/app.conf
    DB_PASSWORD='another one'
  EOT
}

resource "aws_db_instance" "db" {
  password             = var.db_password
  master_user_secret_kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/abc"
  manage_master_user_password = true
  kms_key_id           = aws_kms_key.db.arn
  password_reset_required = false
}
`;

/** 36 characters of an obviously fake token body (provider token formats want this length). */
const FAKE36 = 'FAKE0TOKEN0FOR0TESTS0ONLY0NOT0REAL00';

describe('redactCredentials', () => {
  const r = redactCredentials(tf);

  it('removes access keys, secret keys, passwords and sensitive defaults', () => {
    for (const secret of [KEY_ID, SECRET, 'Sup3rS3cret!', 'plain-but-sensitive', 'hunter22', 'another one']) {
      expect(r.text).not.toContain(secret);
    }
    expect(r.kinds).toEqual(expect.arrayContaining(['aws_access_key_id', 'aws_secret_access_key']));
  });

  it('keeps references, ARNs and ordinary values', () => {
    expect(r.text).toContain('password             = var.db_password');
    expect(r.text).toContain('kms_key_id           = aws_kms_key.db.arn');
    expect(r.text).toContain('"my-logs-bucket"');
    expect(r.text).toContain('arn:aws:kms:us-east-1:123456789012:key/abc');
    expect(r.text).toContain('password_reset_required = false');
  });

  it('uses one stable placeholder per value and restores the original text exactly', () => {
    const occurrences = r.text.match(/__TERRAFIX_SECRET_\d+__/g) ?? [];
    const phForKey = Object.entries(r.mapping).find(([, v]) => v === KEY_ID)?.[0];
    expect(phForKey).toBeDefined();
    expect(occurrences.filter((o) => o === phForKey)).toHaveLength(2);
    expect(restorePlaceholders(r.text, r.mapping)).toBe(tf);
  });

  it('reuses a mapping across texts', () => {
    const second = redactCredentials(`key = "${KEY_ID}"`, r.mapping);
    const phForKey = Object.entries(r.mapping).find(([, v]) => v === KEY_ID)?.[0];
    expect(second.text).toBe(`key = "${phForKey}"`);
  });

  it('redacts PEM private keys and GitHub tokens', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----';
    const gh = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const out = redactCredentials(`key = <<EOF\n${pem}\nEOF\ntoken: ${gh}\n`);
    expect(out.text).not.toContain('MIIEowIBAAKCAQEA');
    expect(out.text).not.toContain(gh);
    expect(out.kinds).toEqual(expect.arrayContaining(['private_key', 'github_token']));
  });

  it('never invents: unknown placeholders are reported and left alone', () => {
    const answer = 'password = "__TERRAFIX_SECRET_99__"';
    expect(unknownPlaceholders(answer, r.mapping)).toEqual(['__TERRAFIX_SECRET_99__']);
    expect(restorePlaceholders(answer, r.mapping)).toBe(answer);
  });

  it('leaves text without credentials unchanged', () => {
    const clean = 'resource "aws_s3_bucket" "b" {\n  bucket = "logs"\n}\n';
    expect(redactCredentials(clean)).toMatchObject({ text: clean, replaced: 0 });
  });
});

describe('redaction shapes, each with the place it was taken from', () => {
  // [shape, terraform text, secret, block address, attribute path]
  const shapes: [string, string, string, string, string[]][] = [
    [
      'a heredoc body under a secret name',
      'resource "aws_db_instance" "db" {\n  password = <<-EOT\n    Tr0ub4dor&3\n  EOT\n}\n',
      'Tr0ub4dor&3',
      'aws_db_instance.db',
      ['password'],
    ],
    [
      'an ECS name/value pair whose name looks secret',
      'resource "aws_ecs_task_definition" "t" {\n  container_definitions = jsonencode([{\n    name        = "app"\n    environment = [{ name = "DB_PASSWORD", value = "ecs-pass-1" }]\n  }])\n}\n',
      'ecs-pass-1',
      'aws_ecs_task_definition.t',
      ['container_definitions', 'environment', 'value'],
    ],
    [
      'a JSON name/value pair in a heredoc',
      'resource "aws_ecs_task_definition" "t" {\n  container_definitions = <<EOF\n[{"environment": [{"name": "API_TOKEN", "value": "tok9"}]}]\nEOF\n}\n',
      'tok9',
      'aws_ecs_task_definition.t',
      ['container_definitions'],
    ],
    [
      'a short password',
      'resource "aws_db_instance" "db" {\n  password = "pw1"\n}\n',
      'pw1',
      'aws_db_instance.db',
      ['password'],
    ],
    ['a db_pw abbreviation', 'resource "x" "y" {\n  db_pw = "x9"\n}\n', 'x9', 'x.y', ['db_pw']],
    ['a passwd abbreviation', 'resource "x" "y" {\n  passwd = "ab"\n}\n', 'ab', 'x.y', ['passwd']],
    [
      'a pwd abbreviation',
      'resource "x" "y" {\n  settings {\n    pwd = "z"\n  }\n}\n',
      'z',
      'x.y',
      ['settings', 'pwd'],
    ],
    [
      'a path-like value under a secret name',
      'resource "aws_db_instance" "db" {\n  password = "/etc/pw/value"\n}\n',
      '/etc/pw/value',
      'aws_db_instance.db',
      ['password'],
    ],
    [
      'a PEM private key without its END line',
      'resource "x" "k" {\n  content = <<-EOT\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIEowIBAAKCAQEAq1w2e3r4\n    t5y6u7i8o9p0ZXCVBNM+/=\n  EOT\n}\n',
      'MIIEowIBAAKCAQEAq1w2e3r4',
      'x.k',
      ['content'],
    ],
    [
      'a 40-character AWS secret key with no keyword nearby',
      'resource "aws_ssm_parameter" "p" {\n  name  = "p"\n  value = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"\n}\n',
      'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
      'aws_ssm_parameter.p',
      ['value'],
    ],
    ...(
      [
        ['a Stripe live key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
        ['a Stripe restricted key', 'rk_live_4eC39HqLyjWDarjtT1zdp7dc'],
        ['a Google API key', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
        ['a Slack bot token', 'xoxb-123456789012-abcdefABCDEF'],
        ['a Slack webhook URL', 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXX'],
        ['a GitLab token', 'glpat-abcdefghij1234567890'],
        ['an npm token', `npm_${FAKE36}`],
        ['a GitHub ghp_ token', `ghp_${FAKE36}`],
        ['a GitHub gho_ token', `gho_${FAKE36}`],
        ['a GitHub ghs_ token', `ghs_${FAKE36}`],
        ['a GitHub ghu_ token', `ghu_${FAKE36}`],
        ['a GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop'],
        ['an AWS AKIA key id', 'AKIAIOSFODNN7EXAMPLE'],
        ['an AWS ASIA key id', 'ASIAIOSFODNN7EXAMPLE'],
      ] as const
    ).map(([name, tok]): [string, string, string, string, string[]] => [
      name,
      `resource "aws_lambda_function" "f" {\n  environment {\n    variables = {\n      CONFIG = "${tok}"\n    }\n  }\n}\n`,
      tok,
      'aws_lambda_function.f',
      ['environment', 'variables', 'CONFIG'],
    ]),
    [
      'a variable default named like a secret',
      'variable "db_pw" {\n  type    = string\n  default = "dbpw1"\n}\n',
      'dbpw1',
      'var.db_pw',
      ['default'],
    ],
  ];

  it.each(shapes)('redacts %s and restores it only at its own attribute', (_n, text, secret, address, at) => {
    const r = redactWithLocations(text);
    expect(r.text).not.toContain(secret);
    const ph = Object.entries(r.mapping).find(([, v]) => v.includes(secret))?.[0];
    if (!ph) throw new Error(`no placeholder for ${secret}`);
    expect(r.locations[ph]).toContainEqual({ address, path: at });
    const patch = (edits: PatchEdit[], explanation = 'x'): Patch => ({
      edits,
      explanation,
      changedAttributes: [],
      confidence: 'high',
      breakingChanges: [],
      additionalRequirements: [],
    });
    // Kept in place (the block echoed back): restored byte for byte.
    const kept = restorePatchAtLocations(
      patch([{ kind: 'replace_block', file: 'main.tf', address, text: r.text.trim() }]),
      r.mapping,
      r.locations,
    );
    expect((kept.edits[0] as { text: string }).text).toBe(text.trim());
    // Moved into tags, or into the explanation: rejected, nothing restored.
    const moved = patch([
      { kind: 'set_attribute', file: 'main.tf', address, path: ['tags'], value: `{ X = "${ph}" }` },
    ]);
    expect(() => restorePatchAtLocations(moved, r.mapping, r.locations)).toThrow(PlaceholderMisuseError);
    const told = patch([], `see https://evil.example/${ph}`);
    expect(() => restorePatchAtLocations(told, r.mapping, r.locations)).toThrow(/in the explanation/);
  });

  it('restores a set_attribute at the exact attribute path (nested blocks and object keys)', () => {
    const text = shapes.find((s) => s[0] === 'a Stripe live key')![1];
    const r = redactWithLocations(text);
    const ph = Object.keys(r.mapping)[0];
    const edit: PatchEdit = {
      kind: 'set_attribute',
      file: 'main.tf',
      address: 'aws_lambda_function.f',
      path: ['environment', 'variables'],
      value: `{\n      CONFIG = "${ph}"\n      DEBUG  = "1"\n    }`,
    };
    const p: Patch = {
      edits: [edit],
      explanation: 'x',
      changedAttributes: [],
      confidence: 'high',
      breakingChanges: [],
      additionalRequirements: [],
    };
    const out = restorePatchAtLocations(p, r.mapping, r.locations);
    expect((out.edits[0] as { value: string }).value).toContain('sk_live_4eC39HqLyjWDarjtT1zdp7dc');
    const other = { ...edit, value: edit.value.replace('CONFIG', 'OTHER') };
    expect(() => restorePatchAtLocations({ ...p, edits: [other] }, r.mapping, r.locations)).toThrow(
      /variables\.OTHER/,
    );
    const otherBlock = { ...edit, address: 'aws_lambda_function.g' };
    expect(() => restorePatchAtLocations({ ...p, edits: [otherBlock] }, r.mapping, r.locations)).toThrow(
      PlaceholderMisuseError,
    );
  });

  it('records the file and address of prompt <block> sections; text outside them is never restorable', () => {
    const prompt = [
      '<vanta_failure>',
      'description: password = "from-vanta-1"',
      '</vanta_failure>',
      '<terraform_context>',
      '<block role="target" file="db/main.tf" address="aws_db_instance.db">',
      'resource "aws_db_instance" "db" {\n  password = "pw1"\n}',
      '</block>',
      '</terraform_context>',
    ].join('\n');
    const r = redactWithLocations(prompt);
    const byValue = (v: string) => Object.entries(r.mapping).find(([, x]) => x === v)![0];
    expect(r.locations[byValue('pw1')]).toEqual([
      { file: 'db/main.tf', address: 'aws_db_instance.db', path: ['password'] },
    ]);
    expect(r.locations[byValue('from-vanta-1')]).toBeUndefined();
  });

  it('keeps references and ordinary values, and does not redact weak key names without key material', () => {
    const text = [
      'resource "aws_db_instance" "db" {',
      '  kms_key_id      = aws_kms_key.x.arn',
      '  password        = var.db_password',
      '  master_password = random_password.p.result',
      '  secret_string   = jsonencode({ a = var.b })',
      '  tags            = { Name = "MyApplicationLoadBalancerTargetGroup2024" }',
      '}',
      'resource "aws_s3_object" "o" {',
      '  key      = "logs/"',
      '  kms_key  = "alias/aws/s3"',
      '}',
      'resource "aws_dynamodb_table" "t" {',
      '  hash_key = "id"',
      '}',
      'resource "aws_key_pair" "k" {',
      '  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"',
      '}',
    ].join('\n');
    expect(redactWithLocations(text)).toMatchObject({ text, replaced: 0 });
  });
});
