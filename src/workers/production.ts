/**
 * The composition root of the stage implementations: services from configuration (Vanta, the code
 * host, the LLM), handed to the activity modules in src/activities/. A stage whose module is not
 * configured is left out (the worker refuses to serve it; see selectStages in main.ts).
 */
import type Redis from 'ioredis';
import type { StageImplementations } from '../activities';
import { pullRequestStages } from '../activities/pullRequests';
import { repositoryStages } from '../activities/repository';
import { vantaAuthMode, type Config } from '../config';
import { createCodeHost, type CodeHost } from '../github';
import type { Logger } from '../logger';
import { createBedrockPatchModel, type PatchModel } from '../remediation/llm/bedrock';
import { createVantaStages } from '../vanta';
import type { TerraFixMetrics } from './metrics';

export { buildGroupFix, groupFailure, type GroupFixResult } from '../activities/grouping';

export interface ProductionDeps {
  config: Config;
  redis: Redis;
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

/** Builds the stage implementations this configuration supports. */
export async function buildStages(deps: ProductionDeps): Promise<StageImplementations> {
  const { config, logger, metrics } = deps;
  const stages: StageImplementations = {};
  if (vantaAuthMode(config) !== 'none') {
    Object.assign(stages, createVantaStages(config, { redis: deps.redis, logger }));
  }
  if (deps.codeHost === undefined && !hasCodeHostConfig(config)) return stages;
  const services = {
    host: deps.codeHost ?? createCodeHost(config, logger),
    llm: deps.llm === undefined ? llmFromConfig(config) : deps.llm,
    metrics,
    temporalUi: { temporalUiUrl: config.TEMPORAL_UI_URL, temporalNamespace: config.TEMPORAL_NAMESPACE },
  };
  const repository = repositoryStages(services);
  return { ...stages, ...repository.stages, ...pullRequestStages(services, repository.indexFor) };
}
