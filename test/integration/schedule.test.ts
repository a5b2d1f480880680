/**
 * The poll schedule is created once, left alone when unchanged, and updated when the interval or
 * options change (idempotent start-up of every worker).
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureSchedule, scheduleIntervalSeconds } from '../../src/temporal/schedule';
import { testClient, uniqueName } from '../harness/env';

it('creates, keeps and updates the schedule idempotently', async () => {
  const { client, connection } = await testClient();
  const scheduleId = uniqueName('sched');
  const base = { scheduleId, taskQueue: uniqueName('tq'), intervalSeconds: 300, paused: true };
  try {
    expect(await ensureSchedule(client, base)).toBe('created');
    expect(await ensureSchedule(client, base)).toBe('unchanged');
    const [a, b] = await Promise.all([ensureSchedule(client, base), ensureSchedule(client, base)]);
    expect([a, b]).toEqual(['unchanged', 'unchanged']);

    const d1 = await client.schedule.getHandle(scheduleId).describe();
    expect(scheduleIntervalSeconds(d1)).toBe(300);
    expect(d1.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d1.policies.catchupWindow).toBe(600_000);

    expect(await ensureSchedule(client, { ...base, intervalSeconds: 120 })).toBe('updated');
    expect(scheduleIntervalSeconds(await client.schedule.getHandle(scheduleId).describe())).toBe(120);
    expect(
      await ensureSchedule(client, { ...base, intervalSeconds: 120, options: { engine: 'rules' } }),
    ).toBe('updated');
    expect(
      await ensureSchedule(client, { ...base, intervalSeconds: 120, options: { engine: 'rules' } }),
    ).toBe('unchanged');
  } finally {
    await client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
    await connection.close();
  }
});
