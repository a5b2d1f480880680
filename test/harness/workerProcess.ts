/**
 * A separate worker process for crash tests: stage doubles that count each call in Redis. With
 * CRASH_DURING=<stage>, the first process to run that stage kills itself with SIGKILL mid-activity.
 * Env: TEST_TEMPORAL_ADDRESS, TEST_REDIS_URL, TEST_WORKFLOW_BUNDLE, TQ (task queue), PREFIX (Redis key prefix).
 */
import { NativeConnection } from '@temporalio/worker';
import Redis from 'ioredis';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { RecordStore } from '../../src/state/recordStore';
import { createWorkerSet, installRuntime } from '../../src/workers/worker';
import { successfulStages } from './pipeline';

async function main(): Promise<void> {
  const tq = process.env.TQ!;
  const redis = new Redis(process.env.TEST_REDIS_URL!, { keyPrefix: process.env.PREFIX });
  const stages = successfulStages([]);
  const counted = Object.fromEntries(
    Object.entries(stages).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        await redis.incr(`calls:${name}`);
        if (name === process.env.CRASH_DURING && (await redis.setnx('crashed', String(process.pid))) === 1) {
          // A real kill -9 of this worker while the activity is in flight.
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => undefined);
        }
        const out = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        await redis.incr(`done:${name}`);
        return out;
      },
    ]),
  );
  installRuntime();
  const connection = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
  const set = await createWorkerSet({
    connection,
    namespace: 'default',
    taskQueue: tq,
    activities: createActivities({
      records: new RecordStore(redis, { ttlSeconds: 3600 }),
      logger: pino({ level: 'silent' }),
      stages: counted,
    }),
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    githubActivitiesPerSecond: 100,
    vantaActivitiesPerSecond: 100,
    shutdownGraceTime: '1s',
  });
  process.stdout.write('ready\n');
  await set.run();
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
