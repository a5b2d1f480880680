/** Which process of the rig used the most CPU during a run, from the per-process CPU totals. */
import type { ProcUsage } from './procSampler';

export interface ProcessShare {
  label: string;
  /** worker, temporal, redis or harness (the benchmark process hosting the emulators) */
  role: string;
  cpuSeconds: number;
  /** average share of one core over the sampled wall time, percent */
  coreSharePct: number;
}

export interface Bottleneck {
  /** processes, highest CPU first */
  processes: ProcessShare[];
  /** label of the process with the highest CPU share */
  top: string;
  /** sum of every process's share, percent of one core (the machine has `cpus` × 100 %) */
  totalPct: number;
  cpus: number;
  verdict: string;
}

/** The role of a sampled process, from its label. */
export function roleOf(label: string): string {
  if (/temporal/i.test(label)) return 'temporal';
  if (/redis/i.test(label)) return 'redis';
  if (/harness|emulator/i.test(label)) return 'harness';
  return 'worker';
}

const pct = (v: number) => `${Math.round(v)} %`;

/** Ranks the processes by CPU share and writes a one-line verdict. */
export function findBottleneck(procs: readonly ProcUsage[], cpus: number): Bottleneck | undefined {
  if (procs.length === 0) return undefined;
  const processes = procs
    .map((p) => ({
      label: p.label,
      role: roleOf(p.label),
      cpuSeconds: p.cpuSeconds,
      coreSharePct: p.cpuPctAvg,
    }))
    .sort((a, b) => b.coreSharePct - a.coreSharePct);
  const totalPct = processes.reduce((a, p) => a + p.coreSharePct, 0);
  const [top, ...rest] = processes;
  const name = (p: ProcessShare) => (p.role === 'harness' ? `emulators (${p.label})` : p.label);
  const saturated =
    totalPct >= cpus * 100 * 0.85 ? ` — machine saturated (${pct(totalPct)} of ${cpus * 100} %)` : '';
  // Below half a core nothing is CPU-bound: the run waits on latency, pacing or queues instead.
  const idle =
    top.coreSharePct < 50 ? 'none on CPU (the run waits: latency, write pacing, queues); busiest ' : '';
  const verdict =
    `bottleneck: ${idle}${name(top)} ${pct(top.coreSharePct)} of a core` +
    (rest.length ? `; ${rest.map((p) => `${p.label} ${pct(p.coreSharePct)}`).join(', ')}` : '') +
    saturated;
  return { processes, top: top.label, totalPct, cpus, verdict };
}
