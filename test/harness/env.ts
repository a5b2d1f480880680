/** Accessors for the services the jest harness started (see globalSetup). */
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Redis from 'ioredis';
import { installRuntime } from '../../src/workers/worker';

function need(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `${name} is not set: run tests through jest so test/harness/globalSetup starts the services`,
    );
  return v;
}

export const testTemporalAddress = (): string => need('TEST_TEMPORAL_ADDRESS');
export const testRedisUrl = (): string => need('TEST_REDIS_URL');
export const testWorkflowBundle = (): { codePath: string } => ({ codePath: need('TEST_WORKFLOW_BUNDLE') });
export const testTmpDir = (): string => need('TEST_TMP_DIR');

/** A fresh Temporal client connection to the harness server (with the payload codec when given). */
export async function testClient(dataConverter?: {
  payloadCodecs: PayloadCodec[];
}): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: testTemporalAddress() });
  return { client: new Client({ connection, namespace: 'default', dataConverter }), connection };
}

/** A native connection for test workers. */
export function testNativeConnection(): Promise<NativeConnection> {
  installRuntime();
  return NativeConnection.connect({ address: testTemporalAddress() });
}

/** A Redis client on the harness Redis; the key prefix isolates each test file. */
export function testRedis(keyPrefix = ''): Redis {
  return new Redis(testRedisUrl(), { keyPrefix, maxRetriesPerRequest: 2, lazyConnect: false });
}

let counter = 0;
/** A unique name (task queue, key prefix) per call. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
