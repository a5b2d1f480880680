/**
 * The README is a contract: every `terrafix` command shown in README.md and docs/*.md runs here
 * through the documented entry point, `bin/terrafix` (compiled with `make build`'s tsc step), as a
 * child process with an allowlisted environment, against the harness Temporal server and Redis, the
 * Vanta emulator and a local code host on disk. Output and exit codes are checked.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { RULES } from '../../src/remediation/match';
import path from 'node:path';
import { startVantaEmulator, type VantaEmulator } from '../../src/sandbox/emulators/vantaEmulator';
import { failureFor, seedBareRepo } from '../github/helpers';
import {
  testRedisUrl,
  testTemporalAddress,
  testTmpDir,
  testWorkflowBundle,
  uniqueName,
} from '../harness/env';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'terrafix');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'remediation', 'rules');
/** Every command this file runs; the docs may show no other (checked at the end). */
const covered = new Set<string>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let tmp: string;
let vanta: VantaEmulator;
let env: Record<string, string>;

/** Only what a user's shell would need: no inherited secrets, no test variables. */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmp,
    LANG: 'C.UTF-8',
    // Node 20 on these machines: the AWS SDK's end-of-support notice is not what we assert on.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Runs `bin/terrafix args…` to completion. */
function terrafix(args: string[], extra: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  covered.add(commandName(args));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extra } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts a long-running command and resolves once a stdout line matches `ready`. */
function startLong(
  args: string[],
  extra: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  covered.add(commandName(args));
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...env, ...extra } });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve({ child, output: () => out, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`${args.join(' ')} exited ${code} before ready:\n${out}`)));
  });
}

/** `schedule describe` → "schedule describe"; `worker --stages x` → "worker". */
function commandName(args: string[]): string {
  const words = args.filter((a) => !a.startsWith('-'));
  if (args[0] === '--help') return '--help';
  if (words[0] === 'schedule' || words[0] === 'vanta') return `${words[0]} ${words[1] ?? ''}`.trim();
  return words[0] ?? '';
}

beforeAll(async () => {
  // `make build`'s compile step: bin/terrafix runs dist/.
  const build = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0)
    throw new Error(`tsc -p tsconfig.build.json failed:\n${build.stdout}${build.stderr}`);
  tmp = fs.mkdtempSync(path.join(testTmpDir(), 'readme-'));
  vanta = await startVantaEmulator();
  const hostDir = path.join(tmp, 'host');
  await seedBareRepo(hostDir, 'acme', 'infra');
  const queue = uniqueName('readme');
  env = {
    ...baseEnv(),
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: queue,
    TEMPORAL_SCHEDULE_ID: `${queue}-poll`,
    POLL_INTERVAL_SECONDS: '3600',
    REDIS_URL: testRedisUrl(),
    VANTA_CLIENT_ID: 'terrafix-demo-client',
    VANTA_CLIENT_SECRET: 'terrafix-demo-secret',
    VANTA_API_URL: vanta.url,
    CODE_HOST: 'local',
    LOCAL_CODE_HOST_DIR: hostDir,
    GITHUB_REPO_MAPPING: '{"default":"acme/infra"}',
    WORKSPACE_DIR: path.join(tmp, 'ws'),
    LLM_ENABLED: 'false',
    HEALTH_PORT: '0',
    TERRAFIX_WORKFLOW_BUNDLE: testWorkflowBundle().codePath,
  };
}, 120_000);

afterAll(async () => {
  await vanta?.stop();
});

describe('offline commands', () => {
  it('--help lists every command', async () => {
    const r = await terrafix(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'schedule',
      'process-once',
      'status',
      'list',
      'pr-event',
      'worker',
      'analyze',
      'fix',
      'rules',
      'scan',
      'vanta',
      'codec-server',
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('rules and rules --json print the catalog', async () => {
    const text = await terrafix(['rules']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('s3-public-access-block');
    const json = await terrafix(['rules', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(RULES.length);
  });

  it('scan reports violations (exit 5) and a clean repository (exit 0)', async () => {
    const dirty = await terrafix(['scan', '--repo', path.join(FIXTURES, 'rds-backup-retention'), '--json']);
    expect(dirty.code).toBe(5);
    expect(JSON.stringify(JSON.parse(dirty.stdout))).toContain('rds-backup-retention');
    // docs/deploy.md: `terrafix scan --repo infra` finds no violations in our own module.
    const infra = await terrafix(['scan', '--repo', 'infra']);
    expect({ code: infra.code, stderr: infra.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('analyze and fix work offline on a repository and a failure file', async () => {
    const repo = path.join(tmp, 'offline');
    fs.cpSync(path.join(FIXTURES, 'rds-backup-retention'), repo, { recursive: true });
    const failure = path.join(tmp, 'rds-failure.json');
    fs.writeFileSync(
      failure,
      JSON.stringify({
        test_id: 'CKV_AWS_133',
        test_name: 'RDS backup retention',
        resource_arn: 'arn:aws:rds:us-east-1:123456789012:db:acme-main',
        resource_type: 'AWS::RDS::DBInstance',
      }),
    );
    const a = await terrafix(['analyze', '--repo', repo, '--failure', failure, '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ target: { address: 'aws_db_instance.main' } });
    const f = await terrafix(['fix', '--repo', repo, '--failure', failure, '--engine', 'rules', '--json']);
    expect(f.code).toBe(0);
    expect(JSON.parse(f.stdout)).toMatchObject({ status: 'fixed', ruleId: 'rds-backup-retention' });
    const missing = await terrafix(['analyze', '--repo', repo, '--failure', path.join(tmp, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('dashboard prints the Web UI links (no connection needed)', async () => {
    const r = await terrafix(['dashboard', '--repo', 'acme/infra'], {
      TEMPORAL_UI_URL: 'http://ui.example:8233',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('http://ui.example:8233/namespaces/default/workflows?query=');
    expect(decodeURIComponent(r.stdout)).toContain("TerraFixRepo = 'acme/infra'");
    const json = await terrafix(['dashboard', '--json']);
    expect(json.code).toBe(0);
    const { links } = JSON.parse(json.stdout) as { links: { title: string; url: string }[] };
    expect(links.length).toBeGreaterThan(5);
    expect(
      links.every((l) => l.url.startsWith('http://localhost:8233/namespaces/default/workflows?query=')),
    ).toBe(true);
  });

  it('vanta failures lists the emulator failures', async () => {
    const r = await terrafix(['vanta', 'failures', '--json']);
    expect(r.code).toBe(0);
    const failures = JSON.parse(r.stdout) as { key: string }[];
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((x) => x.key.startsWith('vanta:'))).toBe(true);
  });

  it('argument mistakes fail before connecting, in one line, with exit 2', async () => {
    const unreachable = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const bad = await terrafix(['pr-event', 'vanta:x:y', 'maybe'], unreachable);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('terrafix: state must be merged, closed or open, not "maybe"\n');
    const stage = await terrafix(['list', '--stage', 'nowhere'], unreachable);
    expect(stage.code).toBe(2);
    expect(stage.stderr).toMatch(/^terrafix: --stage: expected one of queued, claim, .*; got "nowhere"\n$/);
    const outcome = await terrafix(['list', '--outcome', 'pr-open'], unreachable);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('--outcome: expected one of');
  });

  it('an unreachable Temporal is one line with a hint', async () => {
    const r = await terrafix(['status', 'vanta:x:y'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^terrafix: cannot reach Temporal at 127\.0\.0\.1:1 .*Hint: is the Temporal server running\?/,
    );
  });
});

describe('against Temporal', () => {
  let worker: Awaited<ReturnType<typeof startLong>>;

  it('the worker refuses to start without a stage it would serve, unless --stages narrows it', async () => {
    const noVanta = { VANTA_CLIENT_ID: '', VANTA_CLIENT_SECRET: '' };
    const r = await terrafix(['worker'], noVanta);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('this worker would serve stages it cannot run');
    expect(r.stderr).toContain('vanta (listFailures, failureStillPresent): needs VANTA_CLIENT_ID');
    const bad = await terrafix(['worker', '--stages', 'vanta,bogus'], noVanta);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --stages: bogus');
    const narrowed = await startLong(
      ['worker', '--stages', 'repository,pull-requests'],
      { ...noVanta, SCHEDULE_ON_START: 'false' },
      /TerraFix worker running/,
    );
    expect(narrowed.output()).toContain(
      'not served by this worker (--stages): listFailures, failureStillPresent',
    );
    narrowed.child.kill('SIGTERM');
    expect(await narrowed.exited).toBe(0);
  });

  it('worker starts (schedule created, health served), and the Temporal commands work against it', async () => {
    worker = await startLong(['worker'], {}, /poll schedule (created|updated|unchanged)/);
    const health = /"healthPort":(\d+)/.exec(worker.output());
    expect(health).not.toBeNull();
    expect((await fetch(`http://127.0.0.1:${health![1]}/health`)).status).toBe(200);
    expect(worker.output()).toMatch(/poll schedule (created|updated|unchanged)/);

    const d = await terrafix(['schedule', 'describe', '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({
      scheduleId: env.TEMPORAL_SCHEDULE_ID,
      intervalSeconds: 3600,
    });
    for (const [cmd, word] of [
      ['pause', 'paused'],
      ['unpause', 'unpaused'],
    ] as const) {
      const r = await terrafix(['schedule', cmd]);
      expect(r).toMatchObject({ code: 0, stdout: `schedule ${env.TEMPORAL_SCHEDULE_ID}: ${word}\n` });
    }
    const created = await terrafix(['schedule', 'create']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`schedule ${env.TEMPORAL_SCHEDULE_ID}:`);

    // process-once --wait: a real remediation through the worker, the local code host and Redis.
    const logs = failureFor('acme-logs', { key: `vanta:aws-s3-public-access-blocked:${uniqueName('logs')}` });
    const file = path.join(tmp, 'logs.json');
    fs.writeFileSync(file, JSON.stringify(logs));
    const once = await terrafix(['process-once', '--failure-json', file, '--wait']);
    expect(once.stderr).toBe('');
    expect(once.code).toBe(0);
    expect(once.stdout).toContain(`started remediate/${logs.key}`);
    expect(once.stdout).toContain('"outcome": "pr_opened"');

    // --wait on a queue no worker serves says so at once instead of hanging silently (its own failure:
    // the run it starts stays queued on that queue).
    const lonelyFile = path.join(tmp, 'lonely.json');
    fs.writeFileSync(lonelyFile, JSON.stringify({ ...logs, key: `${logs.key}-lonely` }));
    const lonely = await startLong(
      ['process-once', '--failure-json', lonelyFile, '--wait'],
      { TEMPORAL_TASK_QUEUE: uniqueName('nobody') },
      /no worker polls task queue/,
    );
    expect(lonely.output()).toContain('set TEMPORAL_TASK_QUEUE to the queue your workers serve');
    lonely.child.kill('SIGTERM');
    await lonely.exited;

    const status = await terrafix(['status', logs.key]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'COMPLETED', outcome: 'pr_opened' });
    const byId = await terrafix(['status', `remediate/${logs.key}`]);
    expect(JSON.parse(byId.stdout)).toMatchObject({ outcome: 'pr_opened' });

    // list: a header, the row, and the PR column (visibility is eventually consistent).
    let list: Run = { code: null, stdout: '', stderr: '' };
    for (let i = 0; i < 50 && !list.stdout.includes(logs.key); i++) {
      list = await terrafix(['list', '--outcome', 'pr_opened']);
      if (!list.stdout.includes(logs.key)) await new Promise((r) => setTimeout(r, 200));
    }
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FAILURE KEY\s+STATUS\s+STAGE\s+OUTCOME\s+REPO\s+RULE\s+PR$/);
    const row = lines.find((l) => l.startsWith(logs.key));
    expect(row).toMatch(/COMPLETED\s+done\s+pr_opened\s+acme\/infra\s+s3-public-access-block\s+\S+/);
    expect(lines.at(-1)).toMatch(/^\d+ remediation\(s\)$/);

    // process-once --follow-up, then pr-event closed: the remediation ends "rejected".
    const data = failureFor('acme-data', { key: `vanta:aws-s3-public-access-blocked:${uniqueName('data')}` });
    const dataFile = path.join(tmp, 'data.json');
    fs.writeFileSync(dataFile, JSON.stringify(data));
    expect((await terrafix(['process-once', '--failure-json', dataFile, '--follow-up'])).code).toBe(0);
    // The live outcome while the PR awaits review (visibility is eventually consistent: poll for it).
    let live: { stage?: string; outcome?: string; prUrl?: string } = {};
    for (let i = 0; i < 100 && live.outcome !== 'pr_open'; i++) {
      live = JSON.parse((await terrafix(['status', data.key])).stdout) as typeof live;
      if (live.outcome !== 'pr_open') await new Promise((r) => setTimeout(r, 200));
    }
    expect(live).toMatchObject({ stage: 'awaiting_merge', outcome: 'pr_open' });
    expect(live.prUrl).toBeTruthy();
    const ev = await terrafix(['pr-event', data.key, 'closed']);
    expect(ev).toMatchObject({ code: 0, stdout: `signalled remediate/${data.key}: closed\n` });
    let final: { outcome?: string; status?: string } = {};
    for (let i = 0; i < 100 && final.status !== 'COMPLETED'; i++) {
      final = JSON.parse((await terrafix(['status', data.key])).stdout) as typeof final;
      if (final.status !== 'COMPLETED') await new Promise((r) => setTimeout(r, 200));
    }
    expect(final).toMatchObject({ status: 'COMPLETED', outcome: 'rejected' });

    const trig = await terrafix(['schedule', 'trigger']);
    expect(trig).toMatchObject({ code: 0, stdout: `schedule ${env.TEMPORAL_SCHEDULE_ID}: triggered\n` });
    const del = await terrafix(['schedule', 'delete']);
    expect(del).toMatchObject({ code: 0, stdout: `schedule ${env.TEMPORAL_SCHEDULE_ID}: deleted\n` });

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('TerraFix worker stopped');
  });

  it('codec-server serves the Web UI codec until SIGTERM', async () => {
    const keys = JSON.stringify({ k1: Buffer.alloc(32, 7).toString('base64') });
    const s = await startLong(
      ['codec-server'],
      { TEMPORAL_PAYLOAD_KEYS: keys, CODEC_SERVER_TOKEN: 'readme-test-token', CODEC_SERVER_PORT: '0' },
      /codec server on (\S+)/,
    );
    const url = /codec server on (\S+)/.exec(s.output())![1]!;
    const r = await fetch(`${url}/decode`, { method: 'POST', body: '{"payloads":[]}' });
    expect(r.status).toBe(401); // no token
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.output()).not.toContain('readme-test-token');
  });
});

it('every terrafix command shown in README.md and docs/*.md ran above', () => {
  const docs = [
    'README.md',
    ...fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const shown = new Set<string>();
  for (const doc of docs) {
    const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
    for (const m of text.matchAll(/\bterrafix ((?:schedule|vanta) [a-z|-]+|[a-z][a-z-]+|--help)/g)) {
      for (const alt of m[1]!.split(/\|/)) {
        const cmd = alt.includes(' ') || !m[1]!.includes(' ') ? alt : `${m[1]!.split(' ')[0]} ${alt}`;
        shown.add(cmd.trim());
      }
    }
  }
  // Words after "terrafix " in prose that are not commands.
  for (const notCommand of ['worker process', 'is', 'opened', 'has', 'and', 'service', 'pr'])
    shown.delete(notCommand);
  const known = [...shown].filter((c) => KNOWN_COMMANDS.some((k) => c === k || c.startsWith(`${k} `)));
  expect(known.filter((c) => !covered.has(c))).toEqual([]);
  // A command the docs show but the CLI does not have is a doc error.
  expect([...shown].filter((c) => !known.includes(c))).toEqual([]);
});

const KNOWN_COMMANDS = [
  '--help',
  'worker',
  'schedule create',
  'schedule describe',
  'schedule pause',
  'schedule unpause',
  'schedule trigger',
  'schedule delete',
  'process-once',
  'status',
  'list',
  'pr-event',
  'analyze',
  'fix',
  'rules',
  'scan',
  'vanta failures',
  'codec-server',
  'dashboard',
];
