/**
 * Test pipeline: a worker set on a unique task queue against the harness Temporal server, with the
 * real Redis record store and stage doubles (Temporal's own testing practice for workflow tests).
 */
import { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import type Redis from 'ioredis';
import pino from 'pino';
import { createActivities, type ActivityServices, type StageImplementations } from '../../src/activities';
import type { Failure, PreparedRepo, Target, VerifiedFix } from '../../src/contracts';
import { RecordStore } from '../../src/state/recordStore';
import { createWorkerSet, type WorkerSet } from '../../src/workers/worker';
import { testClient, testNativeConnection, testRedis, testWorkflowBundle, uniqueName } from './env';

export interface TestPipeline {
  taskQueue: string;
  client: Client;
  records: RecordStore;
  redis: Redis;
  workers: WorkerSet;
  running: Promise<void>;
  close(): Promise<void>;
}

/** Starts workers for all four queues with the given stage doubles. */
export async function startTestPipeline(
  stages: StageImplementations,
  opts: {
    ttlSeconds?: number;
    dataConverter?: { payloadCodecs: PayloadCodec[] };
    logger?: ActivityServices['logger'];
    metrics?: ActivityServices['metrics'];
    branchHead?: ActivityServices['branchHead'];
  } = {},
): Promise<TestPipeline> {
  const taskQueue = uniqueName('tq');
  const redis = testRedis(`${taskQueue}:`);
  const records = new RecordStore(redis, { ttlSeconds: opts.ttlSeconds ?? 3600 });
  const { client: plain, connection } = await testClient();
  const client = opts.dataConverter
    ? new Client({ connection, namespace: 'default', dataConverter: opts.dataConverter })
    : plain;
  const native: NativeConnection = await testNativeConnection();
  const activities = createActivities({
    records,
    logger: opts.logger ?? pino({ level: 'silent' }),
    stages,
    metrics: opts.metrics,
    branchHead: opts.branchHead,
  });
  const workers = await createWorkerSet({
    connection: native,
    namespace: 'default',
    taskQueue,
    activities,
    workflowBundle: testWorkflowBundle(),
    vantaActivitiesPerSecond: 1000,
    githubActivitiesPerSecond: 1000,
    maxConcurrentActivities: 50,
    shutdownGraceTime: '1s',
    dataConverter: opts.dataConverter,
  });
  const running = workers.run();
  return {
    taskQueue,
    client,
    records,
    redis,
    workers,
    running,
    async close() {
      await workers.shutdown();
      await running.catch(() => undefined);
      await native.close();
      await connection.close();
      redis.disconnect();
    },
  };
}

/** A failure for tests. */
export function sampleFailure(i: number, prefix = 'vanta:aws-s3-encryption'): Failure {
  return {
    key: `${prefix}:entity-${i}`,
    source: 'vanta',
    testId: 'aws-s3-encryption',
    testName: 'S3 buckets are encrypted',
    severity: 'high',
    resource: { displayName: `bucket-${i}`, responseType: 'S3 bucket' },
  };
}

export const preparedRepo: PreparedRepo = {
  repo: { owner: 'acme', name: 'infra' },
  defaultBranch: 'main',
  baseSha: 'a'.repeat(40),
  cloneUrl: 'http://127.0.0.1/acme/infra.git',
};

export const sampleTarget: Target = {
  file: 'main.tf',
  address: 'aws_s3_bucket.b',
  resourceType: 'aws_s3_bucket',
  moduleDir: '',
  startByte: 0,
  endByte: 10,
  startLine: 1,
  endLine: 3,
  matchedBy: 'resolved_name',
  confidence: 0.9,
  related: [],
};

export const sampleFix: VerifiedFix = {
  engine: 'rule',
  ruleId: 's3-encryption',
  files: [{ path: 'main.tf', content: 'resource "aws_s3_bucket" "b" {}\n' }],
  diff: '--- a/main.tf\n+++ b/main.tf\n',
  explanation: 'encrypt',
  changedAttributes: ['server_side_encryption_configuration'],
  confidence: 'high',
  breakingChanges: [],
  additionalRequirements: [],
  warnings: [],
  validation: { ran: ['parse'], skipped: [] },
  tokens: null,
};

/** Stage doubles that succeed, counting calls per stage. */
export function successfulStages(
  failures: Failure[],
  calls: Record<string, number> = {},
): StageImplementations {
  const count = (s: string) => {
    calls[s] = (calls[s] ?? 0) + 1;
  };
  return {
    listFailures: async () => (count('listFailures'), failures),
    prepare: async () => (count('prepare'), preparedRepo),
    analyze: async () => (count('analyze'), { status: 'found', target: sampleTarget, candidates: [] }),
    generate: async () => (
      count('generate'),
      {
        status: 'patch',
        engine: 'rule',
        ruleId: 's3-encryption',
        patch: {
          edits: [],
          explanation: 'x',
          changedAttributes: [],
          confidence: 'high',
          breakingChanges: [],
          additionalRequirements: [],
        },
        tokens: null,
      }
    ),
    validate: async () => (count('validate'), { ok: true, fix: sampleFix }),
    openPullRequest: async (input) => (
      count('openPullRequest'),
      {
        action: 'created',
        url: `http://github.local/acme/infra/pull/${input.failure.key.length}`,
        number: 1,
        branch: 'terrafix/x/1',
      }
    ),
  };
}
