/** Shapes of a benchmark result (the JSON written to bench/results/). */
import type { ActivityTypeStats } from './activityHistory';
import type { Bottleneck } from './bottleneck';
import type { GitHubRequestStats } from './githubRequests';
import type { ProcSample, ProcUsage } from './procSampler';
import type { Summary } from './stats';

/** One remediation as observed from its workflow result. */
export interface FailureObservation {
  key: string;
  outcome: string;
  engine?: string;
  ruleId?: string;
  /** ms from the poll's start (client clock) to the PR (end of open_pr), when a PR was opened */
  endToEndMs?: number;
  /** ms from the poll's start to the end of the workflow */
  completedAtMs: number;
  stages: { stage: string; durationMs: number }[];
  reason?: string;
}

export interface LlmUsage {
  requests: number;
  /** PRs whose fix came from the LLM */
  fixes: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** (input + output + cache read + cache write) / fixes */
  tokensPerFix: number;
}

export interface RunResult {
  label: string;
  params: Record<string, unknown>;
  failures: number;
  completed: number;
  prsOpened: number;
  outcomes: Record<string, number>;
  /** Wall time from the first poll's start to the last completion, ms */
  durationMs: number;
  /** Completed remediations per minute over durationMs */
  failuresPerMinute: number;
  /** PRs per minute over durationMs */
  prsPerMinute: number;
  endToEnd: Summary;
  stages: Record<string, Summary>;
  /** Per-run extra measurements (e.g. index time of a repo size). */
  extra?: Record<string, number | string>;
  workers: ProcUsage[];
  /** The rest of the rig on the same machine: Temporal dev server, Redis, the harness (emulators). */
  infra: ProcUsage[];
  /** Mean activity execution time per stage from the workers' metrics (excludes queue wait), ms */
  stageExecMeanMs: Record<string, number>;
  /**
   * Per activity type, from the remediation workflows' histories: execution (started → closed) and
   * queue wait (scheduled → started) distributions, ms.
   */
  activities?: Record<string, ActivityTypeStats>;
  /** The GitHub emulator's request log during the run, classified, per opened PR. */
  github?: GitHubRequestStats;
  /** terrafix_index_cache_requests_total from the workers' metrics. */
  indexCache?: { hits: number; misses: number; hitRate: number };
  /** The process with the highest CPU share (workers, Temporal, Redis, harness + emulators). */
  bottleneck?: Bottleneck;
  /** CPU profiles written with --profile (.cpuprofile files). */
  profiles?: string[];
  /** Sum of worker CPU seconds per completed remediation */
  cpuSecondsPerFailure: number;
  /**
   * After the first failure of the repository at its commit completed alone (scalability): worker CPU
   * per failure and activity timings of the rest, which find the checkout and index warm.
   */
  warm?: { failures: number; cpuSecondsPerFailure: number; activities: Record<string, ActivityTypeStats> };
  peakRssMb: number;
  llm: LlmUsage;
  /** Samples kept for charts (not needed for the headline numbers). */
  observations: FailureObservation[];
  resourceSamples: ProcSample[];
  errors: string[];
}

export interface BenchResult {
  scenario: string;
  startedAt: string;
  finishedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    platform: string;
    /** How the worker processes ran (compiled as in the image, or tsx). */
    workerRuntime?: string;
  };
  params: Record<string, unknown>;
  runs: RunResult[];
  notes: string[];
}
