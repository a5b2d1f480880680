/**
 * A production worker in its own process, for the fault tests: reads the worker environment from the
 * JSON file named by CHAOS_ENV_FILE (so tokens never appear in process arguments), merges it into
 * process.env and runs `startWorker` — the same code path as `terrafix worker`. Prints "ready" once
 * the workers poll. The tests SIGKILL this process at random moments and start a new one.
 */
import fs from 'node:fs';
import { startWorker } from '../../src/workers/main';

async function main(): Promise<void> {
  const file = process.env.CHAOS_ENV_FILE;
  if (!file) throw new Error('CHAOS_ENV_FILE is not set');
  const env = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  // Several workers may run on this machine: never fight over the default health port.
  process.env.HEALTH_PORT ??= '0';
  await startWorker({
    workflowBundlePath: process.env.TERRAFIX_WORKFLOW_BUNDLE ?? process.env.TEST_WORKFLOW_BUNDLE,
    onReady: () => process.stdout.write('ready\n'),
  }).then((w) => w.done);
}

main().catch((err: Error) => {
  process.stderr.write(`chaos worker: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
