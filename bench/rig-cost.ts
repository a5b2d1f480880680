/**
 * Rig cost: processes spawned and user/sys CPU per PR for the whole sandbox rig (emulators, worker,
 * Temporal dev server, Redis and every git child), measured from the kernel's own counters
 * (/proc/stat: `processes` = forks since boot, the `cpu` line = user/system ticks of the machine).
 * Run it on an otherwise idle machine:
 *
 *   npx tsx bench/rig-cost.ts [--failures 60] [--repos 2]
 *
 * It also tallies the child processes started from this Node process by command (git sub-command),
 * so a change can be traced to where the processes come from.
 */
import childProcess from 'node:child_process';
import { dataConverterFor } from '../src/temporal/codec';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startSandbox } from '../src/sandbox/sandbox';
import { readProc } from './lib/procSampler';

interface Counters {
  forks: number;
  userSec: number;
  sysSec: number;
}

/** Reads the machine-wide fork count and user/system CPU seconds from /proc/stat. */
function readCounters(): Counters {
  const stat = fs.readFileSync('/proc/stat', 'utf8');
  const cpu = stat
    .split('\n')
    .find((l) => l.startsWith('cpu '))!
    .trim()
    .split(/\s+/)
    .map(Number);
  // cpu user nice system idle iowait irq softirq …, in USER_HZ (100 per second on Linux).
  const hz = 100;
  const forks = Number(/^processes (\d+)$/m.exec(stat)![1]);
  return { forks, userSec: (cpu[1]! + cpu[2]!) / hz, sysSec: (cpu[3]! + cpu[6]! + cpu[7]!) / hz };
}

/**
 * Wraps child_process.spawn to count the commands this process starts (git sub-command). The
 * modules call `spawn` through the module object, so patching it at start-up reaches them all.
 */
function tallySpawns(): Map<string, number> {
  const tally = new Map<string, number>();
  const original = childProcess.spawn;
  (childProcess as { spawn: typeof original }).spawn = ((cmd: string, args?: unknown, ...rest: unknown[]) => {
    const argv = Array.isArray(args) ? (args as string[]) : [];
    let sub = argv.find((a, i) => !a.startsWith('-') && argv[i - 1] !== '--git-dir' && argv[i - 1] !== '-c');
    if (cmd !== 'git') sub = undefined;
    const key = sub ? `${path.basename(cmd)} ${sub}` : path.basename(cmd);
    tally.set(key, (tally.get(key) ?? 0) + 1);
    return (original as (...a: unknown[]) => childProcess.ChildProcess)(cmd, args, ...rest);
  }) as typeof original;
  return tally;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const failures = arg('failures', 60);
  const repos = arg('repos', 2);
  const tally = tallySpawns();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terrafix-rigcost-'));
  const sandbox = await startSandbox({ org: { repos, failures }, dir, taskQueue: 'rigcost' });
  try {
    const worker = await sandbox.startWorker();
    const connection = await Connection.connect({ address: sandbox.config.TEMPORAL_ADDRESS });
    const client = new Client({
      connection,
      namespace: 'default',
      dataConverter: dataConverterFor(sandbox.config),
    });
    tally.clear();
    const pids = {
      'bench (emulators + worker + their git children)': process.pid,
      'temporal dev server': sandbox.temporal?.pid ?? 0,
      redis: sandbox.redis?.pid ?? 0,
    };
    const cpuOf = () =>
      Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, readProc(pid)?.cpuSec ?? 0]));
    const procBefore = cpuOf();
    const before = readCounters();
    const t0 = Date.now();
    const poll = await client.workflow.start('pollFailuresWorkflow', {
      taskQueue: 'rigcost',
      workflowId: `rigcost-poll-${Date.now()}`,
      args: [{ options: { followUp: false } }],
    });
    await poll.result();
    const query = `WorkflowType = 'remediateFailureWorkflow' AND TaskQueue = 'rigcost' AND ExecutionStatus != 'Running'`;
    while ((await client.workflow.count(query)).count < failures)
      await new Promise((r) => setTimeout(r, 500));
    const wallSec = (Date.now() - t0) / 1000;
    const after = readCounters();
    const procAfter = cpuOf();
    const prs = sandbox.expected
      .map((x) => x.repo)
      .filter((r, i, a) => a.indexOf(r) === i)
      .reduce((n, r) => {
        const [owner, name] = r.split('/') as [string, string];
        return n + sandbox.github.listPulls(owner, name).length;
      }, 0);
    const per = (v: number) => Math.round((v / Math.max(prs, 1)) * 1000) / 1000;
    const result = {
      failures,
      repos,
      prs,
      wallSeconds: Math.round(wallSec * 10) / 10,
      /** clone() calls of the whole machine: processes and threads. */
      tasksCreatedPerPr: per(after.forks - before.forks),
      commandsSpawnedPerPr: per([...tally.values()].reduce((a, b) => a + b, 0)),
      userCpuSecPerPr: per(after.userSec - before.userSec),
      sysCpuSecPerPr: per(after.sysSec - before.sysSec),
      githubRequestsPerPr: per(sandbox.github.requests.length),
      cpuSecPerPrByProcess: Object.fromEntries(
        Object.keys(pids).map((k) => [k, per(procAfter[k]! - procBefore[k]!)]),
      ),
      gitHttpCache: { hits: sandbox.github.gitHttpCache.hits, misses: sandbox.github.gitHttpCache.misses },
      spawnedByCommandPerPr: Object.fromEntries(
        [...tally].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, per(n)]),
      ),
    };
    process.stdout.write(`RIG COST ${JSON.stringify(result, null, 2)}\n`);
    await connection.close();
    await worker.shutdown();
  } finally {
    await sandbox.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`rig-cost: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
