/**
 * The GitHub module's public surface and the factory choosing the code host from CODE_HOST: the
 * PR policy (src/pullRequests) over the GitHub or the local port.
 */
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { ConfigError } from '../errors';
import type { CodeHost } from '../pullRequests/codeHost';
import { policyFromConfig } from '../pullRequests/codeHost';
import { PullRequests } from '../pullRequests/policy';
import { LocalCodeHost } from './localCodeHost';
import { GitHubCodeHost } from './codeHost';

export type {
  CodeHost,
  CodeHostPort,
  HeartbeatOption,
  OpenPullRequestRequest,
  PullRequestPolicy,
  PullRequestState,
} from '../pullRequests';
export { policyFromConfig, PullRequests } from '../pullRequests';
export { GitHubCodeHost, GitHubApiError, gitHubPullRequests } from './codeHost';
export { LocalCodeHost, type LocalPullRequest } from './localCodeHost';
export { RepoWorkspace } from './workspace';
export { accountIdsOf, resolveRepo, parseRepoSpec } from './repoMapping';
export { GitCommandError } from './errors';

/** The local code host (CODE_HOST=local) with TerraFix's PR policy; `.port` is the LocalCodeHost. */
export function localPullRequests(config: Config, logger: Logger): PullRequests<LocalCodeHost> {
  if (!config.LOCAL_CODE_HOST_DIR) {
    throw new ConfigError('invalid configuration:\n  LOCAL_CODE_HOST_DIR: is required when CODE_HOST=local');
  }
  const port = new LocalCodeHost({
    root: path.resolve(config.LOCAL_CODE_HOST_DIR),
    workspaceDir: config.WORKSPACE_DIR,
    mapping: config.GITHUB_REPO_MAPPING,
    logger,
  });
  return new PullRequests({ port, policy: policyFromConfig(config), logger });
}

/** Builds the code host selected by CODE_HOST (github: GITHUB_* settings; local: LOCAL_CODE_HOST_DIR). */
export function createCodeHost(config: Config, logger: Logger): CodeHost {
  if (config.CODE_HOST === 'local') return localPullRequests(config, logger);
  const port = GitHubCodeHost.fromConfig(config, logger);
  return new PullRequests({ port, policy: policyFromConfig(config), logger });
}
