/** The Vanta source: client, failure listing and the factories that build them from Config. */
import type Redis from 'ioredis';
import { vantaAuthMode, type Config } from '../config';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import { VANTA_READ_SCOPE, VantaApi, type VantaApiOptions } from './api';
import type { ListFailuresOptions } from './failures';

export * from './api';
export * from './errors';
export * from './failures';
export type { VantaEntity, VantaTest } from './schemas';

export const VANTA_WRITE_SCOPE = 'vanta-api.all:write';

/**
 * Builds a VantaApi from the environment config. With VANTA_WRITE_BACK=true the client asks for
 * the read and write scopes (every process must agree: they share one token).
 */
export function createVantaApi(
  config: Config,
  deps: { redis: Redis; logger: Logger },
  overrides: Partial<VantaApiOptions> = {},
): VantaApi {
  const mode = vantaAuthMode(config);
  if (mode === 'none') {
    throw new ConfigError(
      'invalid configuration:\n  VANTA_CLIENT_ID: expected VANTA_CLIENT_ID and VANTA_CLIENT_SECRET, or VANTA_API_TOKEN',
    );
  }
  const scope = config.VANTA_WRITE_BACK ? `${VANTA_READ_SCOPE} ${VANTA_WRITE_SCOPE}` : VANTA_READ_SCOPE;
  const credentials: VantaApiOptions['credentials'] =
    mode === 'oauth'
      ? { clientId: config.VANTA_CLIENT_ID!, clientSecret: config.VANTA_CLIENT_SECRET!, scope }
      : { token: config.VANTA_API_TOKEN! };
  return new VantaApi({
    baseUrl: config.VANTA_API_URL,
    credentials,
    redis: deps.redis,
    logger: deps.logger,
    requestsPerMinute: config.VANTA_REQUESTS_PER_MINUTE,
    ...overrides,
  });
}

/** listFailures options from the environment config. */
export function listFailuresOptionsFromConfig(config: Config): ListFailuresOptions {
  return {
    appUrl: config.VANTA_APP_URL,
    integrationFilter: config.VANTA_INTEGRATION_FILTER,
    frameworkFilter: config.VANTA_FRAMEWORK_FILTER,
    categoryFilter: config.VANTA_CATEGORY_FILTER,
    skipUnchanged: config.VANTA_SKIP_UNCHANGED,
  };
}

/** What the Vanta activities work with: a client and the listing options, from the config. */
export interface VantaServices {
  api: VantaApi;
  listOptions: ListFailuresOptions;
  logger: Logger;
}

/** Builds the Vanta services (client and listing options) from the environment config. */
export function vantaServicesFromConfig(
  config: Config,
  deps: { redis: Redis; logger: Logger },
  overrides: Partial<VantaApiOptions> = {},
): VantaServices {
  return {
    api: createVantaApi(config, deps, overrides),
    listOptions: listFailuresOptionsFromConfig(config),
    logger: deps.logger.child({ component: 'vanta' }),
  };
}
