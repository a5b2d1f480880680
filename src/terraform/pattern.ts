/**
 * Name patterns: a name expression whose parts cannot be resolved offline becomes a pattern of literal
 * text and typed wildcards, matched against the name Vanta shows. `data.aws_caller_identity.*.account_id`
 * is 12 digits (or one of the repository's configured account ids), `data.aws_region.*.name` and a
 * region variable without a value are an AWS region, `random_id`/`random_string`/`random_pet` results
 * have their character class and length, `terraform.workspace` is a workspace name, a `*_prefix` gets
 * AWS's 26-character generated suffix, a variable with no value is one non-empty segment. Anything
 * else unknown is a wildcard that carries no information. Specificity (how much of the name was
 * literal or tightly typed) ranks the candidates.
 */
import { BOUND_REASON, evaluate, valueToString, type Scope } from './resolve';
import type { Expr, HclBlock } from './types';

/** The kinds of wildcard, from most to least informative. */
export type HoleKind =
  'account_id' | 'region' | 'random' | 'aws_suffix' | 'workspace' | 'index' | 'segment' | 'unknown';

export type Segment = { lit: string } | { hole: HoleKind; re: string; why: string };
export type Pattern = Segment[];

/** How much one matched character of a hole counts, relative to a literal character (1). */
const HOLE_WEIGHT: Record<HoleKind, number> = {
  account_id: 0.5,
  region: 0.5,
  random: 0.4,
  aws_suffix: 0.3,
  workspace: 0.1,
  index: 0.2,
  segment: 0.1,
  unknown: 0,
};

const REGION_RE = '(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d{1,2})';
/** AWS's PrefixedUniqueId suffix: an 18-digit timestamp and an 8-hex-digit counter (26 hex characters). */
export const AWS_SUFFIX_RE = '[0-9a-f]{26}';
const SEGMENT_RE = '[^/\\s:]+';
const WORKSPACE_RE = '[A-Za-z0-9_-]+';

/** What pattern evaluation knows beyond the scope. */
export interface PatternEnv {
  /** Account ids the failure's repository can hold (one is resolved exactly through the scope). */
  accountIds?: string[];
  /** A resource of the same module by its local address ("random_id.suffix"), to read its settings. */
  block?(localAddress: string): HclBlock | undefined;
}

const lit = (s: string): Segment => ({ lit: s });
const hole = (kind: HoleKind, re: string, why: string): Segment => ({ hole: kind, re, why });
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The pattern of an expression in a scope; null when the expression cannot produce a string here. */
export function patternOf(e: Expr, scope: Scope, env: PatternEnv = {}, depth = 0): Pattern | null {
  if (depth > 32) return [hole('unknown', '.+', 'expression nested too deeply')];
  const r = evaluate(e, scope);
  if (r.known) {
    const s = valueToString(r.value);
    return s === null ? null : [lit(s)];
  }
  switch (e.t) {
    case 'tpl': {
      const out: Pattern = [];
      for (const p of e.parts) {
        const sub = typeof p === 'string' ? [lit(p)] : patternOf(p, scope, env, depth + 1);
        if (!sub) return null;
        out.push(...sub);
      }
      return out;
    }
    case 'ref':
      return refPattern(e, scope, env, depth);
    case 'call':
      return callPattern(e, scope, env, depth);
    default:
      return [hole('unknown', '.+', `${r.reason}`)];
  }
}

function refPattern(
  e: Extract<Expr, { t: 'ref' }>,
  scope: Scope,
  env: PatternEnv,
  depth: number,
): Pattern | null {
  const [first, second, third] = e.path;
  if (e.root === 'data' && first === 'aws_caller_identity' && third === 'account_id') {
    const ids = (env.accountIds ?? []).filter((a) => /^\d{12}$/.test(a));
    if (ids.length > 1)
      return [hole('account_id', `(?:${ids.join('|')})`, 'one of the configured account ids')];
    return [hole('account_id', '\\d{12}', 'the AWS account id (12 digits)')];
  }
  if (e.root === 'data' && first === 'aws_region' && ['name', 'region', 'id'].includes(String(third)))
    return [hole('region', REGION_RE, 'the AWS region')];
  if (e.root === 'terraform' && first === 'workspace')
    return [hole('workspace', WORKSPACE_RE, 'the Terraform workspace')];
  if (e.root === 'var' && typeof first === 'string' && e.path.length === 1) {
    const v = scope.vars[first];
    // Set only by named var files: the default binding cannot have built this name.
    if (v && !v.known && v.reason.includes(BOUND_REASON)) return null;
    // A local module's input that is unknown: the caller's expression, in the caller's scope.
    const input = scope.inputs?.[first];
    if (input) return patternOf(input.expr, input.scope, env, depth + 1);
    if (/(^|_)region$/.test(first)) return [hole('region', REGION_RE, `var.${first} (a region, no value)`)];
    return [hole('segment', SEGMENT_RE, `var.${first} (no value)`)];
  }
  if (e.root === 'local' && typeof first === 'string' && e.path.length === 1) {
    const ex = scope.locals[first];
    if (!ex) return [hole('unknown', '.+', `local.${first} is not declared`)];
    return patternOf(ex, { ...scope, each: undefined, count: undefined }, env, depth + 1);
  }
  if (e.root === 'count' && first === 'index') return [hole('index', '\\d+', 'count.index')];
  if (e.root === 'each' && (first === 'key' || first === 'value') && e.path.length === 1)
    return [hole('segment', SEGMENT_RE, `each.${first}`)];
  if (e.root.startsWith('random_') && typeof first === 'string' && typeof second === 'string') {
    const b = env.block?.(`${e.root}.${first}`);
    const p = b ? randomPattern(e.root, second, b, scope) : null;
    if (p) return [p];
  }
  if (/^[a-z0-9]+_[a-z0-9_]+$/.test(e.root) && typeof first === 'string' && typeof second === 'string') {
    // Another resource's configured name (aws_lambda_function.x.function_name, aws_s3_bucket.x.id).
    const b = env.block?.(`${e.root}.${first}`);
    const attr = second === 'id' || second === 'name' ? (nameAttrOf(b) ?? second) : second;
    const a = b?.attributes[attr];
    if (a && e.path.length === 2 && !(b!.attributes.count || b!.attributes.for_each))
      return patternOf(a.expr, { ...scope, each: undefined, count: undefined }, env, depth + 1);
  }
  return [
    hole(
      'unknown',
      '.+',
      `${e.root}.${e.path.filter((x) => typeof x === 'string').join('.')} is known only after apply`,
    ),
  ];
}

/** The attribute that names a resource whose `id`/`name` is its configured name (bucket, name...). */
function nameAttrOf(b: HclBlock | undefined): string | undefined {
  if (!b) return undefined;
  return ['bucket', 'name', 'function_name', 'identifier', 'cluster_identifier'].find((n) => b.attributes[n]);
}

/** The character class and length of a random provider result (null when not a name-like result). */
function randomPattern(type: string, attr: string, b: HclBlock, scope: Scope): Segment | null {
  const num = (name: string): number | undefined => {
    const a = b.attributes[name];
    const r = a ? evaluate(a.expr, scope) : undefined;
    return r?.known && typeof r.value === 'number' ? r.value : undefined;
  };
  const bool = (name: string, dflt: boolean): boolean => {
    const a = b.attributes[name];
    const r = a ? evaluate(a.expr, scope) : undefined;
    return r?.known && typeof r.value === 'boolean' ? r.value : dflt;
  };
  const where = `${type}.${b.labels[1] ?? ''}.${attr}`;
  if (type === 'random_id') {
    const n = num('byte_length');
    if (n === undefined) return hole('random', '[A-Za-z0-9_-]+', where);
    if (attr === 'hex') return hole('random', `[0-9a-f]{${n * 2}}`, `${where} (${n * 2} hex digits)`);
    if (attr === 'dec') return hole('random', '\\d+', where);
    if (attr === 'b64_url' || attr === 'id')
      return hole('random', `[A-Za-z0-9_-]{${Math.ceil((n * 4) / 3)}}`, `${where} (base64url)`);
    if (attr === 'b64_std') return hole('random', `[A-Za-z0-9+/=]{${Math.ceil(n / 3) * 4}}`, where);
    return null;
  }
  if (type === 'random_string' && (attr === 'result' || attr === 'id')) {
    const n = num('length');
    let cls = '';
    if (bool('lower', true)) cls += 'a-z';
    if (bool('upper', true)) cls += 'A-Z';
    if (bool('numeric', bool('number', true))) cls += '0-9';
    if (bool('special', true)) cls += '!@#$%&*()\\-_=+\\[\\]{}<>:?';
    if (!cls) cls = 'a-z0-9';
    return hole(
      'random',
      `[${cls}]${n === undefined ? '+' : `{${n}}`}`,
      `${where}${n ? ` (${n} characters)` : ''}`,
    );
  }
  if (type === 'random_pet' && attr === 'id') {
    const words = num('length') ?? 2;
    const sepAttr = b.attributes.separator ? evaluate(b.attributes.separator.expr, scope) : undefined;
    const sep = sepAttr?.known && typeof sepAttr.value === 'string' ? sepAttr.value : '-';
    const prefix = b.attributes.prefix ? evaluate(b.attributes.prefix.expr, scope) : undefined;
    const pre =
      prefix?.known && typeof prefix.value === 'string' ? `${escapeRe(prefix.value)}${escapeRe(sep)}` : '';
    const word = '[a-z]+';
    const re = `${pre}${word}${`${escapeRe(sep)}${word}`.repeat(Math.max(0, words - 1))}`;
    return hole('random', re, `${where} (${words} words)`);
  }
  return null;
}

function callPattern(
  e: Extract<Expr, { t: 'call' }>,
  scope: Scope,
  env: PatternEnv,
  depth: number,
): Pattern | null {
  const arg = (i: number) => (e.args[i] ? patternOf(e.args[i]!, scope, env, depth + 1) : null);
  switch (e.name) {
    case 'lower':
    case 'upper': {
      const p = arg(0);
      if (!p) return null;
      return p.map((s) =>
        'lit' in s ? lit(e.name === 'lower' ? s.lit.toLowerCase() : s.lit.toUpperCase()) : s,
      );
    }
    case 'trimspace':
    case 'tostring':
      return arg(0);
    case 'format': {
      const f = e.args[0] ? evaluate(e.args[0], scope) : undefined;
      if (!f?.known || typeof f.value !== 'string') break;
      const out: Pattern = [];
      let i = 1;
      for (const piece of f.value.split(/(%%|%[-+ #0]*\d*(?:\.\d+)?[sdvq])/)) {
        if (piece === '%%') out.push(lit('%'));
        else if (/^%.*[sdvq]$/.test(piece)) {
          const p = arg(i++);
          if (!p) return null;
          out.push(...p);
        } else if (piece) out.push(lit(piece));
      }
      return out;
    }
    case 'join': {
      const sep = e.args[0] ? evaluate(e.args[0], scope) : undefined;
      const list = e.args[1];
      if (!sep?.known || typeof sep.value !== 'string' || e.args.length !== 2 || list?.t !== 'tuple') break;
      const out: Pattern = [];
      for (const [i, it] of list.items.entries()) {
        const p = patternOf(it, scope, env, depth + 1);
        if (!p) return null;
        if (i > 0) out.push(lit(sep.value));
        out.push(...p);
      }
      return out;
    }
    case 'coalesce':
    case 'try':
      for (const a of e.args) {
        const p = patternOf(a, scope, env, depth + 1);
        if (p && !(p.length === 1 && 'lit' in p[0]! && p[0].lit === '')) return p;
      }
      return null;
  }
  return [hole('unknown', '.+', `${e.name}() of a value not known offline`)];
}

/** Merges adjacent literals, so the regex and the explanations see whole literal runs. */
export function normalize(p: Pattern): Pattern {
  const out: Pattern = [];
  for (const s of p) {
    const last = out[out.length - 1];
    if ('lit' in s && last && 'lit' in last) out[out.length - 1] = lit(last.lit + s.lit);
    else if (!('lit' in s && s.lit === '')) out.push(s);
  }
  return out;
}

/** True when the pattern is all literal text (a fully resolved name). */
export const isLiteral = (p: Pattern): boolean => p.every((s) => 'lit' in s);

/** The pattern written for people: literals as they are, wildcards as {what}. */
export function patternText(p: Pattern): string {
  return normalize(p)
    .map((s) =>
      'lit' in s ? s.lit : `{${s.hole === 'segment' || s.hole === 'unknown' ? s.why.split(' ')[0] : s.hole}}`,
    )
    .join('');
}

export interface PatternMatch {
  /** Literal characters of the name that the pattern spelled out. */
  literal: number;
  /** 0..1: literal characters (and tightly typed wildcards, weighted) over the name's length. */
  specificity: number;
}

/** Matches a name against a pattern; null when it does not match. */
export function matchPattern(pattern: Pattern, name: string): PatternMatch | null {
  const p = normalize(pattern);
  const re = new RegExp(`^${p.map((s) => ('lit' in s ? escapeRe(s.lit) : `(${s.re})`)).join('')}$`);
  const m = re.exec(name);
  if (!m) return null;
  let literal = 0;
  let weighted = 0;
  let g = 1;
  for (const s of p) {
    if ('lit' in s) {
      literal += s.lit.length;
      weighted += s.lit.length;
    } else weighted += (m[g++]?.length ?? 0) * HOLE_WEIGHT[s.hole];
  }
  return { literal, specificity: name.length > 0 ? Math.min(1, weighted / name.length) : 0 };
}

/**
 * Where a name departs from a pattern: the longest run of leading segments that matches the start of
 * the name, then what the next segment expected and what the name has there.
 */
export function explainMismatch(pattern: Pattern, name: string): string {
  const p = normalize(pattern);
  let best = 0;
  let consumed = 0;
  for (let k = 1; k <= p.length; k++) {
    const re = new RegExp(
      `^${p
        .slice(0, k)
        .map((s) => ('lit' in s ? escapeRe(s.lit) : `(?:${s.re})`))
        .join('')}`,
    );
    const m = re.exec(name);
    if (!m) break;
    best = k;
    consumed = m[0].length;
  }
  if (best === p.length) return `the name has "${name.slice(consumed)}" after the end of the pattern`;
  const next = p[best]!;
  if ('lit' in next) {
    // Skip the part of the literal that does match.
    let common = 0;
    while (common < next.lit.length && name[consumed + common] === next.lit[common]) common++;
    consumed += common;
    const rest = name.slice(consumed);
    const after = consumed > 0 ? ` (after "${name.slice(0, consumed)}")` : '';
    return `expected "${next.lit.slice(common)}" where the name has "${rest.slice(0, 40)}"${after}`;
  }
  const rest = name.slice(consumed);
  const after = consumed > 0 ? ` (after "${name.slice(0, consumed)}")` : '';
  return `expected ${next.hole.replace('_', ' ')} (${next.why}) where the name has "${rest.slice(0, 40)}"${after}`;
}
