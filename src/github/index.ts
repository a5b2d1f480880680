/**
 * The GitHub module's public surface and the factory choosing the code host from CODE_HOST.
 */
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { ConfigError } from '../errors';
import type { CodeHost } from './codeHost';
import { policyFromConfig } from './codeHost';
import { LocalCodeHost } from './localCodeHost';
import { GitHubCodeHost } from './githubCodeHost';

export type {
  CodeHost,
  HeartbeatOption,
  OpenPullRequestRequest,
  PullRequestPolicy,
  PullRequestState,
} from './codeHost';
export { policyFromConfig } from './codeHost';
export { GitHubCodeHost, GitHubApiError } from './githubCodeHost';
export { LocalCodeHost } from './localCodeHost';
export { RepoWorkspace } from './workspace';
export { resolveRepo, parseRepoSpec } from './repoMapping';
export { PrLimitReachedError, GitCommandError } from './errors';
export { branchName, prBody, prTitle, prLabels, parseFailureMarker } from './prContent';

/** Builds the code host selected by CODE_HOST (github: GITHUB_* settings; local: LOCAL_CODE_HOST_DIR). */
export function createCodeHost(config: Config, logger: Logger): CodeHost {
  if (config.CODE_HOST === 'local') {
    if (!config.LOCAL_CODE_HOST_DIR) {
      throw new ConfigError(
        'invalid configuration:\n  LOCAL_CODE_HOST_DIR: is required when CODE_HOST=local',
      );
    }
    return new LocalCodeHost({
      root: path.resolve(config.LOCAL_CODE_HOST_DIR),
      workspaceDir: config.WORKSPACE_DIR,
      mapping: config.GITHUB_REPO_MAPPING,
      policy: policyFromConfig(config),
      logger,
    });
  }
  return GitHubCodeHost.fromConfig(config, logger);
}
