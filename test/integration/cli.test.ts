/**
 * The Temporal-facing CLI: process-once (both failure shapes), status and list from visibility.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import {
  describeRemediation,
  listRemediations,
  processOnce,
  type ListRow,
} from '../../src/cli/commands/temporal';
import { main } from '../../src/cli/main';
import { startTestPipeline, successfulStages, type TestPipeline } from '../harness/pipeline';

jest.setTimeout(90_000);

let p: TestPipeline;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-cli-'));
beforeAll(async () => {
  p = await startTestPipeline(successfulStages([]));
});
afterAll(async () => {
  await p?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('process-once starts one remediation from a legacy snake_case failure, status and list read it back', async () => {
  const key = `legacy-${Date.now()}`;
  const file = path.join(dir, 'failure.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      test_id: `aws-s3-encryption-${key}`,
      test_name: 'S3 buckets are encrypted',
      resource_arn: 'arn:aws:s3:::acme-logs',
      resource_type: 'AWS::S3::Bucket',
      failure_reason: 'no default encryption',
      severity: 'high',
      framework: 'SOC2',
      failed_at: '2026-11-29T10:00:00Z',
    }),
  );
  const config = loadConfig({ TEMPORAL_TASK_QUEUE: p.taskQueue });
  const lines: string[] = [];
  const r = await processOnce(p.client, config, file, { wait: true }, (l) => lines.push(l));
  expect(r.exitCode).toBe(0);
  expect(r.result?.outcome).toBe('pr_opened');
  const started = lines[0]!;
  expect(started).toMatch(/^started remediate\//);
  const failureKey = started.replace(/^started remediate\//, '');

  // A second run finds the closed workflow's record instead of starting a duplicate.
  const again = await processOnce(p.client, config, file, { wait: true }, () => undefined);
  expect(again.result?.outcome).toBe('skipped');

  const status = await describeRemediation(p.client, failureKey);
  expect(status).toMatchObject({ status: 'COMPLETED', outcome: 'skipped' });

  let rows: ListRow[] = [];
  for (let i = 0; i < 50 && rows.length === 0; i++) {
    rows = (await listRemediations(p.client, { outcome: 'pr_opened' })).filter(
      (x) => x.failureKey === failureKey,
    );
    if (!rows.length) await new Promise((res) => setTimeout(res, 200));
  }
  expect(rows[0]).toMatchObject({
    failureKey,
    stage: 'done',
    outcome: 'pr_opened',
    repo: 'acme/infra',
    prUrl: expect.stringContaining('/pull/'),
  });
  // The workflow id works as well as the key.
  expect(await describeRemediation(p.client, `remediate/${failureKey}`)).toMatchObject({
    outcome: 'skipped',
  });
});

it('bad input is one clear line and a non-zero exit', async () => {
  const file = path.join(dir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ testId: 'x', resource: 'not-an-object' }));
  const err: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    const code = await main(['node', 'terrafix', 'process-once', '--failure-json', file]);
    expect(code).toBe(2);
  } finally {
    spy.mockRestore();
  }
  expect(err.join('')).toMatch(/^terrafix: InvalidFailureError: .*resource/);
});
