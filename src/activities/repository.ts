/**
 * The repository stages: prepare (resolve the repository and base commit), analyze (locate the block),
 * generate (rules or the LLM) and validate (verify the fix). Thin adapters over the code host, the
 * Terraform engine and the remediation engine; indexes are cached per checkout.
 */
import type { Failure, PreparedRepo, TokenUsage } from '../contracts';
import type { CodeHost } from '../github';
import { generateWithLlm, generateWithRules, verifyFix } from '../remediation/engine';
import type { PatchModel } from '../remediation/llm/bedrock';
import { indexRepository, indexTextBytes, indexWithContext, locate, type RepoIndex } from '../terraform';
import { inRepoSubdir, terraformRoot } from '../failure';
import { heartbeat, notConfigured } from './adapter';
import { heapGrowthForIndexes } from '../process/heap';
import type {
  AnalyzeInput,
  AnalyzeResult,
  GenerateInput,
  GenerateResult,
  ValidateInput,
  ValidateResult,
} from './types';

/** Counters the stages bump (prom-client counters in the worker). */
export interface StageCounters {
  llmTokens: { inc(labels: { kind: string }, value: number): void };
  fixes: { inc(labels: { engine: string; verification: string }): void };
  prs: { inc(labels: { action: string }): void };
  indexCache?: { inc(labels: { result: string }): void };
}

/** What the repository and pull-request stages work with. */
export interface StageServices {
  host: CodeHost;
  llm: PatchModel | null;
  metrics?: StageCounters;
  /** TEMPORAL_UI_URL and TEMPORAL_NAMESPACE, for the PR's link back to its remediation. */
  temporalUi: { temporalUiUrl?: string; temporalNamespace?: string };
  /** The AWS account ids a repository can hold (GITHUB_REPO_MAPPING.accounts, AWS_ACCOUNT_IDS). */
  accountIdsOf?: (prepared: PreparedRepo) => string[];
  /** Memory budget of the index cache (INDEX_CACHE_MB), bytes. */
  indexCacheBytes?: number;
}

/** Heap bytes an index takes per byte of indexed text (measured: about 30 on generated repositories). */
const INDEX_BYTES_PER_TEXT_BYTE = 30;

/**
 * Indexes repositories by checkout directory (one commit) and failure context (account id, region).
 * The first index of a checkout parses it; another context reuses those parses (indexWithContext).
 * Bounded by an estimate of the memory the indexes hold, least recently used first out. Any worker can
 * run any stage: on a miss the index is rebuilt from the checkout, so the cache is only a speed-up.
 */
export class IndexCache {
  private readonly entries = new Map<string, { index: Promise<RepoIndex>; bytes: number; files: number }>();
  private total = 0;

  constructor(
    private readonly maxBytes = 256 * 1024 * 1024,
    private readonly counter?: StageCounters['indexCache'],
  ) {}

  /** The index of `dir` for the failure's account id and region. */
  get(dir: string, failure: Failure): Promise<RepoIndex> {
    const context = { accountId: failure.resource.accountId, region: failure.resource.region };
    const key = `${dir}\u0000${context.accountId ?? ''}\u0000${context.region ?? ''}`;
    const hit = this.touch(key);
    this.counter?.inc({ result: hit ? 'hit' : 'miss' });
    if (hit) return hit;
    const sibling = [...this.entries.entries()].find(([k]) => k.startsWith(`${dir}\u0000`))?.[1].index;
    const index = sibling
      ? sibling.then((base) => indexWithContext(base, context))
      : indexRepository(dir, { context });
    const entry = { index, bytes: 0, files: 0 };
    this.entries.set(key, entry);
    index.then(
      (i) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = indexTextBytes(i) * INDEX_BYTES_PER_TEXT_BYTE;
        entry.files = Object.keys(i.files).length;
        this.total += entry.bytes;
        this.evict(key);
        heapGrowthForIndexes(Math.max(...[...this.entries.values()].map((e) => e.files)));
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return index;
  }

  /** Estimated bytes held and the number of indexes (for tests and metrics). */
  get size(): { bytes: number; indexes: number } {
    return { bytes: this.total, indexes: this.entries.size };
  }

  private touch(key: string): Promise<RepoIndex> | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.index;
  }

  /** Drops least recently used indexes until the budget holds (never the one just built). */
  private evict(keep: string): void {
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes) return;
      if (k === keep) continue;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }
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

/** The repository and pull-request activities' services, with the shared index cache. */
export interface RepositoryContext extends StageServices {
  indexFor: IndexFor;
}

/** Adds the index cache (one per worker, shared by every stage) to the services. */
export function withIndexCache(s: StageServices): RepositoryContext {
  const indexes = new IndexCache(s.indexCacheBytes, s.metrics?.indexCache);
  return {
    ...s,
    indexFor: async (failure, prepared) => {
      const checkout = await s.host.ensureCheckout(prepared, prepared.baseSha, { heartbeat });
      return indexes.get(terraformRoot(checkout, prepared), failure);
    },
  };
}

/** The analyze answer from a locate result: the target, or why there is none with the closest ones. */
function analysisOf(r: ReturnType<typeof locate>): AnalyzeResult {
  const candidates = r.candidates.map((c) => c.target);
  if (r.status === 'not_found' || !r.target) {
    // The reasons name the closest blocks and where the name departs from each (see locate).
    return { status: 'not_found', reason: r.reasons.join('; ') || 'no matching resource', candidates };
  }
  return { status: r.status, target: r.target, candidates };
}

function build(c: RepositoryContext) {
  const { host, llm, metrics, indexFor } = c;
  return {
    /** Resolves the failure's repository, its default branch and head SHA; warms the checkout. */
    prepare: (failure: Failure): Promise<PreparedRepo> => host.prepare(failure, { heartbeat }),

    /** Locates the failing resource's Terraform block at the base commit. */
    async analyze({ failure, prepared }: AnalyzeInput): Promise<AnalyzeResult> {
      const accountIds = c.accountIdsOf?.(prepared) ?? [];
      return analysisOf(locate(await indexFor(failure, prepared), failure, { accountIds }));
    },

    /** A patch from the rules, or from the LLM (with the previous attempt's errors in a repair round). */
    async generate(input: GenerateInput): Promise<GenerateResult> {
      const { failure, prepared, target, engine, previousErrors, previousPatch } = input;
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
    },

    /** Verifies a patch (guardrails, parse, rule re-check, terraform validate) into a fix. */
    async validate({ failure, prepared, target, generated }: ValidateInput): Promise<ValidateResult> {
      const r = await verifyFix(await indexFor(failure, prepared), target, failure, generated);
      metrics?.fixes.inc({ engine: generated.engine, verification: r.ok ? 'verified' : 'rejected' });
      if (!r.ok) return r;
      return { ok: true, fix: inRepoSubdir(prepared, r.fix) };
    },
  };
}

export type RepositoryActivities = ReturnType<typeof build>;

/** prepare, analyze, generate and validate; without a code host, each fails with StageNotImplementedError. */
export function repositoryActivities(c: RepositoryContext | undefined): RepositoryActivities {
  return c ? build(c) : notConfigured<RepositoryActivities>(['prepare', 'analyze', 'generate', 'validate']);
}
