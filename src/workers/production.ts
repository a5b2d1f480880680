/**
 * Production stage implementations, built from configuration: the modules for Vanta, the code host,
 * the Terraform engine and the remediation engine. A stage whose module is not configured is left
 * out, and its activity fails with StageNotImplementedError.
 */
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type Redis from 'ioredis';
import type { StageImplementations } from '../activities';
import type {
  AnalyzeResult,
  GenerateResult,
  GroupMemberInput,
  OpenGroupPullRequestResult,
} from '../activities/types';
import { vantaAuthMode, type Config } from '../config';
import type { Confidence, Failure, Patch, PreparedRepo, TokenUsage, VerifiedFix } from '../contracts';
import { createCodeHost, type CodeHost } from '../github';
import type { Logger } from '../logger';
import {
  addTokens,
  generateWithLlm,
  generateWithRules,
  verifyFix,
  type VerifyOptions,
} from '../remediation/engine';
import { createBedrockPatchModel, type PatchModel } from '../remediation/llm/bedrock';
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
  llm?: PatchModel | null;
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
export function llmFromConfig(config: Config): PatchModel | null {
  if (!config.LLM_ENABLED || config.FIX_ENGINE === 'rules') return null;
  return createBedrockPatchModel({
    modelId: config.BEDROCK_MODEL_ID,
    region: config.AWS_REGION,
    maxTokens: config.LLM_MAX_TOKENS,
    endpoint: config.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
  });
}

/** True when the configuration names a code host (GitHub token or App, or CODE_HOST=local). */
export function hasCodeHostConfig(config: Config): boolean {
  return config.CODE_HOST === 'local' || Boolean(config.GITHUB_TOKEN || config.GITHUB_APP_ID);
}

/** Builds the stage implementations this configuration supports. */
export async function buildStages(deps: ProductionDeps): Promise<StageImplementations> {
  const { config, logger, metrics } = deps;
  const stages: StageImplementations = {};

  if (vantaAuthMode(config) !== 'none') {
    Object.assign(stages, createVantaStages(config, { redis: deps.redis, logger }));
  }

  if (deps.codeHost === undefined && !hasCodeHostConfig(config)) return stages;
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

  const temporalUi = { temporalUiUrl: config.TEMPORAL_UI_URL, temporalNamespace: config.TEMPORAL_NAMESPACE };
  stages.openPullRequest = async (input) => {
    const r = await host.openPullRequest({ ...input, ...temporalUi });
    metrics?.prs.inc({ action: r.action });
    return r;
  };
  stages.openGroupPullRequest = async ({ groupKey, testId, prepared, members }) => {
    if (members.length === 0) return { included: [], excluded: [] };
    const index = await indexFor(members[0]!.failure, prepared);
    const built = await buildGroupFix(index, members, { heartbeat });
    const out: OpenGroupPullRequestResult = { included: built.included, excluded: built.excluded };
    if (!built.fix) return out;
    const sub = prepared.repo.path ? prepared.repo.path.replace(/^\/+|\/+$/g, '') : '';
    const fix = sub
      ? { ...built.fix, files: built.fix.files.map((f) => ({ ...f, path: path.posix.join(sub, f.path) })) }
      : built.fix;
    const kept = members.filter((m) => built.included.includes(m.failure.key));
    out.pr = await host.openPullRequest({
      failure: groupFailure(groupKey, testId, kept),
      prepared,
      fix,
      ...temporalUi,
    });
    metrics?.prs.inc({ action: out.pr.action });
    return out;
  };
  stages.checkPullRequest = ({ prepared, number }) => host.getPullRequestState(prepared, number);
  stages.closePullRequest = ({ prepared, number, comment }) =>
    host.closePullRequest(prepared, number, comment);
  stages.remindPullRequest = ({ prepared, number, comment }) =>
    host.remindPullRequest(prepared, number, comment);
  return stages;
}

function recordTokens(metrics: TerraFixMetrics | undefined, t: TokenUsage): void {
  if (!metrics) return;
  metrics.llmTokens.inc({ kind: 'input' }, t.input);
  metrics.llmTokens.inc({ kind: 'output' }, t.output);
  metrics.llmTokens.inc({ kind: 'cache_read' }, t.cacheRead);
  if (t.cacheWrite) metrics.llmTokens.inc({ kind: 'cache_write' }, t.cacheWrite);
}

/** The synthetic failure a group PR is opened for: its key (hence its branch) is stable per group. */
export function groupFailure(groupKey: string, testId: string, members: GroupMemberInput[]): Failure {
  const first = members[0]?.failure;
  const order = ['critical', 'high', 'medium', 'low'] as const;
  const severity = order.find((s) => members.some((m) => m.failure.severity === s));
  return {
    key: `group:${groupKey}`,
    source: first?.source ?? 'vanta',
    testId,
    testName: first?.testName,
    testUrl: first?.testUrl,
    severity,
    frameworks: [...new Set(members.flatMap((m) => m.failure.frameworks ?? []))],
    resource: {
      displayName: `${members.length} resource${members.length === 1 ? '' : 's'}`,
      responseType: first?.resource.responseType,
    },
    description: first?.description,
    remediation: first?.remediation,
  };
}

/** One patch holding the edits of several members, in order (the first member's metadata otherwise). */
function combinePatches(members: GroupMemberInput[]): Patch {
  const ps = members.map((m) => m.generated.patch);
  return {
    edits: ps.flatMap((p) => p.edits),
    explanation: ps.map((p) => p.explanation).join('\n'),
    changedAttributes: [...new Set(ps.flatMap((p) => p.changedAttributes))],
    confidence: lowestConfidence(ps.map((p) => p.confidence)),
    breakingChanges: [...new Set(ps.flatMap((p) => p.breakingChanges))],
    additionalRequirements: [...new Set(ps.flatMap((p) => p.additionalRequirements))],
    removes: [...new Set(ps.flatMap((p) => p.removes ?? []))],
  };
}

function lowestConfidence(cs: Confidence[]): Confidence {
  return cs.includes('low') ? 'low' : cs.includes('medium') ? 'medium' : 'high';
}

export interface GroupFixResult {
  /** The combined verified fix (absent when no member's patch survived). */
  fix?: VerifiedFix;
  included: string[];
  excluded: { failureKey: string; reason: string }[];
}

/**
 * Rebuilds a group's combined fix on `index` (the base the PR is written on). Members are taken per
 * Terraform module directory; within one, each member's patch is applied on top of the accepted ones
 * and the combined result is verified against that member's target (guardrails, parse, validation,
 * its rule re-check). A final pass re-checks every accepted member on the final combination; a member
 * that no longer applies or verifies is excluded with the reason.
 */
export async function buildGroupFix(
  index: RepoIndex,
  members: GroupMemberInput[],
  opts: VerifyOptions & { heartbeat?: () => void } = {},
): Promise<GroupFixResult> {
  const excluded: GroupFixResult['excluded'] = [];
  const byDir = new Map<string, GroupMemberInput[]>();
  for (const m of members) {
    const list = byDir.get(m.target.moduleDir) ?? [];
    list.push(m);
    byDir.set(m.target.moduleDir, list);
  }
  // The rule re-check finds the target's block by byte offset first; other members' edits earlier in
  // the same file shift it (and members may come from older bases), so look the block up by address.
  const verify = (m: GroupMemberInput, set: GroupMemberInput[], o: VerifyOptions) => {
    opts.heartbeat?.();
    const target = { ...m.target, startByte: -1, endByte: -1 };
    const groupTargets = set.filter((x) => x !== m).map((x) => x.target);
    return verifyFix(
      index,
      target,
      m.failure,
      { ...m.generated, patch: combinePatches(set) },
      { ...o, groupTargets },
    );
  };
  const parts: { members: GroupMemberInput[]; fix: VerifiedFix }[] = [];
  for (const dirMembers of byDir.values()) {
    let pool = dirMembers;
    for (;;) {
      const accepted: GroupMemberInput[] = [];
      let fix: VerifiedFix | undefined;
      for (const m of pool) {
        const r = await verify(m, [...accepted, m], opts);
        if (r.ok) {
          accepted.push(m);
          fix = r.fix;
        } else excluded.push({ failureKey: m.failure.key, reason: r.errors.join('; ') });
      }
      if (!fix) break;
      // Later edits must not have undone an earlier member's fix (terraform validate already ran above).
      const broken: GroupMemberInput[] = [];
      for (const m of accepted.slice(0, -1)) {
        const r = await verify(m, accepted, { ...opts, terraformValidate: false });
        if (!r.ok) {
          broken.push(m);
          excluded.push({
            failureKey: m.failure.key,
            reason: `conflicts with other fixes in the group: ${r.errors.join('; ')}`,
          });
        }
      }
      if (broken.length === 0) {
        parts.push({ members: accepted, fix });
        break;
      }
      pool = accepted.filter((m) => !broken.includes(m));
    }
  }
  if (parts.length === 0) return { included: [], excluded };
  const all = parts.flatMap((p) => p.members);
  const fixes = parts.map((p) => p.fix);
  const uniq = (xs: string[]) => [...new Set(xs)];
  const fix: VerifiedFix = {
    engine: fixes.some((f) => f.engine === 'llm') ? 'llm' : 'rule',
    ruleId: uniq(fixes.map((f) => f.ruleId ?? '')).length === 1 ? fixes[0]!.ruleId : undefined,
    modelId: fixes.find((f) => f.modelId)?.modelId,
    files: fixes.flatMap((f) => f.files),
    diff: fixes.map((f) => f.diff).join(''),
    explanation: [
      `This PR fixes ${all.length} resource${all.length === 1 ? '' : 's'} failing the same test:`,
      '',
      ...all.map(
        (m) =>
          `- **${m.failure.resource.displayName ?? m.target.address}** (\`${m.target.address}\` in \`${m.target.file}\`): ${m.generated.patch.explanation}`,
      ),
    ].join('\n'),
    changedAttributes: uniq(fixes.flatMap((f) => f.changedAttributes)),
    confidence: lowestConfidence(fixes.map((f) => f.confidence)),
    breakingChanges: uniq(fixes.flatMap((f) => f.breakingChanges)),
    additionalRequirements: uniq(fixes.flatMap((f) => f.additionalRequirements)),
    warnings: uniq(fixes.flatMap((f) => f.warnings)),
    validation: {
      ran: uniq(fixes.flatMap((f) => f.validation.ran)),
      skipped: uniq(fixes.flatMap((f) => f.validation.skipped)),
    },
    tokens: all.reduce<TokenUsage | null>((t, m) => addTokens(t, m.generated.tokens), null),
  };
  return { fix, included: all.map((m) => m.failure.key), excluded };
}
