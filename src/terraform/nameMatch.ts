/**
 * Matching the name Vanta shows against every place a repository names a resource: the name
 * attributes of each resource type (RESOURCE_KINDS), its Name tag, a `*_prefix` plus AWS's suffix,
 * and the inputs of the registry modules that create resources (REGISTRY_MODULES). Each name is a
 * pattern (src/terraform/pattern.ts) under each variable binding (default tfvars, named var files),
 * so names built from unknown account ids, regions, workspaces or random suffixes still match, ranked
 * by how much of the name was literal. The name sources are built once per index and context.
 */
import type { ModuleTarget } from '../contracts';
import { nameAttributesFor } from './awsTypes';
import { instancesInWorlds } from './indexer';
import {
  AWS_SUFFIX_RE,
  explainMismatch,
  isLiteral,
  matchPattern,
  normalize,
  patternOf,
  patternText,
  type Pattern,
  type PatternEnv,
} from './pattern';
import { isRemoteSource, registryModule, type ModuleNaming } from './registryModules';
import type { Scope } from './resolve';
import type { BlockInstance, Expr, HclBlock, RepoIndex } from './types';

/** One place the repository names a resource, as a pattern under one binding. */
export interface NameSource {
  block: HclBlock;
  inst: BlockInstance | null;
  /** The attribute (`bucket`, `tags.Name`, a module input). */
  attr: string;
  exprText: string;
  /** The attribute is a plain literal in the source. */
  literalExpr: boolean;
  /** The named var file the pattern was built under (undefined: the default binding). */
  binding?: string;
  pattern: Pattern;
  /** Types the source names: the block's type, or what a registry module creates. */
  types: string[];
  module?: ModuleTarget;
  /** Set for a remote module TerraFix does not know, whose input looks like the name. */
  unknownModule?: string;
}

/** A name source that matched, with its rank. */
export interface NameHit {
  source: NameSource;
  literal: number;
  specificity: number;
  /** Fully resolved name (no wildcard). */
  exact: boolean;
}

const cache = new WeakMap<RepoIndex, { key: string; sources: NameSource[] }>();

/** Every name source of the index in its current context (cached until the context changes). */
export function nameSources(index: RepoIndex, accountIds: string[] = []): NameSource[] {
  const key = `${index.context.accountId ?? ''}|${index.context.region ?? ''}|${accountIds.join(',')}`;
  const hit = cache.get(index);
  if (hit && hit.key === key) return hit.sources;
  const sources: NameSource[] = [];
  const byAddress = new Map<string, HclBlock>();
  for (const b of index.blocks)
    if (b.kind === 'resource') byAddress.set(`${b.moduleDir}|${b.localAddress}`, b);
  for (const b of index.blocks) {
    const env: PatternEnv = { accountIds, block: (addr) => byAddress.get(`${b.moduleDir}|${addr}`) };
    if (b.kind === 'resource') sources.push(...resourceSources(index, b, env));
    else if (b.kind === 'module') sources.push(...moduleSources(index, b, env));
  }
  cache.set(index, { key, sources });
  return sources;
}

/** The expression of a map's "Name" key: `{ Name = ... }` or `merge(x, { Name = ... })` (last wins). */
export function tagNameExpr(e: Expr | undefined, key = 'Name'): Expr | undefined {
  if (!e) return undefined;
  if (e.t === 'object') {
    const it = [...e.items].reverse().find((i) => i.key.t === 'lit' && i.key.v === key);
    return it?.val;
  }
  if (e.t === 'call' && e.name === 'merge') {
    for (const a of [...e.args].reverse()) {
      const x = tagNameExpr(a, key);
      if (x) return x;
    }
  }
  return undefined;
}

/** The expression of a name attribute (`tags.Name` reads the tag map). */
function nameExpr(b: HclBlock, attr: string): { expr: Expr; text: string } | undefined {
  if (attr === 'tags.Name') {
    const t = b.attributes.tags;
    const e = tagNameExpr(t?.expr);
    return e && t
      ? { expr: e, text: `tags.Name in ${t.exprText.replace(/\s+/g, ' ').slice(0, 120)}` }
      : undefined;
  }
  const a = b.attributes[attr];
  return a ? { expr: a.expr, text: a.exprText } : undefined;
}

/** Patterns of a block's name in every world and instance (an identical pattern once per instance). */
function underWorlds(
  index: RepoIndex,
  b: HclBlock,
  build: (scope: Scope) => Pattern | null,
): { binding?: string; inst: BlockInstance | null; pattern: Pattern }[] {
  const out: { binding?: string; inst: BlockInstance | null; pattern: Pattern }[] = [];
  const seen = new Set<string>();
  for (const wi of instancesInWorlds(index, b)) {
    const p = build(wi.scope);
    if (!p) continue;
    const n = normalize(p);
    const k = `${wi.inst?.address ?? ''}\u0000${JSON.stringify(n)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ binding: wi.binding, inst: wi.inst, pattern: n });
  }
  return out;
}

/** The `name` of an aws_kms_alias whose target_key_id refers to this key (Vanta may show the alias). */
function kmsAliasExpr(index: RepoIndex, key: HclBlock): { expr: Expr; text: string } | undefined {
  for (const a of index.blocks) {
    if (a.kind !== 'resource' || a.labels[0] !== 'aws_kms_alias' || a.moduleDir !== key.moduleDir) continue;
    const t = a.attributes.target_key_id?.exprText ?? '';
    if (new RegExp(`\\baws_kms_key\\.${key.labels[1]}\\.(key_id|id|arn)\\b`).test(t) && a.attributes.name)
      return { expr: a.attributes.name.expr, text: `${a.localAddress}.name = ${a.attributes.name.exprText}` };
  }
  return undefined;
}

function resourceSources(index: RepoIndex, b: HclBlock, env: PatternEnv): NameSource[] {
  const type = b.labels[0] ?? '';
  const out: NameSource[] = [];
  for (const attr of nameAttributesFor(type)) {
    const ne = attr === 'alias' ? kmsAliasExpr(index, b) : nameExpr(b, attr);
    if (!ne) continue;
    const prefix = attr.endsWith('_prefix');
    const pats = underWorlds(index, b, (scope) => {
      const p = patternOf(ne.expr, scope, env);
      return p && prefix
        ? [...p, { hole: 'aws_suffix', re: AWS_SUFFIX_RE, why: `${attr} + AWS's suffix` }]
        : p;
    });
    for (const { binding, inst, pattern } of pats)
      out.push({
        block: b,
        inst,
        attr,
        exprText: ne.text,
        literalExpr: ne.expr.t === 'lit',
        binding,
        pattern,
        types: [type],
      });
  }
  return out;
}

/** The name a registry module gives its resource, from the module call's inputs. */
function moduleName(b: HclBlock, naming: ModuleNaming, scope: Scope, env: PatternEnv): Pattern | null {
  const input = (n: string) => (b.attributes[n] ? patternOf(b.attributes[n]!.expr, scope, env) : null);
  if (naming.kind === 'input') {
    for (const n of naming.inputs) {
      const p = input(n);
      if (p) return p;
    }
    for (const n of naming.prefixInputs ?? []) {
      const p = input(n);
      if (p) return [...p, { hole: 'aws_suffix', re: AWS_SUFFIX_RE, why: `${n} + AWS's suffix` }];
    }
    return null;
  }
  if (naming.kind === 'name_prefix_flag') {
    const p = input(naming.input);
    if (!p) return null;
    const f = b.attributes[naming.flag];
    const flag = f && f.expr.t === 'lit' ? f.expr.v === true : naming.flagDefault;
    return flag
      ? [...p, { lit: naming.separator }, { hole: 'aws_suffix', re: AWS_SUFFIX_RE, why: 'use_name_prefix' }]
      : p;
  }
  const parts = naming.inputs.map(input).filter((p): p is Pattern => p !== null && patternText(p) !== '');
  if (parts.length === 0) return null;
  const d = b.attributes[naming.delimiterInput];
  const sep = d && d.expr.t === 'lit' && typeof d.expr.v === 'string' ? d.expr.v : '-';
  return parts.flatMap((p, i) => (i === 0 ? p : [{ lit: sep }, ...p]));
}

function moduleSources(index: RepoIndex, b: HclBlock, env: PatternEnv): NameSource[] {
  const src = b.attributes.source?.expr;
  const source = src?.t === 'lit' && typeof src.v === 'string' ? src.v : '';
  if (!source || !isRemoteSource(source)) return [];
  const spec = registryModule(source);
  const out: NameSource[] = [];
  if (spec) {
    const pats = underWorlds(index, b, (scope) => moduleName(b, spec.naming, scope, env));
    for (const { binding, inst, pattern } of pats)
      out.push({
        block: b,
        inst,
        attr: spec.nameInput,
        exprText: b.attributes[spec.nameInput]?.exprText ?? spec.nameInput,
        literalExpr: b.attributes[spec.nameInput]?.expr.t === 'lit',
        binding,
        pattern,
        types: spec.creates,
        module: { source, kind: spec.kind, nameInput: spec.nameInput },
      });
    return out;
  }
  // A remote module TerraFix does not know: any string input may name what it creates.
  for (const [an, a] of Object.entries(b.attributes)) {
    if (['source', 'version', 'count', 'for_each', 'providers', 'depends_on'].includes(an)) continue;
    for (const { binding, inst, pattern } of underWorlds(index, b, (scope) => patternOf(a.expr, scope, env)))
      out.push({
        block: b,
        inst,
        attr: an,
        exprText: a.exprText,
        literalExpr: a.expr.t === 'lit',
        binding,
        pattern,
        types: [],
        unknownModule: source,
      });
  }
  return out;
}

/** The sources whose pattern matches `name`, best first (unknown modules only by literal text). */
export function matchNameSources(sources: NameSource[], types: string[], name: string): NameHit[] {
  const hits: NameHit[] = [];
  for (const s of sources) {
    if (!s.unknownModule && types.length > 0 && !s.types.some((t) => types.includes(t))) continue;
    const m = matchPattern(s.pattern, name);
    if (!m) continue;
    if (s.unknownModule && m.literal < 4) continue;
    hits.push({ source: s, literal: m.literal, specificity: m.specificity, exact: isLiteral(s.pattern) });
  }
  return hits.sort((a, b) => b.specificity - a.specificity);
}

/** The closest non-matching sources of the right types, with where each departs from the name. */
export function closestSources(
  sources: NameSource[],
  types: string[],
  name: string,
  similarity: (a: string, b: string) => number,
): { source: NameSource; score: number; why: string }[] {
  const best = new Map<HclBlock, { source: NameSource; score: number; why: string }>();
  for (const s of sources) {
    if (s.unknownModule || (types.length > 0 && !s.types.some((t) => types.includes(t)))) continue;
    const score = similarity(name, patternText(s.pattern));
    const cur = best.get(s.block);
    if (!cur || score > cur.score)
      best.set(s.block, { source: s, score, why: explainMismatch(s.pattern, name) });
  }
  return [...best.values()].filter((x) => x.score > 0.3).sort((a, b) => b.score - a.score);
}
