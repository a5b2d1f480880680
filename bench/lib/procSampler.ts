/**
 * Samples CPU time and resident memory of processes from /proc/<pid>/stat and /proc/<pid>/status
 * (Linux). CPU includes reaped children (git, terraform) through cutime/cstime. When /proc is not
 * available, the current process is measured with process.cpuUsage()/memoryUsage() instead.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcSample {
  /** ms since the sampler started */
  t: number;
  pid: number;
  rssMb: number;
  /** CPU utilisation since the previous sample, in percent of one core */
  cpuPct: number;
}

export interface ProcUsage {
  pid: number;
  label: string;
  /** CPU seconds (user + system, including reaped children) used while sampled */
  cpuSeconds: number;
  /** cpuSeconds / wall seconds, in percent of one core */
  cpuPctAvg: number;
  /** Highest resident set size seen (VmHWM, the kernel's own peak), MB */
  peakRssMb: number;
}

export interface SamplerReport {
  wallMs: number;
  processes: ProcUsage[];
  samples: ProcSample[];
}

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

interface Raw {
  cpuSec: number;
  rssKb: number;
  hwmKb: number;
}

/** CPU seconds and memory of one process, or undefined when it is gone. */
export function readProc(pid: number): Raw | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime, stime, cutime, cstime are fields 14..17.
    const ticks = [11, 12, 13, 14].reduce((a, i) => a + Number(rest[i]), 0);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { cpuSec: ticks / ticksPerSecond(), rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function readSelf(): Raw {
  const c = process.cpuUsage();
  const m = process.memoryUsage();
  return { cpuSec: (c.user + c.system) / 1e6, rssKb: m.rss / 1024, hwmKb: m.rss / 1024 };
}

const hasProc = fs.existsSync('/proc/self/stat');

/** Periodically samples the given processes until stop(). */
export class ProcSampler {
  private readonly t0 = Date.now();
  private readonly first = new Map<number, Raw>();
  private readonly last = new Map<number, { raw: Raw; t: number }>();
  private readonly peak = new Map<number, number>();
  private readonly samples: ProcSample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly targets: { pid: number; label: string }[],
    intervalMs = 500,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private read(pid: number): Raw | undefined {
    if (pid === process.pid && !hasProc) return readSelf();
    return readProc(pid);
  }

  private sample(): void {
    const now = Date.now();
    for (const { pid } of this.targets) {
      const raw = this.read(pid);
      if (!raw) continue;
      if (!this.first.has(pid)) this.first.set(pid, raw);
      const prev = this.last.get(pid);
      const cpuPct = prev && now > prev.t ? ((raw.cpuSec - prev.raw.cpuSec) * 100_000) / (now - prev.t) : 0;
      this.last.set(pid, { raw, t: now });
      this.peak.set(pid, Math.max(this.peak.get(pid) ?? 0, raw.hwmKb, raw.rssKb));
      this.samples.push({ t: now - this.t0, pid, rssMb: raw.rssKb / 1024, cpuPct });
    }
  }

  /** Takes a last sample and returns the totals per process. */
  stop(): SamplerReport {
    clearInterval(this.timer);
    this.sample();
    const wallMs = Date.now() - this.t0;
    return {
      wallMs,
      samples: this.samples,
      processes: this.targets.map(({ pid, label }) => {
        const a = this.first.get(pid);
        const b = this.last.get(pid)?.raw;
        const cpuSeconds = a && b ? b.cpuSec - a.cpuSec : 0;
        return {
          pid,
          label,
          cpuSeconds,
          cpuPctAvg: wallMs > 0 ? (cpuSeconds * 100_000) / wallMs : 0,
          peakRssMb: (this.peak.get(pid) ?? 0) / 1024,
        };
      }),
    };
  }
}
