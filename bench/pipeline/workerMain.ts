/**
 * Entry point of a benchmark worker process: the production worker (startWorker) configured from the
 * environment the benchmark passes (the sandbox's variables). Prints "READY <healthPort>" once the
 * workers poll; SIGTERM/SIGINT shut it down gracefully (handled by the Temporal Runtime).
 * BENCH_GITHUB_WRITE_SPACING_MS, when set, replaces octokit's default 1 s pacing of GitHub writes.
 */
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startWorker } from '../../src/workers/main';
import { benchCodeHost } from './codeHost';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  const spacing = process.env.BENCH_GITHUB_WRITE_SPACING_MS;
  const w = await startWorker({
    config,
    logger,
    workflowBundlePath: process.env.TERRAFIX_WORKFLOW_BUNDLE,
    overrides:
      spacing === undefined ? undefined : { codeHost: benchCodeHost(config, logger, Number(spacing)) },
    onReady: ({ healthPort }) => process.stdout.write(`READY ${healthPort}\n`),
  });
  await w.done;
  process.exit(0);
}

main().catch((err: Error) => {
  process.stderr.write(`bench worker: ${err.message}\n`);
  process.exit(1);
});
