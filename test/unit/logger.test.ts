import { Writable } from 'node:stream';
import { createLogger, logContext, registerSecret } from '../../src/logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

it('writes JSON lines carrying the activity context, with registered secrets masked', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'info', destination, pretty: false });
  registerSecret('ghp_supersecrettokenvalue1234567890');
  logContext.run({ workflowId: 'remediate/vanta:t:e', failureKey: 'vanta:t:e', activity: 'prepare' }, () => {
    log.info({ url: 'https://x-access-token:ghp_supersecrettokenvalue1234567890@github.com/a/b' }, 'cloning');
  });
  log.info('outside any activity');
  const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(inside).toMatchObject({
    workflowId: 'remediate/vanta:t:e',
    failureKey: 'vanta:t:e',
    activity: 'prepare',
    msg: 'cloning',
  });
  expect(lines.join('')).not.toContain('supersecrettokenvalue');
  expect(outside!.workflowId).toBeUndefined();
});
