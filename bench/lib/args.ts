/** Command-line options of `npm run bench -- --scenario <name> [...]` (node:util parseArgs). */
import { parseArgs } from 'node:util';

export const SCENARIOS = ['throughput', 'burst', 'scalability', 'concurrency'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Emulated service latencies, ms. */
export interface Latency {
  name: string;
  vanta: number;
  github: number;
  bedrock: number;
}

export const LATENCY_PRESETS: Record<string, Latency> = {
  '0': { name: '0', vanta: 0, github: 0, bedrock: 0 },
  realistic: { name: 'realistic', vanta: 300, github: 400, bedrock: 20_000 },
};

export interface BenchOptions {
  scenario: ScenarioName;
  latency: Latency;
  /** Failures per run (burst, concurrency, scalability per size). */
  failures: number;
  repos: number;
  filesPerRepo: number;
  llmFraction: number;
  faultRate: number;
  /** Worker process counts: one run per entry for concurrency, the first entry otherwise. */
  workers: number[];
  /** Repository sizes (files) for scalability. */
  sizes: number[];
  /** throughput: new failures per minute, for how long, and the poll interval. */
  rate: number;
  durationSec: number;
  pollIntervalSec: number;
  /** Upper bound on one run's wall time. */
  timeoutSec: number;
  /** Activity slots per worker (MAX_CONCURRENT_WORKERS); undefined keeps the default. */
  activitySlots?: number;
  /** Concurrent LLM generations per worker (LLM_CONCURRENCY); undefined keeps the default. */
  llmConcurrency?: number;
  /** Server-side GitHub activity rate (GITHUB_ACTIVITIES_PER_SECOND). */
  githubPerSecond: number;
  /** ms between GitHub writes per worker; undefined keeps octokit's default (1 s, production). */
  githubWriteSpacingMs?: number;
  /** Run the worker inside the benchmark process instead of child processes. */
  inProcess: boolean;
  /** Write CPU profiles of the worker process(es) to <outDir>/profiles. */
  profile: boolean;
  /** How worker processes run: `image` (compiled, the image's Node options and allocator) or `tsx`. */
  workerRuntime: 'image' | 'tsx';
  outDir: string;
  verbose: boolean;
}

function parseRuntime(v: string | undefined): 'image' | 'tsx' {
  if (v === undefined || v === 'image' || v === 'tsx') return v ?? 'image';
  throw new Error(`--worker-runtime: expected image or tsx, got "${v}"`);
}

export const USAGE = `usage: npm run bench -- --scenario <${SCENARIOS.join('|')}> [options]

  --latency 0|realistic|V,G,B   emulated latency (realistic = Vanta 300 ms, GitHub 400 ms, Bedrock 20 s); default 0
  --failures N                  failures per run (burst default 1000, concurrency 200, scalability 20 per size)
  --repos N                     repositories in the emulated org (default 10; scalability uses 1 per size)
  --files N                     .tf files per repository (default 100)
  --llm-fraction F              share of failures that need the LLM engine (default 0.2)
  --fault-rate F                probability of an injected 429/5xx from Vanta (default 0)
  --workers 1,2                 worker processes (concurrency runs each; default 1, concurrency 1,2)
  --sizes 10,100,1000,5000      repository sizes for scalability
  --rate N                      throughput: new failures per minute (default 60)
  --duration S                  throughput: seconds of steady arrivals (default 300)
  --poll-interval S             throughput: seconds between polls (default 30)
  --activity-slots N            MAX_CONCURRENT_WORKERS per worker (default: the production default)
  --llm-concurrency N           LLM_CONCURRENCY per worker (default: the production default)
  --github-rps N                GITHUB_ACTIVITIES_PER_SECOND (default 50: PR creation is not throttled)
  --github-write-spacing MS     ms between GitHub content-creating requests per worker (default: octokit's
                                production pacing, 1 s; 0 measures the pipeline without it)
  --timeout S                   give up on a run after S seconds (default 1800)
  --in-process                  run the worker inside this process (CPU/RSS then include the harness)
  --profile                     CPU profiles of the worker(s) (node --cpu-prof; in-process: node:inspector)
                                written to <out>/profiles/
  --worker-runtime image|tsx    image (default): the worker compiled with tsc, run with the image's
                                NODE_OPTIONS and jemalloc (src/workers/imageRuntime.ts); tsx: the sources
  --out DIR                     results directory (default bench/results)
  --verbose                     worker logs at info level on stderr
`;

function list(v: string | undefined, def: number[]): number[] {
  if (!v) return def;
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isFinite(x) || x <= 0))
    throw new Error(`expected a list of positive numbers, got "${v}"`);
  return xs;
}

function num(v: string | undefined, def: number, name: string, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number ≥ ${min}, got "${v}"`);
  return n;
}

/** Parses a latency preset or "vanta,github,bedrock" in ms. */
export function parseLatency(v: string | undefined): Latency {
  if (v === undefined) return LATENCY_PRESETS['0'];
  const preset = LATENCY_PRESETS[v];
  if (preset) return preset;
  const parts = v.split(',').map(Number);
  if (parts.length === 3 && parts.every((n) => Number.isFinite(n) && n >= 0)) {
    return { name: v, vanta: parts[0], github: parts[1], bedrock: parts[2] };
  }
  throw new Error(`--latency: expected 0, realistic or "vantaMs,githubMs,bedrockMs", got "${v}"`);
}

/** Parses argv (without node and script); throws an Error with a message for bad input. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      scenario: { type: 'string' },
      latency: { type: 'string' },
      failures: { type: 'string' },
      repos: { type: 'string' },
      files: { type: 'string' },
      'llm-fraction': { type: 'string' },
      'fault-rate': { type: 'string' },
      workers: { type: 'string' },
      sizes: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'poll-interval': { type: 'string' },
      'activity-slots': { type: 'string' },
      'llm-concurrency': { type: 'string' },
      'github-rps': { type: 'string' },
      'github-write-spacing': { type: 'string' },
      timeout: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'worker-runtime': { type: 'string' },
      out: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const scenario = values.scenario as ScenarioName | undefined;
  if (!scenario || !SCENARIOS.includes(scenario)) {
    throw new Error(`--scenario: expected one of ${SCENARIOS.join(', ')}\n\n${USAGE}`);
  }
  const defFailures = { burst: 1000, concurrency: 200, scalability: 20, throughput: 0 }[scenario];
  const llmFraction = num(values['llm-fraction'], 0.2, 'llm-fraction');
  const faultRate = num(values['fault-rate'], 0, 'fault-rate');
  if (llmFraction > 1 || faultRate > 1)
    throw new Error('--llm-fraction and --fault-rate are between 0 and 1');
  const optInt = (v: string | undefined, name: string) => (v === undefined ? undefined : num(v, 0, name, 1));
  return {
    scenario,
    latency: parseLatency(values.latency),
    failures: Math.round(num(values.failures, defFailures, 'failures', 1)),
    repos: Math.round(num(values.repos, 10, 'repos', 1)),
    filesPerRepo: Math.round(num(values.files, 100, 'files', 1)),
    llmFraction,
    faultRate,
    workers: list(values.workers, scenario === 'concurrency' ? [1, 2] : [1]).map(Math.round),
    sizes: list(values.sizes, [10, 100, 1000, 5000]).map(Math.round),
    rate: num(values.rate, 60, 'rate', 0.1),
    durationSec: num(values.duration, 300, 'duration', 1),
    pollIntervalSec: num(values['poll-interval'], 30, 'poll-interval', 1),
    timeoutSec: num(values.timeout, 1800, 'timeout', 1),
    activitySlots: optInt(values['activity-slots'], 'activity-slots'),
    llmConcurrency: optInt(values['llm-concurrency'], 'llm-concurrency'),
    githubPerSecond: num(values['github-rps'], 50, 'github-rps', 0.01),
    githubWriteSpacingMs:
      values['github-write-spacing'] === undefined
        ? undefined
        : num(values['github-write-spacing'], 0, 'github-write-spacing'),
    inProcess: values['in-process'] ?? false,
    profile: values.profile ?? false,
    workerRuntime: parseRuntime(values['worker-runtime']),
    outDir: values.out ?? 'bench/results',
    verbose: values.verbose ?? false,
  };
}
