/**
 * Benchmark of the real TerraFix pipeline: `npm run bench -- --scenario <burst|throughput|scalability|concurrency>`.
 * Starts a Temporal dev server, Redis, the Vanta/GitHub/Bedrock emulators and production workers,
 * drives polls, and writes a JSON result and an HTML report to bench/results/. See bench/README.md.
 */
import os from 'node:os';
import { parseBenchArgs, type BenchOptions } from './lib/args';
import { renderText, writeReport } from './lib/report';
import type { BenchResult } from './lib/types';
import { burst, concurrency, scalability, throughput, type ScenarioOutput } from './pipeline/scenarios';
import { workerRuntime } from './pipeline/workers';

const SCENARIO_FNS: Record<BenchOptions['scenario'], (o: BenchOptions) => Promise<ScenarioOutput>> = {
  burst,
  throughput,
  scalability,
  concurrency,
};

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2).filter((a) => a !== '--'));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const startedAt = new Date().toISOString();
  const out = await SCENARIO_FNS[opts.scenario](opts);
  const cpus = os.cpus();
  const result: BenchResult = {
    scenario: opts.scenario,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.versions.node,
      platform: `${os.platform()} ${os.release()}`,
      workerRuntime: opts.inProcess
        ? 'in the benchmark process'
        : (await workerRuntime(opts.workerRuntime)).description,
    },
    params: { ...opts, latency: opts.latency },
    runs: out.runs,
    notes: out.notes,
  };
  const files = writeReport(result, opts.outDir);
  process.stdout.write(`${renderText(result)}\n\nwrote ${files.json}\n      ${files.html}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
