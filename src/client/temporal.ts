/** Temporal client connections for the CLI and the demo, from the same config as the worker. */
import fs from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from '../config';

/** Connects a Temporal client (plain, mTLS or API key). */
export async function connectClient(c: Config): Promise<Client> {
  const useTls = c.TEMPORAL_TLS || Boolean(c.TEMPORAL_API_KEY) || Boolean(c.TEMPORAL_TLS_CERT_PATH);
  const opts: ConnectionOptions = { address: c.TEMPORAL_ADDRESS, connectTimeout: '10s' };
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
  let connection: Connection;
  try {
    connection = await Connection.connect(opts);
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${c.TEMPORAL_ADDRESS} (namespace ${c.TEMPORAL_NAMESPACE}): ${(err as Error).message}`,
    );
  }
  return new Client({ connection, namespace: c.TEMPORAL_NAMESPACE });
}
