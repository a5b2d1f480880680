import fs from 'node:fs';
import path from 'node:path';
import { runFix, type FixJson } from '../../src/cli/commands/fix';
import { runRules, type RuleJson } from '../../src/cli/commands/rules';
import { runScan } from '../../src/cli/commands/scan';
import { FIXTURES, scratchRepo } from './helpers';

const write = (dir: string, name: string, v: unknown) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(v));
  return p;
};

describe('terrafix rules', () => {
  it('--json lists the catalog with the documented shape', () => {
    const r = runRules({ json: true });
    const list = JSON.parse(r.stdout) as RuleJson[];
    expect(r.exitCode).toBe(0);
    expect(list.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(list[0]).sort()).toEqual([
      'breaking',
      'checkovIds',
      'id',
      'resourceTypes',
      'title',
      'vantaTestIds',
    ]);
    expect(list.find((x) => x.id === 'dynamodb-pitr')?.vantaTestIds).toEqual(['aws-dynamodb-pitr-backups']);
  });
});

describe('terrafix fix', () => {
  it('fixes offline with a rule, prints the documented JSON, and --write applies it; a second run is already_compliant', async () => {
    const dir = scratchRepo(path.join(FIXTURES, 'rules', 'rds-backup-retention'));
    const failure = write(dir, 'failure.json', {
      test_id: 'CKV_AWS_133',
      test_name: 'RDS backup retention',
      resource_arn: 'arn:aws:rds:us-east-1:123456789012:db:acme-main',
      resource_type: 'AWS::RDS::DBInstance',
    });
    const r = await runFix({ repo: dir, failure, json: true, write: true, env: {} });
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as FixJson;
    expect(r.exitCode).toBe(0);
    expect(Object.keys(j).sort()).toEqual(
      [
        'additionalRequirements',
        'breaking',
        'confidence',
        'diff',
        'engine',
        'explanation',
        'files',
        'reasons',
        'ruleId',
        'status',
        'target',
        'tokens',
        'warnings',
      ].sort(),
    );
    expect(j).toMatchObject({
      status: 'fixed',
      engine: 'rule',
      ruleId: 'rds-backup-retention',
      tokens: null,
      target: { address: 'aws_db_instance.main', file: 'main.tf' },
    });
    expect(j.diff).toContain('-  backup_retention_period = 0');
    expect(j.diff).toMatch(/\+\s+backup_retention_period = 7/);
    expect(fs.readFileSync(path.join(dir, 'main.tf'), 'utf8')).toMatch(/backup_retention_period = 7/);
    const again = await runFix({ repo: dir, failure, json: true, env: {} });
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: 'already_compliant',
      ruleId: 'rds-backup-retention',
    });
    expect(again.exitCode).toBe(0);
  });

  it('exits 4 with no_fix when no rule matches and no LLM is configured', async () => {
    const dir = scratchRepo(path.join(FIXTURES, 'llm'));
    const r = await runFix({
      repo: dir,
      failure: path.join(FIXTURES, 'llm-failure.json'),
      json: true,
      env: {},
    });
    expect(r.exitCode).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'no_fix',
      engine: null,
      reasons: ['no rule matches and no LLM is configured'],
    });
  });

  it('exits 2 on a missing failure file', async () => {
    const r = await runFix({ repo: FIXTURES, failure: '/nonexistent.json', env: {} });
    expect(r.exitCode).toBe(2);
  });
});

describe('terrafix scan', () => {
  it('lists violations as JSON and exits 5; a clean repo exits 0', async () => {
    const dir = scratchRepo(path.join(FIXTURES, 'rules', 'ec2-imdsv2'));
    const r = await runScan({ repo: dir, json: true });
    expect(r.exitCode).toBe(5);
    const v = JSON.parse(r.stdout) as {
      ruleId: string;
      address: string;
      file: string;
      line: number;
      title: string;
    }[];
    expect(v).toContainEqual({
      ruleId: 'ec2-imdsv2',
      address: 'aws_instance.web',
      file: 'main.tf',
      line: 1,
      title: 'EC2 instance metadata service v2 required',
    });
    const clean = scratchRepo({
      'main.tf': 'resource "aws_sqs_queue" "q" {\n  sqs_managed_sse_enabled = true\n}\n',
    });
    const c = await runScan({ repo: clean, json: true });
    expect(c).toMatchObject({ exitCode: 0, stdout: '[]\n' });
  });
});
