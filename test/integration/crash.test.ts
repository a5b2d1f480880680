/**
 * Kill -9 the worker process mid-workflow, start a new one: the workflow completes and finished
 * activities are not repeated (real Temporal, real Redis, a real separate process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { remediateFailureWorkflow } from '../../src/workflows';
import { remediationWorkflowId } from '../../src/workflows/definitions';
import { testClient, testRedis, uniqueName } from '../harness/env';
import { sampleFailure } from '../harness/pipeline';

jest.setTimeout(180_000);

function startWorkerProcess(tq: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '../harness/workerProcess.ts')],
    {
      env: { ...process.env, TQ: tq, PREFIX: prefix, CRASH_DURING: 'validate' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
  });
}

it('completes the workflow after SIGKILL of its worker without repeating finished activities', async () => {
  const tq = uniqueName('crash');
  const prefix = `${tq}:`;
  const redis = testRedis(prefix);
  const { client, connection } = await testClient();
  let second: ChildProcess | undefined;
  const first = await startWorkerProcess(tq, prefix);
  try {
    const failure = sampleFailure(1, `vanta:crash-${Date.now()}`);
    const handle = await client.workflow.start(remediateFailureWorkflow, {
      taskQueue: tq,
      workflowId: remediationWorkflowId(failure.key),
      args: [{ failure }],
    });
    // The first worker kills itself (SIGKILL) as soon as validate starts; then a new worker starts.
    await new Promise((r) => first.once('exit', r));
    expect(await redis.get('crashed')).not.toBeNull();
    second = await startWorkerProcess(tq, prefix);
    const result = await handle.result();
    expect(result.outcome).toBe('pr_opened');
    const counts = Object.fromEntries(
      await Promise.all(
        ['prepare', 'analyze', 'generate', 'validate', 'openPullRequest'].map(async (s) => [
          s,
          Number(await redis.get(`calls:${s}`)),
        ]),
      ),
    );
    expect(counts).toEqual({ prepare: 1, analyze: 1, generate: 1, validate: 2, openPullRequest: 1 });
    expect(Number(await redis.get('done:validate'))).toBe(1);
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGKILL');
    redis.disconnect();
    await connection.close();
  }
});
