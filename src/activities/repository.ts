/**
 * The repository stages: prepare (resolve the repository and base commit), analyze (locate the block),
 * generate (rules or the LLM) and validate (verify the fix). Thin adapters over the code host, the
 * Terraform engine and the remediation engine; indexes are cached per checkout.
 */
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Failure, PreparedRepo, TokenUsage, VerifiedFix } from '../contracts';
import type { CodeHost } from '../github';
import { generateWithLlm, generateWithRules, verifyFix } from '../remediation/engine';
import type { PatchModel } from '../remediation/llm/bedrock';
import { indexRepository, locate, type RepoIndex } from '../terraform';
import type { StageImplementations } from './index';
import type { AnalyzeResult, GenerateResult } from './types';

/** Counters the stages bump (prom-client counters in the worker). */
export interface StageCounters {
  llmTokens: { inc(labels: { kind: string }, value: number): void };
  fixes: { inc(labels: { engine: string; verification: string }): void };
  prs: { inc(labels: { action: string }): void };
}

/** What the repository and pull-request stages work with. */
export interface StageServices {
  host: CodeHost;
  llm: PatchModel | null;
  metrics?: StageCounters;
  /** TEMPORAL_UI_URL and TEMPORAL_NAMESPACE, for the PR's link back to its remediation. */
  temporalUi: { temporalUiUrl?: string; temporalNamespace?: string };
}

/** Heartbeats when running inside an activity (no-op elsewhere). */
export function heartbeat(): void {
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

/** A fix's file paths from the Terraform root to the repository root (the mapping may name a subdirectory). */
export function inRepoSubdir(prepared: PreparedRepo, fix: VerifiedFix): VerifiedFix {
  const sub = prepared.repo.path ? prepared.repo.path.replace(/^\/+|\/+$/g, '') : '';
  if (!sub) return fix;
  return { ...fix, files: fix.files.map((f) => ({ ...f, path: path.posix.join(sub, f.path) })) };
}

function recordTokens(metrics: StageCounters | undefined, t: TokenUsage): void {
  if (!metrics) return;
  metrics.llmTokens.inc({ kind: 'input' }, t.input);
  metrics.llmTokens.inc({ kind: 'output' }, t.output);
  metrics.llmTokens.inc({ kind: 'cache_read' }, t.cacheRead);
  if (t.cacheWrite) metrics.llmTokens.inc({ kind: 'cache_write' }, t.cacheWrite);
}

/** The index of a failure's repository at its base commit (checked out and cached). */
export type IndexFor = (failure: Failure, prepared: PreparedRepo) => Promise<RepoIndex>;

/** prepare, analyze, generate and validate over the code host and the engines. */
export function repositoryStages(s: StageServices): { stages: StageImplementations; indexFor: IndexFor } {
  const { host, llm, metrics } = s;
  const indexes = new IndexCache();
  const indexFor: IndexFor = async (failure, prepared) => {
    const checkout = await host.ensureCheckout(prepared, prepared.baseSha, { heartbeat });
    return indexes.get(terraformRoot(checkout, prepared), failure);
  };
  const stages: StageImplementations = {};
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
    return { ok: true, fix: inRepoSubdir(prepared, r.fix) };
  };
  return { stages, indexFor };
}
