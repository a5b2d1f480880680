/**
 * TerraFix's own Prometheus metrics (prom-client), served on /metrics next to the Temporal SDK's.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ActivityMetrics } from '../activities';

/** Which external service a stage talks to (for terrafix_external_errors_total). */
const SERVICE_BY_STAGE: Record<string, string> = {
  listFailures: 'vanta',
  failureStillPresent: 'vanta',
  prepare: 'github',
  openPullRequest: 'github',
  checkPullRequest: 'github',
  closePullRequest: 'github',
  generate: 'bedrock',
};

export interface TerraFixMetrics extends ActivityMetrics {
  registry: Registry;
  failures: Counter<'event'>;
  prs: Counter<'action'>;
  fixes: Counter<'engine' | 'verification'>;
  llmTokens: Counter<'kind'>;
  /** Index cache lookups of the repository stages (result = hit | miss). */
  indexCache: Counter<'result'>;
  externalErrors: Counter<'service' | 'kind'>;
  configErrors: Counter<'stage' | 'error'>;
  stageDuration: Histogram<'stage' | 'result'>;
  observeError(stage: string, errorName: string): void;
  observePoll(result: {
    found: number;
    started: number;
    alreadyRunning: number;
    suppressed: number;
    invalid: number;
  }): void;
}

/** Creates a registry with process metrics and TerraFix's counters and histograms. */
export function createMetrics(): TerraFixMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'terrafix_process_' });
  const stageDuration = new Histogram({
    name: 'terrafix_stage_duration_seconds',
    help: 'Duration of each remediation stage (activity), by result',
    labelNames: ['stage', 'result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'terrafix_failures_total',
    help: 'Failures seen by polls, remediations started, deduplicated (already running) and suppressed (record)',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const prs = new Counter({
    name: 'terrafix_pull_requests_total',
    help: 'Pull requests opened, updated, rejected and merged',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  const fixes = new Counter({
    name: 'terrafix_fixes_total',
    help: 'Generated fixes by engine (rule/llm) and verification result',
    labelNames: ['engine', 'verification'] as const,
    registers: [registry],
  });
  const llmTokens = new Counter({
    name: 'terrafix_llm_tokens_total',
    help: 'Bedrock tokens by kind (input, output, cache_read, cache_write)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const indexCache = new Counter({
    name: 'terrafix_index_cache_requests_total',
    help: 'Repository index cache lookups by the analyze/generate/validate stages, by result (hit, miss)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const externalErrors = new Counter({
    name: 'terrafix_external_errors_total',
    help: 'Errors from Vanta, GitHub and Bedrock by kind',
    labelNames: ['service', 'kind'] as const,
    registers: [registry],
  });
  const configErrors = new Counter({
    name: 'terrafix_config_errors_total',
    help: 'Stage failures caused by configuration (repo mapping, credentials, unconfigured stage), by stage and error',
    labelNames: ['stage', 'error'] as const,
    registers: [registry],
  });
  return {
    registry,
    failures,
    configErrors,
    observeConfigError(stage, errorName) {
      configErrors.inc({ stage, error: errorName });
    },
    prs,
    fixes,
    llmTokens,
    indexCache,
    externalErrors,
    stageDuration,
    observeError(stage, errorName) {
      const service = SERVICE_BY_STAGE[stage];
      if (service) externalErrors.inc({ service, kind: errorName });
    },
    observePoll(r) {
      failures.inc({ event: 'seen' }, r.found);
      failures.inc({ event: 'started' }, r.started);
      failures.inc({ event: 'deduped' }, r.alreadyRunning);
      failures.inc({ event: 'suppressed' }, r.suppressed);
      failures.inc({ event: 'invalid' }, r.invalid);
    },
    observeStage(stage, seconds, ok) {
      stageDuration.observe({ stage, result: ok ? 'ok' : 'error' }, seconds);
    },
  };
}
