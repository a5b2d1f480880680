/**
 * A production worker in its own process, for the fault tests: reads the worker environment from the
 * JSON file named by CHAOS_ENV_FILE (so tokens never appear in process arguments), merges it into
 * process.env and runs `startWorker` — the same code path as `terrafix worker`. The GitHub code host
 * is built as the sandbox's in-process worker builds it (no write spacing against the emulator,
 * short Retry-After base); everything else comes from the configuration. Prints "ready" once the
 * workers poll. The tests SIGKILL this process at random moments and start a new one.
 */
import fs from 'node:fs';
import { loadConfig } from '../../src/config';
import { policyFromConfig } from '../../src/pullRequests';
import { createGitHubClient, currentToken } from '../../src/github/octokit';
import { gitHubPullRequests } from '../../src/github/codeHost';
import { RepoWorkspace } from '../../src/github/workspace';
import { createLogger } from '../../src/logger';
import { startWorker } from '../../src/workers/main';

async function main(): Promise<void> {
  const file = process.env.CHAOS_ENV_FILE;
  if (!file) throw new Error('CHAOS_ENV_FILE is not set');
  const env = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.LOG_LEVEL });
  const client = createGitHubClient({
    baseUrl: config.GITHUB_API_URL,
    auth: { kind: 'token', token: config.GITHUB_TOKEN! },
    logger: log,
    writeSpacingMs: Number(process.env.CHAOS_GITHUB_WRITE_SPACING_MS ?? 0),
    retryAfterBaseMs: 100,
  });
  const codeHost = gitHubPullRequests({
    client,
    workspace: new RepoWorkspace({ dir: config.WORKSPACE_DIR, getToken: () => currentToken(client) }),
    mapping: config.GITHUB_REPO_MAPPING,
    policy: policyFromConfig(config),
    logger: log,
  });
  const worker = await startWorker({
    config,
    logger: log,
    overrides: { codeHost },
    workflowBundlePath: process.env.TERRAFIX_WORKFLOW_BUNDLE ?? process.env.TEST_WORKFLOW_BUNDLE,
    onReady: () => process.stdout.write('ready\n'),
  });
  await worker.done;
}

main().catch((err: Error) => {
  process.stderr.write(`chaos worker: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
