/**
 * Jest global set-up: one Temporal dev server (with TerraFix's search attributes) and one Redis for
 * the whole run, plus one workflow bundle. A missing service fails the run with how to install it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import {
  startRedis,
  startTemporalDevServer,
  type RedisServer,
  type TemporalDevServer,
} from '../../src/sandbox/services';

declare global {
  var __TERRAFIX_SERVICES__: { temporal?: TemporalDevServer; redis?: RedisServer; dir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Test runs on Node 20 only: the AWS SDK's documented opt-out (aws/aws-sdk-js-v3#7983) of its
  // "versions published after January 2027 will require node >=22" warning. Production (Node 22) keeps it.
  if (Number(process.versions.node.split('.')[0]) < 22)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-test-'));
  const services: NonNullable<typeof globalThis.__TERRAFIX_SERVICES__> = { dir };
  globalThis.__TERRAFIX_SERVICES__ = services;
  try {
    const [temporal, redis] = await Promise.all([
      startTemporalDevServer({ headless: true, logFile: path.join(dir, 'temporal.log') }),
      startRedis(),
    ]);
    services.temporal = temporal;
    services.redis = redis;
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
    });
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
    process.env.TEST_REDIS_URL = redis.url;
    process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
    process.env.TEST_TMP_DIR = dir;
  } catch (err) {
    await services.temporal?.stop();
    await services.redis?.stop();
    throw new Error(`test harness could not start its services: ${(err as Error).message}`);
  }
}
