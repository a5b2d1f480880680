/**
 * Production stage implementations, built from configuration: the modules for Vanta, the code host,
 * the Terraform engine and the remediation engine. A stage whose module is not configured is left
 * out, and its activity fails with StageNotImplementedError.
 */
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type Redis from 'ioredis';
import type { StageImplementations } from '../activities';
import type { AnalyzeResult, GenerateResult } from '../activities/types';
import { vantaAuthMode, type Config } from '../config';
import type { Failure, PreparedRepo, TokenUsage } from '../contracts';
import { createCodeHost, type CodeHost } from '../github';
import type { Logger } from '../logger';
import { generateWithLlm, generateWithRules, verifyFix } from '../remediation/engine';
import { createBedrockLlmClient, type LlmClient } from '../remediation/llm/client';
import { indexRepository, locate, type RepoIndex } from '../terraform';
import { createVantaStages } from '../vanta';
import type { TerraFixMetrics } from './metrics';

export interface ProductionDeps {
  config: Config;
  redis: Redis;
  logger: Logger;
  metrics?: TerraFixMetrics;
  /** Overrides for tests and the sandbox (e.g. a code host or LLM client bound to emulators). */
  codeHost?: CodeHost;
  llm?: LlmClient | null;
}

/** Heartbeats when running inside an activity (no-op elsewhere). */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    /* not in an activity */
  }
}

/**
 * Indexes repositories by checkout directory and failure context. Any worker can run any stage: on a
 * miss the index is rebuilt from the checkout, so the cache is only a speed-up.
 */
class IndexCache {
  private readonly entries = new Map<string, Promise<RepoIndex>>();
  constructor(private readonly max = 16) {}

  get(dir: string, failure: Failure): Promise<RepoIndex> {
    const context = { accountId: failure.resource.accountId, region: failure.resource.region };
    const key = `${dir}\u0000${context.accountId ?? ''}\u0000${context.region ?? ''}`;
    let hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    hit = indexRepository(dir, { context });
    hit.catch(() => this.entries.delete(key));
    this.entries.set(key, hit);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return hit;
  }
}

/** The Terraform root inside a checkout (the mapping may name a subdirectory). */
function terraformRoot(checkout: string, prepared: PreparedRepo): string {
  const sub = prepared.repo.path ?? '';
  const root = path.resolve(checkout, sub);
  if (root !== checkout && !root.startsWith(checkout + path.sep)) {
    throw new Error(`repository path "${sub}" points outside the checkout`);
  }
  return root;
}

/** Creates the LLM client when the configuration allows the LLM engine. */
export function llmFromConfig(config: Config): LlmClient | null {
  if (!config.LLM_ENABLED || config.FIX_ENGINE === 'rules') return null;
  return createBedrockLlmClient({
    modelId: config.BEDROCK_MODEL_ID,
    region: config.AWS_REGION,
    maxTokens: config.LLM_MAX_TOKENS,
    endpoint: config.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
  });
}

/** Builds the stage implementations this configuration supports. */
export async function buildStages(deps: ProductionDeps): Promise<StageImplementations> {
  const { config, logger, metrics } = deps;
  const stages: StageImplementations = {};

  if (vantaAuthMode(config) !== 'none') {
    Object.assign(stages, createVantaStages(config, { redis: deps.redis, logger }));
  }

  const hasCodeHost =
    deps.codeHost !== undefined ||
    config.CODE_HOST === 'local' ||
    Boolean(config.GITHUB_TOKEN || config.GITHUB_APP_ID);
  if (!hasCodeHost) return stages;
  const host = deps.codeHost ?? createCodeHost(config, logger);
  const llm = deps.llm === undefined ? llmFromConfig(config) : deps.llm;
  const indexes = new IndexCache();

  const indexFor = async (failure: Failure, prepared: PreparedRepo): Promise<RepoIndex> => {
    const checkout = await host.ensureCheckout(prepared, prepared.baseSha, { heartbeat });
    return indexes.get(terraformRoot(checkout, prepared), failure);
  };

  stages.prepare = (failure) => host.prepare(failure, { heartbeat });

  stages.analyze = async ({ failure, prepared }): Promise<AnalyzeResult> => {
    const index = await indexFor(failure, prepared);
    const r = locate(index, failure);
    const candidates = r.candidates.map((c) => c.target);
    if (r.status === 'not_found' || !r.target) {
      const closest = candidates.slice(0, 3).map((c) => c.address);
      return {
        status: 'not_found',
        reason: `${r.reasons.join('; ') || 'no matching resource'}${closest.length ? ` (closest: ${closest.join(', ')})` : ''}`,
        candidates,
      };
    }
    return { status: r.status, target: r.target, candidates };
  };

  stages.generate = async ({
    failure,
    prepared,
    target,
    engine,
    previousErrors,
    previousPatch,
  }): Promise<GenerateResult> => {
    const index = await indexFor(failure, prepared);
    if (engine === 'rules') return generateWithRules(index, target, failure);
    if (!llm) {
      return {
        status: 'no_fix',
        reason: 'no rule matches and the LLM engine is not configured (LLM_ENABLED / FIX_ENGINE)',
      };
    }
    const r = await generateWithLlm(index, target, failure, { client: llm, previousErrors, previousPatch });
    if (r.status === 'patch' && r.tokens) recordTokens(metrics, r.tokens);
    return r;
  };

  stages.validate = async ({ failure, prepared, target, generated }) => {
    const index = await indexFor(failure, prepared);
    const r = await verifyFix(index, target, failure, generated);
    metrics?.fixes.inc({ engine: generated.engine, verification: r.ok ? 'verified' : 'rejected' });
    if (!r.ok) return r;
    const sub = prepared.repo.path ? prepared.repo.path.replace(/^\/+|\/+$/g, '') : '';
    if (!sub) return r;
    return {
      ok: true,
      fix: { ...r.fix, files: r.fix.files.map((f) => ({ ...f, path: path.posix.join(sub, f.path) })) },
    };
  };

  stages.openPullRequest = async (input) => {
    const r = await host.openPullRequest(input);
    metrics?.prs.inc({ action: r.action });
    return r;
  };
  stages.checkPullRequest = ({ prepared, number }) => host.getPullRequestState(prepared, number);
  stages.closePullRequest = ({ prepared, number, comment }) =>
    host.closePullRequest(prepared, number, comment);
  return stages;
}

function recordTokens(metrics: TerraFixMetrics | undefined, t: TokenUsage): void {
  if (!metrics) return;
  metrics.llmTokens.inc({ kind: 'input' }, t.input);
  metrics.llmTokens.inc({ kind: 'output' }, t.output);
  metrics.llmTokens.inc({ kind: 'cache_read' }, t.cacheRead);
  if (t.cacheWrite) metrics.llmTokens.inc({ kind: 'cache_write' }, t.cacheWrite);
}
