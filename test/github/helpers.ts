/** Shared fixtures for the GitHub module tests: a failure, a verified fix and a capturing logger. */
import path from 'node:path';
import { Writable } from 'node:stream';
import { runGit } from '../../src/github/git';
import { commitTree, writeTree } from '../../src/github/gitPlumbing';
import type { Failure, VerifiedFix } from '../../src/contracts';
import { createLogger, type Logger } from '../../src/logger';

export const MAIN_TF = `resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}
`;

export const REPO_FILES: Record<string, string> = {
  'main.tf': MAIN_TF,
  'modules/net/main.tf': 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n',
  '.github/CODEOWNERS': '# owners\n*.tf @infra-lead\n/modules/ @acme/platform\n',
  'README.md': '# infra\n',
};

/** A failure for one bucket (display name picks the resource). */
export function failureFor(bucket: string, overrides: Partial<Failure> = {}): Failure {
  return {
    key: `vanta:aws-s3-public-access-blocked:${bucket}`,
    source: 'vanta',
    testId: 'aws-s3-public-access-blocked',
    testName: 'S3 buckets block public access',
    testUrl: 'https://app.vanta.com/tests/aws-s3-public-access-blocked',
    severity: 'high',
    frameworks: ['SOC 2', 'ISO 27001'],
    resource: { displayName: bucket, responseType: 'S3 bucket', accountId: '123456789012' },
    description: 'The bucket allows public access.',
    ...overrides,
  };
}

/** A verified fix adding a public access block after the bucket's resource. */
export function fixFor(bucket: string, extra = ''): VerifiedFix {
  const block = `
resource "aws_s3_bucket_public_access_block" "${bucket.replace(/-/g, '_')}" {
  bucket                  = "${bucket}"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true${extra}
}
`;
  const content = MAIN_TF + block;
  return {
    engine: 'rule',
    ruleId: 'aws-s3-public-access-blocked',
    files: [{ path: 'main.tf', content }],
    diff: [
      '--- a/main.tf',
      '+++ b/main.tf',
      '@@ -5,3 +5,11 @@',
      ' resource "aws_s3_bucket" "data" {',
      '   access_key = "AKIAIOSFODNN7EXAMPLE"',
      ...block.split('\n').map((l) => `+${l}`),
    ].join('\n'),
    explanation: `Adds a public access block for ${bucket}.`,
    changedAttributes: ['block_public_acls', 'block_public_policy'],
    confidence: 'high',
    breakingChanges: [],
    additionalRequirements: [],
    warnings: [],
    validation: {
      ran: ['parse', 'format', 'rule re-check'],
      skipped: ['terraform validate (terraform not installed)'],
    },
    tokens: null,
  };
}

/** A logger whose JSON lines are kept in `lines`. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination, pretty: false }), lines };
}

/** A bare repository `<root>/<owner>/<name>.git` holding REPO_FILES on main (the LocalCodeHost layout); returns its head. */
export async function seedBareRepo(root: string, owner: string, name: string): Promise<string> {
  const gitDir = path.join(root, owner, `${name}.git`);
  await runGit(['init', '--bare', '--quiet', '--initial-branch=main', gitDir]);
  const tree = await writeTree(
    gitDir,
    null,
    Object.entries(REPO_FILES).map(([p, content]) => ({ path: p, content })),
  );
  const sha = await commitTree(gitDir, tree, [], 'init', { name: 'Dev', email: 'dev@example.com' });
  await runGit(['--git-dir', gitDir, 'update-ref', 'refs/heads/main', sha]);
  return sha;
}
