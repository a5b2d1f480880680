/**
 * Static evaluation of Terraform expressions, good enough to match names: literals, var.*, local.*,
 * interpolation, each/count, a set of pure functions, data.aws_caller_identity / data.aws_region from
 * the failure's account/region. Anything else is "unknown" with a reason, never a guess.
 */
import type { Expr, HclValue, Resolved, ResolutionContext } from './types';

/** Evaluation scope of one module instance (plus each/count for a resource instance). */
export interface Scope {
  vars: Record<string, Resolved>;
  locals: Record<string, Expr>;
  /** Cache of evaluated locals, shared by every scope derived from the same module instance. */
  localCache: Map<string, Resolved>;
  ctx: ResolutionContext;
  each?: { key: HclValue; value: HclValue };
  count?: { index: number };
  /** Module outputs of local child modules, keyed by module name (lazily evaluated). */
  moduleOutputs?: (name: string) => Resolved;
  /** In a local child module: the caller's input expressions and their scope (for name patterns). */
  inputs?: Record<string, { expr: Expr; scope: Scope }>;
}

/**
 * The reason of a root variable that only named var files set, in the default binding: a name built
 * from it cannot come from that binding (Terraform would ask for the value).
 */
export const BOUND_REASON = 'set only by a named var file';

/** Depth past which evaluate and collectRefs stop (parsed trees are already limited to 64 levels). */
export const MAX_EXPR_DEPTH = 64;

const known = (value: HclValue): Resolved => ({ known: true, value });
const unknown = (reason: string): Resolved => ({ known: false, reason });

/** Renders a value the way Terraform interpolation does (strings verbatim, others as JSON). */
export function valueToString(v: HclValue): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function refText(e: Extract<Expr, { t: 'ref' }>): string {
  return [
    e.root,
    ...e.path.map((p) => (typeof p === 'string' ? p : typeof p === 'number' ? `[${p}]` : '[…]')),
  ]
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Evaluates an expression in a scope. */
export function evaluate(e: Expr, scope: Scope, depth = 0): Resolved {
  if (depth > MAX_EXPR_DEPTH) return unknown('expression nested too deeply');
  switch (e.t) {
    case 'lit':
      return known(e.v);
    case 'tpl': {
      let s = '';
      for (const p of e.parts) {
        if (typeof p === 'string') s += p;
        else {
          const r = evaluate(p, scope, depth + 1);
          if (!r.known) return r;
          const str = valueToString(r.value);
          if (str === null) return unknown('interpolates a non-string value');
          s += str;
        }
      }
      return known(s);
    }
    case 'tuple': {
      const out: HclValue[] = [];
      for (const it of e.items) {
        const r = evaluate(it, scope, depth + 1);
        if (!r.known) return r;
        out.push(r.value);
      }
      return known(out);
    }
    case 'object': {
      const out: Record<string, HclValue> = {};
      for (const it of e.items) {
        const k = evaluate(it.key, scope, depth + 1);
        if (!k.known) return k;
        const ks = valueToString(k.value);
        if (ks === null) return unknown('object key is not a string');
        const v = evaluate(it.val, scope, depth + 1);
        if (!v.known) return v;
        out[ks] = v.value;
      }
      return known(out);
    }
    case 'ref':
      return evalRef(e, scope, depth);
    case 'call':
      return evalCall(e, scope, depth);
    case 'cond': {
      const c = evaluate(e.cond, scope, depth + 1);
      if (!c.known) return c;
      if (typeof c.value !== 'boolean') return unknown('condition is not a boolean');
      return evaluate(c.value ? e.then : e.else, scope, depth + 1);
    }
    case 'op': {
      const args = e.args.map((a) => evaluate(a, scope, depth + 1));
      const bad = args.find((a) => !a.known);
      if (bad) return bad;
      const v = args.map((a) => (a as { value: HclValue }).value);
      return evalOp(e.op, v);
    }
    case 'other':
      return unknown(`unsupported expression: ${e.text.slice(0, 60)}`);
  }
}

function evalOp(op: string, v: HclValue[]): Resolved {
  const [a, b] = v;
  switch (op) {
    case 'u!':
      return typeof a === 'boolean' ? known(!a) : unknown('! on a non-boolean');
    case 'u-':
      return typeof a === 'number' ? known(-a) : unknown('- on a non-number');
    case '==':
      return known(JSON.stringify(a) === JSON.stringify(b));
    case '!=':
      return known(JSON.stringify(a) !== JSON.stringify(b));
    case '&&':
      return typeof a === 'boolean' && typeof b === 'boolean' ? known(a && b) : unknown('&& on non-booleans');
    case '||':
      return typeof a === 'boolean' && typeof b === 'boolean' ? known(a || b) : unknown('|| on non-booleans');
  }
  if (typeof a !== 'number' || typeof b !== 'number') return unknown(`operator ${op} on non-numbers`);
  switch (op) {
    case '+':
      return known(a + b);
    case '-':
      return known(a - b);
    case '*':
      return known(a * b);
    case '/':
      return b === 0 ? unknown('division by zero') : known(a / b);
    case '%':
      return b === 0 ? unknown('division by zero') : known(a % b);
    case '<':
      return known(a < b);
    case '>':
      return known(a > b);
    case '<=':
      return known(a <= b);
    case '>=':
      return known(a >= b);
  }
  return unknown(`unsupported operator ${op}`);
}

function walkPath(
  base: HclValue,
  p: (string | number | Expr)[],
  scope: Scope,
  depth: number,
  what: string,
): Resolved {
  let cur: HclValue = base;
  for (const seg of p) {
    let k: string | number;
    if (typeof seg === 'object') {
      const r = evaluate(seg, scope, depth + 1);
      if (!r.known) return r;
      if (typeof r.value !== 'string' && typeof r.value !== 'number') return unknown(`${what}: bad index`);
      k = r.value;
    } else k = seg;
    if (Array.isArray(cur) && typeof k === 'number') {
      if (k < 0 || k >= cur.length) return unknown(`${what}: index ${k} out of range`);
      cur = cur[k];
    } else if (cur && typeof cur === 'object' && !Array.isArray(cur)) {
      const key = String(k);
      if (!(key in cur)) return unknown(`${what}: no key "${key}"`);
      cur = cur[key];
    } else return unknown(`${what}: cannot index a ${cur === null ? 'null' : typeof cur}`);
  }
  return known(cur);
}

const inProgress = Symbol('inProgress');

function evalRef(e: Extract<Expr, { t: 'ref' }>, scope: Scope, depth: number): Resolved {
  const text = refText(e);
  const [first, ...rest] = e.path;
  switch (e.root) {
    case 'var': {
      if (typeof first !== 'string') return unknown(`bad reference ${text}`);
      const v = scope.vars[first];
      if (!v) return unknown(`variable "${first}" is not declared`);
      if (!v.known) return unknown(`var.${first}: ${v.reason}`);
      return walkPath(v.value, rest, scope, depth, text);
    }
    case 'local': {
      if (typeof first !== 'string') return unknown(`bad reference ${text}`);
      const cached = scope.localCache.get(first) as Resolved | typeof inProgress | undefined;
      let v: Resolved;
      if (cached === inProgress) return unknown(`local.${first} refers to itself`);
      if (cached) v = cached;
      else {
        const ex = scope.locals[first];
        if (!ex) return unknown(`local "${first}" is not declared`);
        (scope.localCache as Map<string, unknown>).set(first, inProgress);
        // Locals never see each/count: evaluate in the module scope.
        v = evaluate(ex, { ...scope, each: undefined, count: undefined }, depth + 1);
        scope.localCache.set(first, v);
      }
      if (!v.known) return unknown(`local.${first}: ${v.reason}`);
      return walkPath(v.value, rest, scope, depth, text);
    }
    case 'each': {
      if (!scope.each) return unknown(`${text} depends on the for_each instance`);
      if (first === 'key') return walkPath(scope.each.key, rest, scope, depth, text);
      if (first === 'value') return walkPath(scope.each.value, rest, scope, depth, text);
      return unknown(`bad reference ${text}`);
    }
    case 'count': {
      if (!scope.count) return unknown(`${text} depends on the count instance`);
      if (first === 'index') return known(scope.count.index);
      return unknown(`bad reference ${text}`);
    }
    case 'data': {
      const [type, , attr] = e.path;
      if (type === 'aws_caller_identity' && attr === 'account_id') {
        return scope.ctx.accountId
          ? known(scope.ctx.accountId)
          : unknown('account id not known (no failure accountId)');
      }
      if (type === 'aws_region' && (attr === 'name' || attr === 'region' || attr === 'id')) {
        return scope.ctx.region ? known(scope.ctx.region) : unknown('region not known (no failure region)');
      }
      if (type === 'aws_partition' && attr === 'partition') return known('aws');
      return unknown(`${text} is known only after apply`);
    }
    case 'module': {
      if (typeof first !== 'string' || typeof e.path[1] !== 'string' || !scope.moduleOutputs)
        return unknown(`${text} is a module output`);
      const out = scope.moduleOutputs(first);
      if (!out.known) return unknown(`${text}: ${out.reason}`);
      return walkPath(out.value, e.path.slice(1), scope, depth, text);
    }
    case 'path':
    case 'terraform':
    case 'self':
      return unknown(`${text} is not resolved statically`);
    default:
      return unknown(`${text} is known only after apply`);
  }
}

function str(v: HclValue): string | null {
  return valueToString(v);
}

function sprintf(fmt: string, args: HclValue[]): string | null {
  let i = 0;
  let failed = false;
  const out = fmt.replace(/%(%|-?0?\d*(?:\.\d+)?[sdvqft])/g, (m, spec: string) => {
    if (spec === '%') return '%';
    const a = args[i++];
    if (a === undefined) {
      failed = true;
      return m;
    }
    const conv = spec[spec.length - 1];
    // Width and flags: "%02d" pads with zeros, "%5s" with spaces, "%-5s" on the right.
    const w = /^(-?)(0?)(\d*)/.exec(spec)!;
    const pad = (v: string): string => {
      const width = Number(w[3] || 0);
      if (v.length >= width) return v;
      if (w[1]) return v.padEnd(width);
      return w[2] && conv === 'd' ? v.padStart(width, '0') : v.padStart(width);
    };
    if (conv === 'q') return JSON.stringify(str(a) ?? '');
    if (conv === 'd') return typeof a === 'number' ? pad(String(Math.trunc(a))) : ((failed = true), m);
    const s = str(a);
    if (s === null) {
      if (conv === 'v') return JSON.stringify(a);
      failed = true;
      return m;
    }
    return pad(s);
  });
  return failed ? null : out;
}

function evalCall(e: Extract<Expr, { t: 'call' }>, scope: Scope, depth: number): Resolved {
  if (e.name === 'try' || e.name === 'coalesce') {
    for (const a of e.args) {
      const r = evaluate(a, scope, depth + 1);
      if (r.known && (e.name === 'try' || (r.value !== null && r.value !== ''))) return r;
    }
    return unknown(`${e.name}(): no argument resolved`);
  }
  const rs = e.args.map((a) => evaluate(a, scope, depth + 1));
  const bad = rs.find((r) => !r.known);
  if (bad) return bad;
  let a = rs.map((r) => (r as { value: HclValue }).value);
  if (e.expand && a.length > 0) {
    const last = a[a.length - 1];
    if (!Array.isArray(last)) return unknown('... expansion of a non-list');
    a = [...a.slice(0, -1), ...last];
  }
  const s0 = a.length > 0 ? str(a[0]) : null;
  const isList = (v: HclValue): v is HclValue[] => Array.isArray(v);
  const isMap = (v: HclValue): v is Record<string, HclValue> =>
    !!v && typeof v === 'object' && !Array.isArray(v);
  switch (e.name) {
    case 'lower':
      return s0 !== null ? known(s0.toLowerCase()) : unknown('lower() of a non-string');
    case 'upper':
      return s0 !== null ? known(s0.toUpperCase()) : unknown('upper() of a non-string');
    case 'title':
      return s0 !== null
        ? known(s0.replace(/\b\w/g, (c) => c.toUpperCase()))
        : unknown('title() of a non-string');
    case 'trimspace':
      return s0 !== null ? known(s0.trim()) : unknown('trimspace() of a non-string');
    case 'tostring':
      return s0 !== null ? known(s0) : unknown('tostring() of a collection');
    case 'tonumber':
      return s0 !== null && !Number.isNaN(Number(s0)) ? known(Number(s0)) : unknown('tonumber() failed');
    case 'tobool':
      return s0 === 'true' || s0 === 'false' ? known(s0 === 'true') : unknown('tobool() failed');
    case 'format': {
      if (s0 === null) return unknown('format() with a non-string format');
      const r = sprintf(s0, a.slice(1));
      return r === null ? unknown('format() arguments not supported') : known(r);
    }
    case 'join': {
      const lists = a.slice(1);
      if (s0 === null || !lists.every(isList)) return unknown('join() arguments');
      const parts = lists.flat().map(str);
      return parts.every((p) => p !== null) ? known(parts.join(s0)) : unknown('join() of non-strings');
    }
    case 'split': {
      const s1 = a.length > 1 ? str(a[1]) : null;
      return s0 !== null && s1 !== null ? known(s1.split(s0)) : unknown('split() arguments');
    }
    case 'replace': {
      const [s, f, r] = a.map(str);
      if (s == null || f == null || r == null) return unknown('replace() arguments');
      if (f.length > 1 && f.startsWith('/') && f.endsWith('/')) return unknown('replace() with a regex');
      return known(s.split(f).join(r));
    }
    case 'substr': {
      const [s, off, len] = a;
      if (typeof s !== 'string' || typeof off !== 'number' || typeof len !== 'number')
        return unknown('substr()');
      return known(len < 0 ? s.slice(off) : s.slice(off, off + len));
    }
    case 'concat':
      return a.every(isList) ? known(a.flat(1)) : unknown('concat() of non-lists');
    case 'merge': {
      if (!a.every((x) => x === null || isMap(x))) return unknown('merge() of non-maps');
      return known(Object.assign({}, ...a.filter((x) => x !== null)) as HclValue);
    }
    case 'toset':
    case 'distinct': {
      if (!isList(a[0])) return unknown(`${e.name}() of a non-list`);
      const seen = new Set<string>();
      const out: HclValue[] = [];
      for (const x of a[0]) {
        const k = JSON.stringify(x);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(x);
        }
      }
      if (e.name === 'toset' && out.every((x) => typeof x === 'string'))
        out.sort((x, y) => ((x as string) < (y as string) ? -1 : 1));
      return known(out);
    }
    case 'tolist':
    case 'tomap':
      return known(a[0]);
    case 'flatten': {
      if (!isList(a[0])) return unknown('flatten() of a non-list');
      const flat = (l: HclValue[]): HclValue[] => l.flatMap((x) => (Array.isArray(x) ? flat(x) : [x]));
      return known(flat(a[0]));
    }
    case 'compact':
      return isList(a[0])
        ? known(a[0].filter((x) => x !== null && x !== ''))
        : unknown('compact() of a non-list');
    case 'length':
      if (typeof a[0] === 'string') return known([...a[0]].length);
      if (isList(a[0])) return known(a[0].length);
      if (isMap(a[0])) return known(Object.keys(a[0]).length);
      return unknown('length() of a scalar');
    case 'keys':
      return isMap(a[0]) ? known(Object.keys(a[0]).sort()) : unknown('keys() of a non-map');
    case 'values':
      return isMap(a[0])
        ? known(
            Object.keys(a[0])
              .sort()
              .map((k) => (a[0] as Record<string, HclValue>)[k]),
          )
        : unknown('values() of a non-map');
    case 'lookup': {
      const m = a[0];
      const k = a.length > 1 ? str(a[1]) : null;
      if (!isMap(m) || k === null) return unknown('lookup() arguments');
      if (k in m) return known(m[k]);
      return a.length > 2 ? known(a[2]) : unknown(`lookup(): no key "${k}"`);
    }
    case 'element': {
      const [l, i] = a;
      if (!isList(l) || typeof i !== 'number' || l.length === 0) return unknown('element() arguments');
      return known(l[i % l.length]);
    }
    case 'contains':
      return isList(a[0])
        ? known(a[0].some((x) => JSON.stringify(x) === JSON.stringify(a[1])))
        : unknown('contains()');
    case 'min':
    case 'max':
      return a.every((x) => typeof x === 'number')
        ? known(e.name === 'min' ? Math.min(...(a as number[])) : Math.max(...(a as number[])))
        : unknown(`${e.name}() of non-numbers`);
    case 'jsonencode':
      return known(JSON.stringify(a[0]));
    case 'zipmap': {
      const [k, v] = a;
      if (!isList(k) || !isList(v) || k.length !== v.length) return unknown('zipmap() arguments');
      const out: Record<string, HclValue> = {};
      k.forEach((kk, i) => {
        out[String(kk)] = v[i];
      });
      return known(out);
    }
    default:
      return unknown(`function ${e.name}() is not evaluated statically`);
  }
}

/**
 * Every reference (root + static path prefix) that appears in an expression, e.g. "aws_s3_bucket.b.id".
 * Sub-expressions deeper than MAX_EXPR_DEPTH * 2 are not visited (a guard for hand-built trees).
 */
export function collectRefs(e: Expr, out: string[] = [], scanText = true, depth = 0): string[] {
  if (depth > MAX_EXPR_DEPTH * 2) return out;
  const d = depth + 1;
  switch (e.t) {
    case 'ref': {
      const segs = [e.root];
      for (const p of e.path) {
        if (typeof p === 'string') segs.push(p);
        else break;
      }
      out.push(segs.join('.'));
      for (const p of e.path) if (typeof p === 'object') collectRefs(p, out, scanText, d);
      break;
    }
    case 'tpl':
      for (const p of e.parts) if (typeof p !== 'string') collectRefs(p, out, scanText, d);
      break;
    case 'tuple':
      e.items.forEach((i) => collectRefs(i, out, scanText, d));
      break;
    case 'object':
      e.items.forEach((i) => {
        collectRefs(i.key, out, scanText, d);
        collectRefs(i.val, out, scanText, d);
      });
      break;
    case 'call':
      e.args.forEach((i) => collectRefs(i, out, scanText, d));
      break;
    case 'cond':
      collectRefs(e.cond, out, scanText, d);
      collectRefs(e.then, out, scanText, d);
      collectRefs(e.else, out, scanText, d);
      break;
    case 'op':
      e.args.forEach((i) => collectRefs(i, out, scanText, d));
      break;
    case 'other':
      if (!scanText) break;
      // Unparsed (for expressions, splats): scan the text for traversal roots.
      for (const m of e.text.matchAll(
        /\b(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)?/g,
      ))
        out.push(m[0]);
      break;
    case 'lit':
      break;
  }
  return out;
}
