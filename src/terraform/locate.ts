/**
 * Locating a failure's resource in an indexed repository, and the blocks related to a resource.
 * Strategies, in order: explicit address/file; ARN; Vanta responseType + displayName (resolved names);
 * tags; block label; account-level controls.
 */
import path from 'node:path';
import type { Failure, MatchKind, ModuleTarget, Target } from '../contracts';
import {
  accountLevelType,
  arnToTerraform,
  isAccountKind,
  nameAttributesFor,
  parseArn,
  responseTypeToTerraform,
} from './awsTypes';
import { attributeValue, setResolutionContext } from './indexer';
import { closestSources, matchNameSources, nameSources, type NameHit, type NameSource } from './nameMatch';
import { patternText } from './pattern';
import { collectRefs, valueToString } from './resolve';
import type {
  BlockInstance,
  Candidate,
  HclBlock,
  HclNestedBlock,
  LocateOptions,
  LocateResult,
  RepoIndex,
} from './types';

/** Removes instance keys (["k"], [0]) from an address. */
export function stripKeys(address: string): string {
  return address.replace(/\[(?:"(?:[^"\\]|\\.)*"|\d+)\]/g, '');
}

/** The address inside its module, without module path and instance keys (aws_s3_bucket.logs, module.x). */
export function moduleLocalAddress(address: string): string {
  return stripKeys(address).replace(/^(module\.[\w-]+\.)+/, '');
}

/**
 * Finds the block for an address: a full address (module.x["k"].aws_s3_bucket.y["k"], keys optional),
 * or a module-local address (aws_s3_bucket.y) optionally restricted to one file.
 */
export function findBlock(index: RepoIndex, address: string, file?: string): HclBlock | undefined {
  const a = address.trim();
  const bare = stripKeys(a);
  const pool = file ? index.blocks.filter((b) => b.file === file) : index.blocks;
  return (
    pool.find((b) => b.instances.some((i) => i.address === a)) ??
    pool.find((b) => b.address === a || stripKeys(b.address) === bare) ??
    pool.find((b) => b.instances.some((i) => stripKeys(i.address) === bare)) ??
    pool.find((b) => b.localAddress === bare)
  );
}

const REF_KINDS = new Set(['resource', 'data', 'module']);

function nestedRefs(blocks: HclNestedBlock[], out: string[]): void {
  for (const n of blocks) {
    for (const a of Object.values(n.attributes)) collectRefs(a.expr, out);
    nestedRefs(n.blocks, out);
  }
}

/** Every reference made by a block (attributes and nested blocks). */
export function blockRefs(b: HclBlock): string[] {
  const out: string[] = [];
  for (const a of Object.values(b.attributes)) collectRefs(a.expr, out);
  nestedRefs(b.blocks, out);
  return out;
}

const referrersCache = new WeakMap<RepoIndex, Map<string, HclBlock[]>>();

/** Reverse reference map "moduleDir|localAddress" → referring blocks, built once per index. */
function referrers(index: RepoIndex): Map<string, HclBlock[]> {
  let m = referrersCache.get(index);
  if (m) return m;
  m = new Map();
  for (const b of index.blocks) {
    if (!REF_KINDS.has(b.kind)) continue;
    const seen = new Set<string>();
    for (const r of blockRefs(b)) {
      const parts = r.split('.');
      const local = parts[0] === 'data' ? parts.slice(0, 3).join('.') : parts.slice(0, 2).join('.');
      const key = `${b.moduleDir}|${local}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = m.get(key);
      if (list) list.push(b);
      else m.set(key, [b]);
    }
  }
  referrersCache.set(index, m);
  return m;
}

/** Every block of the same module, of any kind (outputs, locals, module calls...), that refers to `b`. */
export function blocksReferring(index: RepoIndex, b: HclBlock): HclBlock[] {
  return index.blocks.filter(
    (x) => x !== b && x.moduleDir === b.moduleDir && blockRefs(x).some((r) => isRefTo(r, b.localAddress)),
  );
}

/** The reference names the block at `address` (module-local): itself, an attribute or an instance. */
export function isRefTo(ref: string, address: string): boolean {
  return ref === address || ref.startsWith(`${address}.`) || ref.startsWith(`${address}[`);
}

/** Blocks of the same module that reference (configure) the block at `address`, e.g. bucket encryption. */
export function relatedBlocks(index: RepoIndex, address: string): HclBlock[] {
  const target = findBlock(index, address);
  return target ? relatedOf(index, target) : [];
}

function relatedOf(index: RepoIndex, target: HclBlock): HclBlock[] {
  return (referrers(index).get(`${target.moduleDir}|${target.localAddress}`) ?? []).filter(
    (b) => b !== target,
  );
}

function toTarget(
  index: RepoIndex,
  b: HclBlock,
  inst: BlockInstance | null,
  matchedBy: MatchKind,
  confidence: number,
  via?: { module?: ModuleTarget; resourceType?: string },
): Target {
  return {
    file: b.file,
    address: inst ? inst.address : b.address,
    resourceType:
      via?.resourceType ?? (b.kind === 'resource' || b.kind === 'data' ? (b.labels[0] ?? '') : ''),
    ...(via?.module ? { module: via.module } : {}),
    moduleDir: b.moduleDir,
    startByte: b.range.startByte,
    endByte: b.range.endByte,
    startLine: b.range.startLine,
    endLine: b.range.endLine,
    matchedBy,
    confidence,
    related: relatedOf(index, b).map((r) => {
      const prefix = inst
        ? inst.modulePath.map((m) => `module.${m}`).join('.')
        : b.address.slice(0, -b.localAddress.length - 1);
      return prefix ? `${prefix}.${r.localAddress}` : r.localAddress;
    }),
  };
}

/** Instances to consider for a block (a single pseudo-instance when count/for_each is unknown). */
function instancesOf(b: HclBlock): (BlockInstance | null)[] {
  return b.instances.length > 0 ? b.instances : [null];
}

const resources = (index: RepoIndex, types: string[] | null): HclBlock[] =>
  index.blocks.filter(
    (b) => b.kind === 'resource' && (!types || types.length === 0 || types.includes(b.labels[0] ?? '')),
  );

const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

function tagValues(index: RepoIndex, b: HclBlock, inst: BlockInstance | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const attr of ['tags', 'tags_all']) {
    const r = attributeValue(index, b, attr, inst ?? undefined);
    if (r.known && r.value && typeof r.value === 'object' && !Array.isArray(r.value)) {
      for (const [k, v] of Object.entries(r.value)) {
        const s = valueToString(v);
        if (s !== null) out[k] = s;
      }
    }
  }
  return out;
}

function similarity(a: string, b: string): number {
  const x = norm(a);
  const y = norm(b);
  if (!x || !y) return 0;
  if (x === y) return 1;
  if (x.includes(y) || y.includes(x)) return Math.min(x.length, y.length) / Math.max(x.length, y.length);
  // Dice coefficient over bigrams.
  const bi = (s: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (let i = 0; i < s.length - 1; i++) m.set(s.slice(i, i + 2), (m.get(s.slice(i, i + 2)) ?? 0) + 1);
    return m;
  };
  const bx = bi(x);
  const by = bi(y);
  let inter = 0;
  for (const [k, v] of bx) inter += Math.min(v, by.get(k) ?? 0);
  return (2 * inter) / Math.max(1, x.length - 1 + y.length - 1);
}

interface Scored {
  block: HclBlock;
  inst: BlockInstance | null;
  matchedBy: MatchKind;
  score: number;
  reasons: string[];
  /** The var file the name matched under. */
  binding?: string;
  /** A registry module call that creates the resource, and the type it creates. */
  module?: ModuleTarget;
  resourceType?: string;
  /** A candidate that can never be "found" on its own (too little of the name was literal). */
  weak?: boolean;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** A name-source hit as a scored candidate: exact names first, then patterns by specificity. */
function scoreHit(h: NameHit, name: string, types: string[]): Scored {
  const s = h.source;
  const where = s.binding ? ` under ${s.binding}` : '';
  const base = {
    block: s.block,
    inst: s.inst,
    binding: s.binding,
    module: s.module,
    resourceType: s.module ? (s.types.find((t) => types.includes(t)) ?? s.types[0]) : undefined,
  };
  if (s.unknownModule) {
    return {
      ...base,
      matchedBy: 'module_input',
      score: 0.4,
      weak: true,
      reasons: [
        `may be created inside ${s.block.localAddress} (source "${s.unknownModule}", a module TerraFix does not know): its input ${s.attr} = ${s.exprText} matches "${name}"; fix it in that module's inputs or its source`,
      ],
    };
  }
  const tag = s.attr === 'tags.Name';
  if (h.exact) {
    const literal = s.literalExpr && !tag;
    return {
      ...base,
      matchedBy: s.module ? 'module_input' : tag ? 'tag' : literal ? 'display_name' : 'resolved_name',
      score: tag ? 0.85 : literal ? 0.95 : 0.9,
      reasons: [
        `${s.module ? `module input ${s.attr}` : s.attr} ${literal ? 'is the literal' : `resolves (${s.exprText}) to`} "${name}"${where}`,
      ],
    };
  }
  const strong = h.literal >= 4 && h.specificity >= 0.3;
  const pct = Math.round(h.specificity * 100);
  return {
    ...base,
    matchedBy: s.module ? 'module_input' : 'pattern',
    score: strong ? round3(0.55 + 0.29 * h.specificity - (tag ? 0.02 : 0)) : 0.3,
    weak: !strong,
    reasons: [
      `${s.module ? `module input ${s.attr}` : s.attr} = ${s.exprText} matches "${name}" as ${patternText(s.pattern)} (${pct}% specific${strong ? '' : ': too little of the name is literal to be sure'})${where}`,
    ],
  };
}

interface NameEntry {
  block: HclBlock;
  inst: BlockInstance | null;
  attr: string;
}

const nameCache = new WeakMap<RepoIndex, { ctx: string; byName: Map<string, NameEntry[]> }>();

/** Name-attribute values of every resource instance, keyed by value; rebuilt when the context changes. */
function nameIndex(index: RepoIndex): Map<string, NameEntry[]> {
  const ctx = `${index.context.accountId ?? ''}|${index.context.region ?? ''}`;
  const cached = nameCache.get(index);
  if (cached && cached.ctx === ctx) return cached.byName;
  const byName = new Map<string, NameEntry[]>();
  for (const b of index.blocks) {
    if (b.kind !== 'resource') continue;
    const attrs = nameAttributesFor(b.labels[0] ?? '').filter((a) => b.attributes[a]);
    if (attrs.length === 0) continue;
    for (const inst of instancesOf(b)) {
      for (const an of attrs) {
        const attr = b.attributes[an];
        // The default-context value computed at index time holds for the first, unkeyed instance.
        const r =
          !inst || (inst.key === null && inst.address === b.address)
            ? attr.value
            : attributeValue(index, b, an, inst);
        if (!r.known) continue;
        const v = valueToString(r.value);
        if (v === null) continue;
        const list = byName.get(v);
        const e = { block: b, inst, attr: an };
        if (list) list.push(e);
        else byName.set(v, [e]);
      }
    }
  }
  nameCache.set(index, { ctx, byName });
  return byName;
}

function matchName(
  index: RepoIndex,
  blocks: HclBlock[],
  name: string,
  attrHint: string | null,
  via: 'arn' | 'display',
): Scored[] {
  const pool = new Set(blocks);
  const out: Scored[] = [];
  const seen = new Set<string>();
  for (const e of nameIndex(index).get(name) ?? []) {
    if (!pool.has(e.block) || (attrHint && e.attr !== attrHint)) continue;
    const key = e.inst ? e.inst.address : e.block.address;
    if (seen.has(key)) continue;
    seen.add(key);
    const attr = e.block.attributes[e.attr];
    const literal = attr.expr.t === 'lit';
    out.push({
      block: e.block,
      inst: e.inst,
      matchedBy: via === 'arn' ? 'arn' : literal ? 'display_name' : 'resolved_name',
      score: via === 'arn' ? 0.97 : literal ? 0.95 : 0.9,
      reasons: [
        `${e.attr} ${literal ? 'is the literal' : `resolves (${attr.exprText}) to`} "${name}"${via === 'arn' ? ' from the ARN' : ''}`,
      ],
    });
  }
  return out;
}

function matchTags(index: RepoIndex, blocks: HclBlock[], name: string): Scored[] {
  const out: Scored[] = [];
  for (const b of blocks) {
    for (const inst of instancesOf(b)) {
      const tags = tagValues(index, b, inst);
      if (tags.Name === name)
        out.push({ block: b, inst, matchedBy: 'tag', score: 0.85, reasons: [`tag Name = "${name}"`] });
      else {
        const k = Object.keys(tags).find((t) => tags[t] === name);
        if (k) out.push({ block: b, inst, matchedBy: 'tag', score: 0.7, reasons: [`tag ${k} = "${name}"`] });
      }
    }
  }
  return out;
}

function matchLabel(blocks: HclBlock[], name: string): Scored[] {
  const n = norm(name);
  if (!n) return [];
  return blocks
    .filter((b) => norm(b.labels[1] ?? '') === n)
    .map((b) => ({
      block: b,
      inst: null,
      matchedBy: 'label' as const,
      score: 0.5,
      reasons: [`block label "${b.labels[1]}" matches "${name}"`],
    }));
}

/** Picks a sensible file to add an account-level resource to (root module with the aws provider). */
function placementFile(index: RepoIndex): string | null {
  const dirs = index.rootModuleDirs.length > 0 ? index.rootModuleDirs : [''];
  const providerBlock = index.blocks.find(
    (b) => b.kind === 'provider' && b.labels[0] === 'aws' && dirs.includes(b.moduleDir),
  );
  const dir = providerBlock?.moduleDir ?? dirs[0];
  const files = Object.keys(index.files).filter(
    (f) => f.endsWith('.tf') && path.posix.dirname(f) === (dir || '.'),
  );
  for (const pref of ['security.tf', 'account.tf', 'main.tf']) {
    const f = files.find((x) => path.posix.basename(x) === pref);
    if (f) return f;
  }
  return providerBlock?.file ?? files[0] ?? null;
}

function dedupe(scored: Scored[]): Scored[] {
  const best = new Map<string, Scored>();
  for (const s of scored) {
    const key = s.inst ? s.inst.address : s.block.address;
    const cur = best.get(key);
    if (!cur || s.score > cur.score) best.set(key, s);
    else if (cur && s.score === cur.score) cur.reasons.push(...s.reasons);
  }
  return [...best.values()].sort(
    (a, b) => b.score - a.score || a.block.address.localeCompare(b.block.address),
  );
}

/** Locates the failing resource of a failure. Never throws for "not found": see status. */
export function locate(index: RepoIndex, failure: Failure, opts: LocateOptions = {}): LocateResult {
  const res = failure.resource ?? {};
  const arnCtx = arnContext(res.arn);
  const accountIds = [...new Set(opts.accountIds ?? [])];
  setResolutionContext(index, {
    accountId: res.accountId ?? arnCtx.accountId ?? (accountIds.length === 1 ? accountIds[0] : undefined),
    region: res.region ?? arnCtx.region,
  });
  const errors = Object.values(index.files).flatMap((f) => f.errors);
  const reasons: string[] = [];
  const scored: Scored[] = [];
  const fileFilter = res.file ? res.file.replace(/\\/g, '/').replace(/^\.\//, '') : null;
  const inFile = (s: Scored[]): Scored[] => (fileFilter ? s.filter((x) => x.block.file === fileFilter) : s);

  // 1. Explicit address / file.
  if (res.terraformAddress) {
    const b = findBlock(index, res.terraformAddress, fileFilter ?? undefined);
    if (b) {
      const inst = b.instances.find((i) => i.address === res.terraformAddress!.trim()) ?? null;
      scored.push({
        block: b,
        inst,
        matchedBy: 'address',
        score: 1,
        reasons: [`address ${res.terraformAddress} given`],
      });
    } else reasons.push(`address ${res.terraformAddress} not found in the repository`);
  }
  const arnMap = res.arn ? arnToTerraform(res.arn) : null;
  if (res.arn && !arnMap) reasons.push(`ARN ${res.arn} is not a known resource type`);
  const types = arnMap?.types ?? responseTypeToTerraform(res.responseType);
  if (scored.length === 0 && fileFilter && !res.displayName && !res.arn) {
    const inF = resources(index, types).filter((b) => b.file === fileFilter);
    if (inF.length > 0)
      scored.push(
        ...inF.map((b) => ({
          block: b,
          inst: null,
          matchedBy: 'file' as const,
          score: inF.length === 1 ? 0.8 : 0.5,
          reasons: [`only resource${types.length ? ` of type ${types.join('/')}` : ''} in ${fileFilter}`],
        })),
      );
    else reasons.push(`no matching resource in file ${fileFilter}`);
  }

  // 2. ARN.
  if (scored.length === 0 && arnMap) {
    const pool = resources(index, arnMap.types);
    if (arnMap.attribute)
      scored.push(...inFile(matchName(index, pool, arnMap.identifier, arnMap.attribute, 'arn')));
    if (scored.length === 0) {
      scored.push(...inFile(matchTags(index, pool, arnMap.identifier)));
      if (scored.length === 0)
        reasons.push(
          `no ${arnMap.types.join('/')} has ${arnMap.attribute ?? 'an identifier'} = "${arnMap.identifier}"`,
        );
    }
  }

  // 3. displayName + responseType: every name source as a pattern (exact names, patterns with typed
  // wildcards, registry module inputs), 4. other tags, 5. block label.
  const name = res.displayName?.trim();
  const sources = name ? nameSources(index, accountIds.length > 1 ? accountIds : []) : [];
  if (scored.length === 0 && name && !isAccountKind(res.responseType)) {
    const pool = resources(index, types.length > 0 ? types : null);
    scored.push(...inFile(matchNameSources(sources, types, name).map((h) => scoreHit(h, name, types))));
    if (scored.length === 0) scored.push(...inFile(matchTags(index, pool, name)));
    if (scored.length === 0) scored.push(...inFile(matchLabel(pool, name)));
    if (scored.length === 0)
      reasons.push(`no ${types.length ? types.join('/') : 'resource'} named or tagged "${name}"`);
  }

  // 6. Account-level controls.
  const acctType =
    isAccountKind(res.responseType) || scored.length === 0
      ? accountLevelType(`${failure.testId} ${failure.testName ?? ''}`)
      : null;
  if (scored.length === 0 && acctType && (isAccountKind(res.responseType) || !name)) {
    const existing = resources(index, [acctType]);
    if (existing.length > 0) {
      scored.push(
        ...existing.map((b) => ({
          block: b,
          inst: null,
          matchedBy: 'account_level' as const,
          score: 0.8,
          reasons: [`account-level control implemented by ${acctType}`],
        })),
      );
    } else {
      const file = placementFile(index);
      if (file) {
        const text = index.files[file].text;
        const lines = text.split('\n').length;
        const target: Target = {
          file,
          address: `${acctType}.this`,
          resourceType: acctType,
          moduleDir: path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file),
          startByte: text.length,
          endByte: text.length,
          startLine: lines,
          endLine: lines,
          matchedBy: 'account_level',
          confidence: 0.6,
          related: [],
          placeholder: true,
        };
        reasons.push(`no ${acctType} in the repository: add it to ${file}`);
        return {
          status: 'found',
          target,
          candidates: [{ target, score: 0.6, reasons: [...reasons] }],
          reasons,
          errors,
        };
      }
    }
  }

  const ranked = dedupe(scored);
  const candidates: Candidate[] = ranked.map((s) => ({
    target: toTarget(index, s.block, s.inst, s.matchedBy, s.score, s),
    score: s.score,
    reasons: s.reasons,
  }));
  if (candidates.length === 0)
    return notFound(index, sources, types, res, name, arnMap?.identifier, reasons, errors);
  const top = candidates[0];
  const tied = candidates.filter((c) => c.score === top.score);
  if (ranked[0]!.weak) {
    return {
      status: 'ambiguous',
      target: null,
      candidates,
      reasons: [...reasons, ...ranked[0]!.reasons, 'not sure enough to pick it: review the candidates'],
      errors,
    };
  }
  if (tied.length > 1) {
    return {
      status: 'ambiguous',
      target: null,
      candidates,
      reasons: [
        ...reasons,
        `${tied.length} blocks match equally (${tied.map((t) => t.target.address).join(', ')})`,
      ],
      errors,
    };
  }
  return {
    status: 'found',
    target: top.target,
    candidates,
    reasons: [...reasons, ...ranked[0]!.reasons],
    errors,
    ...(ranked[0]!.binding ? { binding: ranked[0]!.binding } : {}),
  };
}

/** The not_found answer: why, and the closest blocks with the part of the name that did not match. */
function notFound(
  index: RepoIndex,
  sources: NameSource[],
  types: string[],
  res: Failure['resource'],
  name: string | undefined,
  identifier: string | undefined,
  reasons: string[],
  errors: LocateResult['errors'],
): LocateResult {
  const probe = name ?? identifier ?? res.terraformAddress ?? '';
  const near = closestSources(sources, types, probe, similarity).slice(0, 3);
  const candidates: Candidate[] = near.map((x) => {
    const score = Math.round(x.score * 30) / 100;
    return {
      target: toTarget(index, x.source.block, null, 'label', score),
      score,
      reasons: [`${x.source.attr} = ${x.source.exprText}: ${x.why}`],
    };
  });
  if (candidates.length === 0 && probe) {
    // No name source is close: fall back to block labels and addresses.
    const pool = resources(index, types.length > 0 ? types : null);
    for (const b of pool) {
      const sc = Math.max(similarity(probe, b.labels[1] ?? ''), similarity(probe, b.address));
      if (sc > 0.3)
        candidates.push({
          target: toTarget(index, b, null, 'label', Math.round(sc * 30) / 100),
          score: Math.round(sc * 30) / 100,
          reasons: [`similar to "${probe}" (not a match)`],
        });
    }
    candidates.sort((a, b) => b.score - a.score).splice(3);
  }
  const why = near.map((x) => `${x.source.block.address}: ${x.why}`);
  return {
    status: 'not_found',
    target: null,
    candidates,
    reasons: [
      ...(reasons.length > 0 ? reasons : ['the failure carries no address, ARN or display name']),
      ...(why.length ? [`closest: ${why.join('; ')}`] : []),
    ],
    errors,
  };
}

/** Parses an ARN's account and region (for resolving data.aws_caller_identity / data.aws_region). */
export function arnContext(arn: string | undefined): { accountId?: string; region?: string } {
  const a = arn ? parseArn(arn) : null;
  return a ? { accountId: a.account || undefined, region: a.region || undefined } : {};
}
