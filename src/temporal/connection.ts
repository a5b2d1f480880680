/** Temporal client connections for the CLI and the demo, from the same config as the worker. */
import fs from 'node:fs';
import { Client, Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import type { Config } from '../config';
import { dataConverterFor } from './codec';

export interface TemporalConnectionSettings {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/** Address, TLS and API key for a Temporal connection (plain, mTLS or Temporal Cloud API key); shared by client and worker. */
export function temporalConnectionSettings(c: Config): TemporalConnectionSettings {
  const useTls = c.TEMPORAL_TLS || Boolean(c.TEMPORAL_API_KEY) || Boolean(c.TEMPORAL_TLS_CERT_PATH);
  const opts: TemporalConnectionSettings = { address: c.TEMPORAL_ADDRESS };
  if (useTls) {
    opts.tls = {
      serverNameOverride: c.TEMPORAL_TLS_SERVER_NAME,
      clientCertPair:
        c.TEMPORAL_TLS_CERT_PATH && c.TEMPORAL_TLS_KEY_PATH
          ? { crt: fs.readFileSync(c.TEMPORAL_TLS_CERT_PATH), key: fs.readFileSync(c.TEMPORAL_TLS_KEY_PATH) }
          : undefined,
    };
  }
  if (c.TEMPORAL_API_KEY) opts.apiKey = c.TEMPORAL_API_KEY;
  return opts;
}

/** The Temporal server could not be reached (the message is one line with a hint). */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
}

/** Connects a Temporal client (plain, mTLS or API key). */
export async function connectClient(c: Config): Promise<Client> {
  const opts: ConnectionOptions = { ...temporalConnectionSettings(c), connectTimeout: '10s' };
  let connection: Connection;
  try {
    connection = await Connection.connect(opts);
  } catch (err) {
    throw new TemporalUnreachableError(
      `cannot reach Temporal at ${c.TEMPORAL_ADDRESS} (namespace ${c.TEMPORAL_NAMESPACE}): ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 300)}. ` +
        'Hint: is the Temporal server running? Set TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE (for the demo: source ~/.cache/terrafix/demo/env).',
    );
  }
  return new Client({ connection, namespace: c.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(c) });
}
