/** Pure parts of the GitHub module: repo mapping, branch names, PR text, CODEOWNERS. */
import { isExpectedStatusLine } from '../../src/github/octokit';
import { RepoNotMappedError } from '../../src/errors';
import { parseCodeOwners, reviewersFor } from '../../src/pullRequests/codeowners';
import {
  branchName,
  failureMarker,
  parseFailureMarker,
  prBody,
  prLabels,
  prTitle,
  sanitizeForPr,
} from '../../src/pullRequests/content';
import { parseRepoSpec, resolveRepo } from '../../src/github/repoMapping';
import { failureFor, fixFor } from './helpers';

describe('resolveRepo', () => {
  const mapping = {
    default: 'acme/infra',
    accounts: { '111111111111': 'acme/prod:terraform/prod' },
    resourceTypes: { 'RDS instance': 'acme/databases' },
    prefixes: { 'acme-': 'acme/storage', 'acme-logs-': 'acme/logging' },
  };

  test('account (explicit or from the ARN) wins, then resource type, then longest prefix, then default', () => {
    expect(resolveRepo(failureFor('x', { resource: { accountId: '111111111111' } }), mapping)).toEqual({
      owner: 'acme',
      name: 'prod',
      path: 'terraform/prod',
    });
    expect(
      resolveRepo(failureFor('x', { resource: { arn: 'arn:aws:s3:us-east-1:111111111111:thing' } }), mapping)
        .name,
    ).toBe('prod');
    expect(resolveRepo(failureFor('x', { resource: { responseType: 'rds instance' } }), mapping).name).toBe(
      'databases',
    );
    expect(resolveRepo(failureFor('x', { resource: { displayName: 'acme-logs-eu' } }), mapping).name).toBe(
      'logging',
    );
    expect(resolveRepo(failureFor('x', { resource: { displayName: 'acme-data' } }), mapping).name).toBe(
      'storage',
    );
    expect(resolveRepo(failureFor('x', { resource: { displayName: 'other' } }), mapping).name).toBe('infra');
  });

  test('no match and no default → RepoNotMappedError saying what was tried', () => {
    const f = failureFor('other', { resource: { displayName: 'other', accountId: '222222222222' } });
    expect(() => resolveRepo(f, { prefixes: { 'acme-': 'acme/storage' } })).toThrow(RepoNotMappedError);
    expect(() => resolveRepo(f, { prefixes: { 'acme-': 'acme/storage' } })).toThrow(
      /account 222222222222.*no "default"/,
    );
    expect(() => resolveRepo(f, undefined)).toThrow(/GITHUB_REPO_MAPPING is not set/);
  });

  test('repository specs are validated', () => {
    expect(parseRepoSpec('o/r:a/b/')).toEqual({ owner: 'o', name: 'r', path: 'a/b' });
    for (const bad of ['o', 'o/r/x', 'o/r:../x', 'o r/x', 'o/r:'])
      expect(() => parseRepoSpec(bad)).toThrow(RepoNotMappedError);
  });
});

describe('PR content', () => {
  test('branch names are stable per failure key and distinct per resource', () => {
    const a = branchName(failureFor('acme-logs'), fixFor('acme-logs'));
    expect(branchName(failureFor('acme-logs'), fixFor('acme-logs'))).toBe(a);
    expect(branchName(failureFor('acme-data'), fixFor('acme-data'))).not.toBe(a);
    expect(branchName(failureFor('acme-logs'))).toMatch(
      /^terrafix\/aws-s3-public-access-blocked\/[0-9a-f]{10}$/,
    );
    expect(branchName(failureFor('z', { testId: 'Weird Test!! ~^:' }))).toMatch(
      /^terrafix\/weird-test\/[0-9a-f]{10}$/,
    );
  });

  test('title is one bounded line', () => {
    const t = prTitle(failureFor('a\nb', { testName: 'x'.repeat(400) }));
    expect(t).toMatch(/^Fix "x+…" on S3 bucket a b$/);
    expect(t).not.toContain('\n');
    expect(t.length).toBeLessThanOrEqual(72);
    const r = prTitle(failureFor('a\nb'.repeat(100)), undefined, fixFor('x'));
    expect(r.startsWith('Block public access on S3 bucket a b')).toBe(true);
    expect(r).not.toContain('\n');
    expect(r.length).toBeLessThanOrEqual(72);
  });

  test('marker round-trips keys that contain comment terminators', () => {
    const key = 'vanta:t:--> <!-- evil';
    const body = `text\n${failureMarker(key)}`;
    expect(parseFailureMarker(body)).toBe(key);
    expect(failureMarker(key)).not.toMatch(/-->.*-->/);
  });

  test('body redacts credentials and worker paths, shows the model and token usage', () => {
    const fix = {
      ...fixFor('acme-logs'),
      engine: 'llm' as const,
      ruleId: undefined,
      modelId: 'us.anthropic.claude-opus-4-5-20251101-v1:0',
      tokens: { input: 1200, output: 300, cacheRead: 900 },
      explanation: 'Edited /home/worker/.cache/terrafix/repos/x/main.tf next to password = "hunter2hunter2"',
    };
    const body = prBody({
      failure: failureFor('acme-logs'),
      fix,
      localPaths: ['/home/worker/.cache/terrafix/repos'],
    });
    expect(body).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(body).not.toContain('/home/worker/.cache');
    expect(body).not.toContain('hunter2hunter2');
    expect(body).toContain('Tokens: 1200 input, 300 output, 900 cache read');
    expect(body).toContain('us.anthropic.claude-opus-4-5-20251101-v1:0');
    expect(sanitizeForPr('key AKIAIOSFODNN7EXAMPLE <!-- x')).toBe('key «redacted» &lt;!-- x');
  });

  test('labels: compliance, terrafix, severity, frameworks, breaking-change (a draft: needs-review)', () => {
    const names = prLabels(failureFor('a'), { ...fixFor('a'), breakingChanges: ['replaces'] }).map(
      (l) => l.name,
    );
    expect(names).toEqual([
      'compliance',
      'terrafix',
      'severity:high',
      'framework:soc-2',
      'framework:iso-27001',
      'breaking-change',
      'terrafix:needs-review',
    ]);
  });
});

describe('CODEOWNERS', () => {
  const rules = parseCodeOwners(
    [
      '# comment',
      '*               @everyone',
      '*.tf            @tf-owner dev@example.com',
      '/modules/       @acme/platform',
      'docs/**/*.md    @writer',
    ].join('\n'),
  );

  test('last matching rule wins; teams and users are separated; e-mails are dropped', () => {
    expect(reviewersFor(rules, ['main.tf'])).toEqual({ users: ['tf-owner'], teams: [] });
    expect(reviewersFor(rules, ['modules/net/main.tf'])).toEqual({ users: [], teams: ['acme/platform'] });
    expect(reviewersFor(rules, ['README'])).toEqual({ users: ['everyone'], teams: [] });
    expect(reviewersFor(rules, ['docs/a/b/c.md']).users).toEqual(['writer']);
    expect(reviewersFor(rules, ['x/modules/a.txt']).users).toEqual(['everyone']);
  });
});

describe('octokit request-log levels', () => {
  it('treats 404, 409 and 422 as expected answers, in the format octokit writes', () => {
    expect(
      isExpectedStatusLine('GET /repos/acme/infra/branches/terrafix%2Fx - 404 with id 0A1B:2C3D in 12ms'),
    ).toBe(true);
    expect(isExpectedStatusLine('GET /repos/acme/infra/contents/CODEOWNERS - 404 in 3ms')).toBe(true);
    expect(isExpectedStatusLine('POST /repos/acme/infra/labels - 422 with id X in 8ms')).toBe(true);
    expect(isExpectedStatusLine('POST /repos/acme/infra/pulls - 500 with id X in 8ms')).toBe(false);
    expect(isExpectedStatusLine('GET /repos/acme/infra - 401 in 8ms')).toBe(false);
  });
});
