/** Which stages and task queues a worker serves, from the modules it has and `--stages`. */
import { STAGE_NAMES, configuredGroups } from '../../src/activities';
import { ConfigError } from '../../src/errors';
import { queuesFor, selectStages } from '../../src/workers/main';

const all = new Set(['vanta', 'repository', 'pull-requests'] as const);

it('serves every stage when every module is configured, and polls every queue', () => {
  const serve = selectStages(all);
  expect([...serve]).toEqual(STAGE_NAMES);
  expect(queuesFor(serve)).toEqual(['main', 'llm', 'vanta', 'github']);
});

it('refuses to serve a stage whose module is not configured, naming the variables', () => {
  expect(() => selectStages(new Set(['repository', 'pull-requests'] as const))).toThrow(ConfigError);
  expect(() => selectStages(new Set(['repository', 'pull-requests'] as const))).toThrow(
    /vanta \(listFailures, failureStillPresent\): needs VANTA_CLIENT_ID/,
  );
  expect(() => selectStages(all, ['repository', 'bogus'])).toThrow(/invalid --stages: bogus/);
});

it('--stages narrows the stages and the queues: a worker never polls a queue it cannot serve', () => {
  const code = new Set(['repository', 'pull-requests'] as const);
  const serve = selectStages(code, ['repository', 'pull-requests']);
  expect(serve.has('listFailures')).toBe(false);
  expect(queuesFor(serve)).toEqual(['main', 'llm', 'github']);
  const vantaOnly = selectStages(new Set(['vanta'] as const), ['vanta']);
  expect(queuesFor(vantaOnly)).toEqual(['main', 'vanta']);
  expect(queuesFor(selectStages(all, ['prepare', 'analyze']))).toEqual(['main']);
  expect(queuesFor(selectStages(new Set(), []))).toEqual(['main']);
});

it('a module counts as configured only when its services exist', () => {
  expect([...configuredGroups({})]).toEqual([]);
  expect([...configuredGroups({ vanta: {} as never })]).toEqual(['vanta']);
  expect([...configuredGroups({ code: {} as never })]).toEqual(['repository', 'pull-requests']);
});
