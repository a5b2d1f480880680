/**
 * The production GitHub code host with an explicit write spacing: the same construction as
 * GitHubCodeHost.fromConfig, except for octokit's pacing of content-creating requests (1 s between
 * writes by default, GitHub's advice for one token). The benchmark can set it to 0 to measure the
 * pipeline's own capacity; the emulator enforces no secondary limits.
 */
import type { Config } from '../../src/config';
import { policyFromConfig, type CodeHost } from '../../src/pullRequests';
import { createGitHubClient, currentToken } from '../../src/github/octokit';
import { gitHubPullRequests } from '../../src/github/codeHost';
import { RepoWorkspace } from '../../src/github/workspace';
import type { Logger } from '../../src/logger';

/** A token-authenticated GitHubCodeHost for GITHUB_API_URL; undefined spacing keeps octokit's default. */
export function benchCodeHost(config: Config, logger: Logger, writeSpacingMs: number | undefined): CodeHost {
  if (!config.GITHUB_TOKEN) throw new Error('bench code host: GITHUB_TOKEN is not set');
  const client = createGitHubClient({
    baseUrl: config.GITHUB_API_URL,
    auth: { kind: 'token', token: config.GITHUB_TOKEN },
    logger,
    writeSpacingMs,
  });
  return gitHubPullRequests({
    client,
    workspace: new RepoWorkspace({ dir: config.WORKSPACE_DIR, getToken: () => currentToken(client) }),
    mapping: config.GITHUB_REPO_MAPPING,
    policy: policyFromConfig(config),
    logger,
  });
}
