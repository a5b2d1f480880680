import { redactCredentials, restorePlaceholders, unknownPlaceholders } from '../../src/security/redact';

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
