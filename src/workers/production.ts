/**
 * The composition root: the services the activities need, built from configuration (Redis records,
 * Vanta, the code host, the LLM). A module that is not configured is left out; its stages fail with
 * StageNotImplementedError and the worker refuses to serve them (see selectStages in main.ts).
 */
import type Redis from 'ioredis';
import type { ActivityServices } from '../activities';
import { vantaAuthMode, type Config } from '../config';
import { accountIdsOf, createCodeHost, type CodeHost } from '../github';
import type { Logger } from '../logger';
import { createBedrockPatchModel, type PatchModel } from '../remediation/llm/bedrock';
import type { RecordStore } from '../state/recordStore';
import { vantaServicesFromConfig } from '../vanta';
import type { TerraFixMetrics } from './metrics';

export interface ProductionDeps {
  config: Config;
  redis: Redis;
  records: RecordStore;
  logger: Logger;
  metrics?: TerraFixMetrics;
  /** Overrides for tests and the sandbox (e.g. a code host or LLM client bound to emulators). */
  codeHost?: CodeHost;
  llm?: PatchModel | null;
}

/** Creates the LLM client when the configuration allows the LLM engine. */
export function llmFromConfig(config: Config): PatchModel | null {
  if (!config.LLM_ENABLED || config.FIX_ENGINE === 'rules') return null;
  return createBedrockPatchModel({
    modelId: config.BEDROCK_MODEL_ID,
    region: config.AWS_REGION,
    maxTokens: config.LLM_MAX_TOKENS,
    endpoint: config.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
  });
}

/** True when the configuration names a code host (GitHub token or App, or CODE_HOST=local). */
export function hasCodeHostConfig(config: Config): boolean {
  return config.CODE_HOST === 'local' || Boolean(config.GITHUB_TOKEN || config.GITHUB_APP_ID);
}

/** The activity services this configuration supports. */
export function servicesFromConfig(deps: ProductionDeps): ActivityServices {
  const { config, logger, metrics } = deps;
  const host = deps.codeHost ?? (hasCodeHostConfig(config) ? createCodeHost(config, logger) : undefined);
  return {
    records: deps.records,
    logger,
    metrics,
    vanta:
      vantaAuthMode(config) === 'none'
        ? undefined
        : vantaServicesFromConfig(config, { redis: deps.redis, logger }),
    code: host && {
      host,
      llm: deps.llm === undefined ? llmFromConfig(config) : deps.llm,
      metrics,
      temporalUi: { temporalUiUrl: config.TEMPORAL_UI_URL, temporalNamespace: config.TEMPORAL_NAMESPACE },
      accountIdsOf: (prepared) =>
        accountIdsOf(prepared.repo, config.GITHUB_REPO_MAPPING, config.AWS_ACCOUNT_IDS),
      indexCacheBytes: config.INDEX_CACHE_MB * 1024 * 1024,
    },
    branchHead: host
      ? (repo) => {
          const [owner, name] = repo.split('/');
          return owner && name ? host.defaultBranchHead({ owner, name }) : Promise.resolve(undefined);
        }
      : undefined,
  };
}
