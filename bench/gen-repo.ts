/**
 * Generates a synthetic Terraform repository of N files (variables, locals, for_each, a local module)
 * for benchmarks. Usage: tsx bench/gen-repo.ts DIR FILES
 */
import fs from 'node:fs';
import path from 'node:path';

/** Writes a repository of `files` .tf files under dir; returns the bucket names it declares. */
export function generateRepo(dir: string, files: number): { buckets: string[] } {
  fs.mkdirSync(path.join(dir, 'modules', 'bucket'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'modules', 'bucket', 'main.tf'),
    'variable "name" {\n  type = string\n}\n\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n',
  );
  fs.writeFileSync(
    path.join(dir, 'variables.tf'),
    'variable "env" {\n  default = "bench"\n}\n\nlocals {\n  prefix = "acme-${var.env}"\n}\n',
  );
  const buckets: string[] = [];
  const n = Math.max(0, files - 2);
  for (let i = 0; i < n; i++) {
    const sub = `svc${Math.floor(i / 100)}`;
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
    buckets.push(`acme-bench-data-${i}`);
    const body = `# service ${i}
resource "aws_s3_bucket" "data_${i}" {
  bucket = "\${local.prefix}-data-${i}"
  tags = {
    Name  = "data-${i}"
    Owner = "team-${i % 7}"
  }
}

resource "aws_s3_bucket_versioning" "data_${i}" {
  bucket = aws_s3_bucket.data_${i}.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_security_group" "sg_${i}" {
  name   = "sg-${i}"
  vpc_id = "vpc-123"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_sqs_queue" "q_${i}" {
  for_each = toset(["a", "b"])
  name     = "q-${i}-\${each.key}"
}
`;
    // Files live in the root module so that locals/variables resolve (subdirectories are the same
    // module only by name; we keep one root module and a module call every 50 files).
    fs.writeFileSync(path.join(dir, `${sub}-${i}.tf`), body);
    if (i % 50 === 0) {
      fs.appendFileSync(
        path.join(dir, `${sub}-${i}.tf`),
        `\nmodule "bucket_${i}" {\n  source = "./modules/bucket"\n  name   = "mod-bucket-${i}"\n}\n`,
      );
    }
  }
  return { buckets };
}

if (require.main === module) {
  const [dir, count] = process.argv.slice(2);
  if (!dir || !count) {
    console.error('usage: tsx bench/gen-repo.ts DIR FILES');
    process.exit(2);
  }
  generateRepo(dir, Number(count));
  console.log(`generated ${count} files in ${dir}`);
}
