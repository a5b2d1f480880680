/**
 * The remediation engine: picks a rule (or the LLM), produces a Patch, and proves it before it leaves
 * (`verifyFix`): guardrails, apply, re-parse, untouched blocks byte-identical, and the rule's check
 * passing on the patched repository.
 */
import { createTwoFilesPatch } from 'diff';
import type { GenerateResult } from '../contracts';
import { generateAndVerifyFix, type FixOutcome } from '../fixPolicy';
import { addedFindings } from './scan';
import type {
  Confidence,
  Impact,
  Failure,
  Patch,
  PatchResult,
  Target,
  TokenUsage,
  VerifiedFix,
  VerifyResult,
} from '../contracts';
import {
  applyPatch,
  blockRefs,
  findBlock,
  overlayIndex,
  parseHcl,
  relatedBlocks,
  moduleLocalAddress,
  type FileChange,
  type HclBlock,
  type RepoIndex,
  validateChange,
} from '../terraform';
import { PlaceholderMisuseError } from '../errors';
import { redactCredentials, redactWithLocations, type PlaceholderLocations } from '../security/redact';
import { injectionWarning } from '../security/injection';
import { allowlistProblems } from './allowlist';
import { scanForInjection } from './injectionScan';
import { checkPatch, textProblems } from './guardrails';
import type { PatchModel } from './llm/bedrock';
import { parsePatchToolInput } from './llm/patchSchema';
import { restorePatchAtLocations } from './llm/restore';
import {
  buildRepairMessage,
  buildUserMessage,
  patchAsToolInput,
  SYSTEM_PROMPT,
  type ContextBlock,
} from './llm/prompt';
import { catalogRule, findRule, noRuleReason, ruleById, RULES } from './match';
import { moduleHint } from './moduleRules';
import type { Rule, RuleContext } from './types';

export { findRule, RULES };

export type { PatchResult, VerifyResult } from '../contracts';

/** The rule context for a target: its block, instance and the provider major version. */
export function ruleContext(index: RepoIndex, target: Target, failure?: Failure): RuleContext {
  // By address first: on a patched copy of the files, an edit earlier in the file shifts offsets, so
  // the target's startByte may point into another block. The offset is the fallback.
  const found = target.placeholder
    ? undefined
    : (findBlock(index, target.address, target.file) ??
      index.blocks.find(
        (b) => b.file === target.file && b.range.startByte === target.startByte && b.kind !== 'locals',
      ));
  // A resource created by a registry module is reached through the module call only.
  const block = target.module && found?.kind !== 'module' ? undefined : found;
  const instance = block?.instances.find((i) => i.address === target.address);
  return { index, target, block, instance, providerMajor: index.provider.awsMajor ?? 5, failure };
}

/** Deterministic generation: a matching rule's patch, "already compliant", or no rule. */
export function generateWithRules(index: RepoIndex, target: Target, failure: Failure): GenerateResult {
  const rule = findRule(failure, target);
  if (!rule) return { status: 'no_rule', reason: noRuleReason(failure, target) };
  const ctx = ruleContext(index, target, failure);
  if (ctx.block?.kind === 'module' && !target.module)
    return {
      status: 'no_rule',
      reason: `${target.address} is a call of a module TerraFix has no input table for: its inputs must be set by the LLM or a reviewer (a vendored copy of the module is never edited)`,
    };
  if (!ctx.block && !rule.accountLevel)
    return {
      status: 'no_fix',
      reason: `rule ${rule.id}: block ${target.address} not found in ${target.file}`,
    };
  const check = rule.check(ctx);
  if (check.status === 'compliant')
    return { status: 'already_compliant', ruleId: rule.id, reason: check.reasons.join('; ') };
  try {
    const patch = rule.fix(ctx);
    if (patch.edits.length === 0) return { status: 'no_fix', reason: `rule ${rule.id} produced no edit` };
    return { status: 'patch', engine: 'rule', ruleId: rule.id, patch, tokens: null };
  } catch (err) {
    return { status: 'no_fix', reason: `rule ${rule.id}: ${(err as Error).message}` };
  }
}

function blockText(index: RepoIndex, b: HclBlock): string {
  return index.files[b.file].text.slice(b.range.startByte, b.range.endByte);
}

/** The context the model sees: target, related blocks, variables/locals it uses, provider constraints. */
export function llmContextBlocks(index: RepoIndex, target: Target): ContextBlock[] {
  const out: ContextBlock[] = [];
  const seen = new Set<HclBlock>();
  const add = (b: HclBlock, role: ContextBlock['role']) => {
    if (seen.has(b)) return;
    seen.add(b);
    out.push({ file: b.file, address: b.localAddress, role, text: blockText(index, b) });
  };
  const ctx = ruleContext(index, target);
  const main = ctx.block;
  if (main) add(main, 'target');
  else
    out.push({
      file: target.file,
      address: target.address,
      role: 'target',
      text: '# (the resource does not exist yet: add it to this file)',
    });
  const related = main ? relatedBlocks(index, main.address).slice(0, 12) : [];
  for (const r of related) add(r, 'related');
  for (const b of [main, ...related].filter((x): x is HclBlock => Boolean(x))) {
    for (const ref of blockRefs(b)) {
      const m = /^(var|local)\.([\w-]+)/.exec(ref);
      if (!m) continue;
      const pool = index.blocks.filter((x) => x.moduleDir === target.moduleDir);
      const v =
        m[1] === 'var'
          ? pool.find((x) => x.kind === 'variable' && x.labels[0] === m[2])
          : pool.find((x) => x.kind === 'locals' && m[2] in x.attributes);
      if (v) add(v, m[1] === 'var' ? 'variable' : 'local');
    }
  }
  for (const t of index.blocks
    .filter((x) => x.kind === 'terraform' && x.moduleDir === target.moduleDir)
    .slice(0, 2))
    add(t, 'terraform');
  return out;
}

/**
 * Restores placeholders only at the attribute each was taken from; any other use (explanation,
 * another attribute, a new block, an invented placeholder) makes the answer invalid.
 */
function restorePatch(
  p: Patch,
  mapping: Record<string, string>,
  locations: PlaceholderLocations,
): { patch: Patch; errors: string[] } {
  try {
    return { patch: restorePatchAtLocations(p, mapping, locations), errors: [] };
  } catch (err) {
    if (err instanceof PlaceholderMisuseError) return { patch: p, errors: [err.message] };
    throw err;
  }
}

export interface LlmGenerateOptions {
  client: PatchModel;
  previousErrors?: string[];
  previousPatch?: Patch;
}

/** LLM generation (one call; pass previousErrors/previousPatch for the repair round). */
export async function generateWithLlm(
  index: RepoIndex,
  target: Target,
  failure: Failure,
  opts: LlmGenerateOptions,
): Promise<GenerateResult> {
  const rule = findRule(failure, target);
  const blocks = llmContextBlocks(index, target);
  const user = buildUserMessage({
    failure,
    target,
    blocks,
    provider: index.provider,
    checkHint:
      rule?.requirement ?? (target.module ? moduleHint(catalogRule(failure, target), target) : undefined),
  });
  // Where each secret was taken from (block address + attribute path): the only place it may return.
  const red = redactWithLocations(user);
  const mapping = red.mapping;
  let repair;
  if (opts.previousErrors?.length && opts.previousPatch) {
    const prev = redactCredentials(JSON.stringify(patchAsToolInput(opts.previousPatch)), mapping);
    Object.assign(mapping, prev.mapping);
    const errs = redactCredentials(buildRepairMessage(opts.previousErrors), mapping);
    Object.assign(mapping, errs.mapping);
    repair = { previousInput: JSON.parse(prev.text) as Record<string, unknown>, errorsText: errs.text };
  }
  const res = await opts.client.callPatchTool({ system: SYSTEM_PROMPT, user: red.text, repair });
  if (!res.ok) return { status: 'no_fix', reason: `LLM: ${res.reason}` };
  const parsed = parsePatchToolInput(res.input);
  if (!parsed.ok) return { status: 'no_fix', reason: `LLM: malformed patch: ${parsed.errors.join('; ')}` };
  const restored = restorePatch(parsed.patch, mapping, red.locations);
  if (restored.errors.length) return { status: 'no_fix', reason: `LLM: ${restored.errors.join('; ')}` };
  return {
    status: 'patch',
    engine: 'llm',
    modelId: opts.client.modelId,
    patch: restored.patch,
    tokens: res.tokens,
  };
}

export interface GenerateFixOptions {
  engine?: 'auto' | 'rules' | 'llm';
  client?: PatchModel;
}

export interface VerifyOptions {
  /** Skip the terraform formatter in applyPatch (tests, benchmarks). */
  format?: boolean;
  /** Run `terraform validate` when possible (default true; skipped by the engine when unavailable). */
  terraformValidate?: boolean;
  /** Targets of the other members of a group PR whose edits the same patch combines (allowlist). */
  groupTargets?: Target[];
}

/** Blocks named by a patch (file + module-local address). */
function namedBlocks(p: Patch): Set<string> {
  const out = new Set<string>();
  for (const e of p.edits) if (e.kind !== 'insert_after') out.add(`${e.file}\u0000${e.address}`);
  return out;
}

/** Blocks a patch deletes (file + module-local address). */
function removedBlocks(p: Patch): Set<string> {
  return new Set(p.edits.flatMap((e) => (e.kind === 'remove_block' ? [`${e.file}\u0000${e.address}`] : [])));
}

/**
 * Per changed file: it re-parses, every block the patch does not name keeps its exact text and none
 * disappears, new blocks pass the content guardrails, and named blocks gain no new problem.
 */
async function blockProblems(index: RepoIndex, p: Patch, files: FileChange[]): Promise<string[]> {
  const errors: string[] = [];
  const named = namedBlocks(p);
  const removed = removedBlocks(p);
  for (const f of files) {
    const parsed = await parseHcl(f.after, f.path);
    if (parsed.errors.length) errors.push(...parsed.errors.map((e) => `${f.path}:${e.line}: ${e.message}`));
    // Every block the patch does not name keeps its exact text, and none disappears.
    const before = index.blocks.filter((b) => b.file === f.path);
    for (const b of before) {
      if (named.has(`${f.path}\u0000${b.localAddress}`)) {
        const still = parsed.blocks.some(
          (x) => x.type === b.kind && x.labels.join('.') === b.labels.join('.'),
        );
        const key = `${f.path}\u0000${b.localAddress}`;
        if (removed.has(key) && still) errors.push(`${f.path}: ${b.localAddress} was not removed`);
        if (!removed.has(key) && !still) errors.push(`${f.path}: ${b.localAddress} was removed or renamed`);
        continue;
      }
      if (!f.after.includes(blockText(index, b)))
        errors.push(`${f.path}: ${b.localAddress} changed but the patch does not name it`);
    }
    // New text must pass the content guardrails (covers replace_block and formatting).
    const added = parsed.blocks
      .filter((x) => !before.some((b) => b.kind === x.type && b.labels.join('.') === x.labels.join('.')))
      .map((x) => f.after.slice(x.range.startByte, x.range.endByte));
    for (const t of added) for (const pr of textProblems(t)) errors.push(`${f.path}: new block ${pr}`);
    // Named blocks may only gain problems they did not have (user_data may legitimately hold curl...).
    for (const b of before) {
      if (!named.has(`${f.path}\u0000${b.localAddress}`)) continue;
      const nb = parsed.blocks.find((x) => x.type === b.kind && x.labels.join('.') === b.labels.join('.'));
      if (!nb) continue;
      const old = new Set(textProblems(blockText(index, b)));
      for (const pr of textProblems(f.after.slice(nb.range.startByte, nb.range.endByte)))
        if (!old.has(pr)) errors.push(`${f.path}: ${b.localAddress} ${pr}`);
    }
  }
  return errors;
}

/** The rule's check on the patched repository (empty when it passes). */
function recheck(after: RepoIndex, target: Target, failure: Failure, rule: Rule, p: Patch): string[] {
  // A deleted target passes by absence; blockProblems checked it is gone and nothing else went.
  const local = moduleLocalAddress(target.address);
  if (p.edits.some((e) => e.kind === 'remove_block' && e.file === target.file && e.address === local)) {
    return findBlock(after, target.address, target.file) ? [`${target.address} is still there`] : [];
  }
  const newTarget = target.placeholder ? { ...target, placeholder: false } : target;
  const ctx = ruleContext(after, newTarget, failure);
  if (!ctx.block) ctx.block = findBlock(after, target.address, target.file);
  if (!ctx.block && !rule.accountLevel) return [`${target.address} is missing after the patch`];
  const check = rule.check(ctx);
  return check.status === 'compliant' ? [] : check.reasons.map((r) => `check ${rule.id} still fails: ${r}`);
}

/** Applies, validates and re-checks a generated patch; returns a VerifiedFix or the reasons it was rejected. */
export async function verifyFix(
  index: RepoIndex,
  target: Target,
  failure: Failure,
  generated: PatchResult,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const p = generated.patch;
  const errors = checkPatch(index, target, p, opts.groupTargets);
  if (errors.length) return { ok: false, errors };
  let files: FileChange[];
  try {
    // Rule text is canonical HCL: hclwrite (no process) formats it as terraform fmt would. Model
    // text may hold legacy syntax that only terraform fmt rewrites.
    files = (
      await applyPatch(index, p, {
        format: opts.format,
        formatter: generated.ruleId ? 'hclwrite' : 'terraform',
      })
    ).files;
  } catch (err) {
    return { ok: false, errors: [`the patch does not apply: ${(err as Error).message}`] };
  }
  if (files.length === 0) return { ok: false, errors: ['the patch changes nothing'] };
  // The allowlist on parsed blocks: what a fix may change and add, for rule and model patches alike.
  errors.push(
    ...(await allowlistProblems(target, files, {
      allowNewFile: Boolean(generated.ruleId) || Boolean(target.placeholder),
      alsoTargets: opts.groupTargets,
      allowTargetRemoval: Boolean(generated.ruleId),
    })),
  );
  errors.push(...(await blockProblems(index, p, files)));
  if (errors.length) return { ok: false, errors: [...new Set(errors)] };

  const report = await validateChange(index, { files }, p, { terraformValidate: opts.terraformValidate });
  const bad = report.issues.filter((i) => i.severity === 'error');
  if (bad.length) return { ok: false, errors: bad.map((i) => `${i.file}:${i.line}: ${i.message}`) };
  const ran = ['guardrails', 'apply', 'parse', 'untouched-blocks', ...report.ran];
  const skipped: string[] = [...report.skipped];
  const warnings = report.issues
    .filter((i) => i.severity === 'warning')
    .map((i) => `${i.file}:${i.line}: ${i.message}`);
  const rule = generated.ruleId ? ruleById(generated.ruleId, target) : findRule(failure, target);
  // The patched repository, in memory: only the changed files are parsed again.
  const after = await overlayIndex(
    index,
    files.map((f) => ({ path: f.path, after: f.after })),
  );
  if (rule) {
    const problems = recheck(after, target, failure, rule, p);
    if (problems.length) return { ok: false, errors: problems };
    ran.push(`check:${rule.id}`);
  } else skipped.push('rule check (no rule covers this failure)');
  // A fix never adds a finding: every block it adds or changes is scanned with the whole catalog.
  const added = addedFindings(index, after, new Set(files.map((f) => f.path)));
  if (added.length)
    return {
      ok: false,
      errors: added.map(
        (v) => `the fix adds a finding: ${v.title} (${v.ruleId}) on ${v.address} (${v.file})`,
      ),
    };
  ran.push('no-new-findings');

  const diff = files
    .map((f) =>
      createTwoFilesPatch(`a/${f.path}`, `b/${f.path}`, f.before, f.after, '', '', { context: 3 }).replace(
        /^=+\n/,
        '',
      ),
    )
    .join('');
  // Text addressed to an AI assistant in the inputs is shown to the reviewer (label + warning).
  const injections = scanForInjection(index, target, failure);
  const fix: VerifiedFix = {
    engine: generated.engine,
    ruleId: generated.ruleId ?? rule?.id,
    modelId: generated.modelId,
    files: files.map((f) => ({ path: f.path, content: f.after })),
    diff,
    explanation: p.explanation,
    changedAttributes: p.changedAttributes,
    confidence: cappedConfidence(generated.engine, p.confidence, ran),
    breakingChanges: p.breakingChanges,
    additionalRequirements: p.additionalRequirements,
    warnings: [
      ...(p.breakingChanges.length
        ? ['this change is breaking: read the breaking changes before merging']
        : []),
      ...warnings,
      ...injections.map(injectionWarning),
    ],
    ...(injections.length ? { promptInjection: injections } : {}),
    ...(impactOf(p) ? { impact: impactOf(p) } : {}),
    ...(p.reviewReasons?.length ? { reviewReasons: p.reviewReasons } : {}),
    validation: { ran, skipped },
    tokens: generated.tokens,
  };
  return { ok: true, fix };
}

/**
 * The structured impact of a patch: the rule's own, else read from its breaking changes (a
 * replacement, or a restart/interruption as downtime), so the PR shows it as a callout.
 */
export function impactOf(p: Patch): Impact | undefined {
  if (p.impact) return p.impact;
  const replacement = p.breakingChanges.find((b) => /\breplac|re-?creat|destroy/i.test(b));
  const downtime = p.breakingChanges.find(
    (b) => b !== replacement && /downtime|restart|reboot|interrupt|outage/i.test(b),
  );
  if (!replacement && !downtime) return undefined;
  return { ...(replacement ? { replacement } : {}), ...(downtime ? { downtime } : {}) };
}

/**
 * A model's own confidence is not evidence: an LLM fix is at most "medium" when a rule re-check or
 * `terraform validate` passed on it, and "low" when nothing re-checked it. Rule fixes keep theirs.
 */
export function cappedConfidence(engine: 'rule' | 'llm', c: Confidence, ran: string[]): Confidence {
  if (engine !== 'llm') return c;
  const rechecked = ran.some((r) => r.startsWith('check:') || r.startsWith('terraform validate'));
  if (!rechecked) return 'low';
  return c === 'high' ? 'medium' : c;
}

/** Sums token usage of several calls (generation + repair). */
export function addTokens(a: TokenUsage | null, b: TokenUsage | null): TokenUsage | null {
  if (!a) return b;
  if (!b) return a;
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: (a.cacheWrite ?? 0) + (b.cacheWrite ?? 0),
  };
}

export type { Rule };

export type RemediationOutcome =
  | { status: 'fixed'; fix: VerifiedFix; reasons: string[] }
  | { status: 'already_compliant'; ruleId: string; reasons: string[] }
  | {
      status: 'rejected';
      engine: 'rule' | 'llm';
      ruleId?: string;
      reasons: string[];
      tokens: TokenUsage | null;
    }
  | { status: 'no_fix'; reasons: string[]; tokens: TokenUsage | null };

/**
 * Generate + verify offline (`terrafix fix`), with the policy the workflow uses (src/fixPolicy.ts):
 * rules first, the LLM for the rest, and one repair round when an LLM patch fails verification.
 */
export async function remediate(
  index: RepoIndex,
  target: Target,
  failure: Failure,
  opts: GenerateFixOptions & VerifyOptions = {},
): Promise<RemediationOutcome> {
  const { client } = opts;
  const r = await generateAndVerifyFix(opts.engine ?? 'auto', {
    stage: (_name, work) => work(),
    generate: async (engine, repair) => {
      if (engine === 'rules') return generateWithRules(index, target, failure);
      if (!client) return { status: 'no_fix', reason: 'no rule matches and no LLM is configured' };
      return generateWithLlm(index, target, failure, {
        client,
        previousErrors: repair?.errors,
        previousPatch: repair?.patch,
      });
    },
    verify: (g) => verifyFix(index, target, failure, g, opts),
  });
  return outcomeOf(r);
}

/** The offline outcome of the fix policy, with the reasons and the tokens of every LLM call. */
function outcomeOf(r: FixOutcome): RemediationOutcome {
  switch (r.kind) {
    case 'already_compliant':
      return { status: 'already_compliant', ruleId: r.ruleId, reasons: [r.reason] };
    case 'no_fix':
      return { status: 'no_fix', reasons: [r.reason], tokens: null };
    case 'fixed':
      if (!r.first) return { status: 'fixed', fix: r.fix, reasons: [] };
      return {
        status: 'fixed',
        fix: { ...r.fix, tokens: addTokens(r.first.generated.tokens, r.generated.tokens) },
        reasons: [`first attempt rejected: ${r.first.errors.join('; ')}`],
      };
    case 'rejected': {
      const base = { status: 'rejected' as const, engine: r.generated.engine, ruleId: r.generated.ruleId };
      if (!r.repair) return { ...base, reasons: r.errors, tokens: r.generated.tokens };
      if (r.repair.reason !== undefined)
        return { ...base, reasons: [...r.errors, `repair: ${r.repair.reason}`], tokens: r.generated.tokens };
      return {
        ...base,
        reasons: [
          ...r.errors.map((e) => `attempt 1: ${e}`),
          ...(r.repair.errors ?? []).map((e) => `repair: ${e}`),
        ],
        tokens: addTokens(r.generated.tokens, r.repair.generated?.tokens ?? null),
      };
    }
  }
}
