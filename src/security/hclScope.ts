/**
 * Where a piece of Terraform text sits: the top-level block address and the attribute path inside
 * it (nested block types, the attribute name, then object keys inside the attribute's value).
 *
 * Used to remember where each redacted secret was taken from and to check that a model answer puts
 * a placeholder back at exactly that place. The scanner is deliberately small and tolerant: it never
 * throws, and the same text in the same position always yields the same path, which is what the
 * comparison needs. Comments and text outside any attribute get the path of the enclosing body.
 */
import { localAddressOf } from '../terraform/localAddress';

/** A block address plus the attribute path inside it; `file` when known. */
export interface SecretLocation {
  file?: string;
  address: string;
  path: string[];
}

/** A stretch of text and the location it belongs to. */
export interface ScopeSpan {
  start: number;
  end: number;
  address: string;
  path: string[];
}

/** Address given to top-level blocks that cannot be the one a text was taken from. */
export const NEW_BLOCK_ADDRESS = '<new block>';

type Tok = {
  k: 'nl' | 'ident' | 'str' | 'heredoc' | 'comment' | 'punct' | 'other';
  s: number;
  e: number;
  v: string;
};

function isIdentStart(c: string): boolean {
  return /[A-Za-z_]/.test(c);
}

/** Index just past the template sequence opened at `i` (`${` or `%{`), skipping nested strings. */
function skipTemplate(text: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return j + 1;
    } else if (c === '"') j = skipString(text, j) - 1;
  }
  return text.length;
}

/** Index just past the quoted string opened at `i` (stops at an unescaped newline when unterminated). */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
    else if (c === '\n') return j;
    else if ((c === '$' || c === '%') && text[j + 1] === '{') j = skipTemplate(text, j + 1) - 1;
  }
  return text.length;
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const push = (k: Tok['k'], s: number, e: number) => out.push({ k, s, e, v: text.slice(s, e) });
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\n') {
      push('nl', i, i + 1);
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      const e = text.indexOf('\n', i);
      push('comment', i, e < 0 ? text.length : e);
      i = e < 0 ? text.length : e;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      push('comment', i, e < 0 ? text.length : e + 2);
      i = e < 0 ? text.length : e + 2;
    } else if (c === '"') {
      const e = skipString(text, i);
      push('str', i, e);
      i = e;
    } else if (c === '<' && text[i + 1] === '<') {
      const m = /^<<-?([A-Za-z_][\w-]*)[ \t]*\r?\n/.exec(text.slice(i, i + 120));
      if (!m) {
        push('other', i, i + 2);
        i += 2;
        continue;
      }
      const marker = m[1];
      let j = i + m[0].length;
      let end = text.length;
      while (j < text.length) {
        const nl = text.indexOf('\n', j);
        const line = text.slice(j, nl < 0 ? text.length : nl);
        if (line.trim() === marker) {
          end = j + line.length;
          break;
        }
        if (nl < 0) break;
        j = nl + 1;
      }
      push('heredoc', i, end);
      i = end;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < text.length && /[\w-]/.test(text[j])) j++;
      push('ident', i, j);
      i = j;
    } else if (c === '=' && (text[i + 1] === '=' || text[i + 1] === '>')) {
      push('other', i, i + 2);
      i += 2;
    } else if ((c === '!' || c === '<' || c === '>') && text[i + 1] === '=') {
      push('other', i, i + 2);
      i += 2;
    } else if ('{}[]()=:,'.includes(c)) {
      push('punct', i, i + 1);
      i++;
    } else {
      push('other', i, i + 1);
      i++;
    }
  }
  return out;
}

type Frame =
  | {
      t: 'body';
      path: string[];
      address: string;
      /** Top level of a file: headers here name top-level blocks. */
      top: boolean;
      stmt: 'start' | 'header' | 'value' | 'other';
      header: string[];
      valuePath: string[];
    }
  | {
      t: 'object';
      path: string[];
      address: string;
      key: string | null;
      expectKey: boolean;
      pending: string | null;
    }
  | { t: 'group'; path: string[]; address: string };

function unquote(v: string): string {
  return v.startsWith('"') ? v.slice(1, v.endsWith('"') && v.length > 1 ? -1 : undefined) : v;
}

export interface ScopeOptions {
  /**
   * How the text starts: `file` = top-level blocks (addresses from their headers); `block` = one
   * top-level block whose address is `address` (any further top-level block is a new block);
   * `body` = the inside of a block at `address` / `basePath`; `value` = an attribute value at
   * `address` / `basePath` (the attribute path).
   */
  mode: 'file' | 'block' | 'body' | 'value';
  address?: string;
  basePath?: string[];
}

/** Splits Terraform text into spans, each with the block address and attribute path it belongs to. */
export function hclScopes(text: string, opts: ScopeOptions): ScopeSpan[] {
  const toks = tokenize(text);
  const base = opts.basePath ?? [];
  const addr = opts.address ?? '';
  const stack: Frame[] = [];
  const root: Frame = {
    t: 'body',
    path: opts.mode === 'value' ? base.slice(0, -1) : opts.mode === 'body' ? base : [],
    address: addr,
    top: opts.mode === 'file' || opts.mode === 'block',
    stmt: opts.mode === 'value' ? 'value' : 'start',
    header: [],
    valuePath: opts.mode === 'value' ? base : [],
  };
  stack.push(root);
  let firstTop = true;
  const spans: ScopeSpan[] = [];
  const pathOf = (f: Frame): string[] => {
    if (f.t === 'body') return f.stmt === 'value' ? f.valuePath : f.path;
    if (f.t === 'object') return f.key !== null ? [...f.path, f.key] : f.path;
    return f.path;
  };
  const record = (tok: Tok, f: Frame) => {
    if (tok.k !== 'nl') spans.push({ start: tok.s, end: tok.e, address: f.address, path: pathOf(f) });
  };
  const pushValueFrame = (tok: Tok, f: Frame): boolean => {
    const p = pathOf(f);
    if (tok.v === '{') {
      stack.push({ t: 'object', path: p, address: f.address, key: null, expectKey: true, pending: null });
      return true;
    }
    if (tok.v === '[' || tok.v === '(') {
      stack.push({ t: 'group', path: p, address: f.address });
      return true;
    }
    return false;
  };
  for (const tok of toks) {
    const f = stack[stack.length - 1] ?? root;
    if (f.t === 'body') {
      if (tok.k === 'nl') {
        f.stmt = 'start';
        f.header = [];
        continue;
      }
      if (tok.k === 'punct' && tok.v === '}') {
        record(tok, f);
        if (stack.length > 1) stack.pop();
        continue;
      }
      if (f.stmt === 'start' && tok.k === 'ident') {
        record(tok, f);
        f.stmt = 'header';
        f.header = [tok.v];
        continue;
      }
      if (f.stmt === 'header') {
        if (tok.k === 'punct' && tok.v === '=' && f.header.length === 1) {
          record(tok, f);
          f.stmt = 'value';
          f.valuePath = [...f.path, f.header[0]];
          continue;
        }
        if (tok.k === 'ident' || tok.k === 'str') {
          record(tok, f);
          f.header.push(unquote(tok.v));
          continue;
        }
        if (tok.k === 'punct' && tok.v === '{') {
          record(tok, f);
          const [kind, ...labels] = f.header;
          let address = f.address;
          let path = [...f.path, kind];
          if (f.top) {
            path = [];
            if (opts.mode === 'block') address = firstTop ? addr : NEW_BLOCK_ADDRESS;
            else address = localAddressOf(kind, labels);
            firstTop = false;
          }
          f.stmt = 'other';
          stack.push({ t: 'body', path, address, top: false, stmt: 'start', header: [], valuePath: [] });
          continue;
        }
        f.stmt = 'other';
      }
      if (f.stmt === 'value') {
        record(tok, f);
        pushValueFrame(tok, f);
        continue;
      }
      record(tok, f);
      if (tok.k === 'punct' && tok.v === '{')
        stack.push({ ...f, top: false, stmt: 'start', header: [], valuePath: [] });
      continue;
    }
    if (f.t === 'object') {
      if (tok.k === 'nl' || (tok.k === 'punct' && tok.v === ',')) {
        record(tok, f);
        f.key = null;
        f.expectKey = true;
        f.pending = null;
        continue;
      }
      if (tok.k === 'punct' && tok.v === '}') {
        f.key = null;
        record(tok, f);
        stack.pop();
        continue;
      }
      if (tok.k === 'comment') {
        record(tok, f);
        continue;
      }
      if (f.expectKey && (tok.k === 'ident' || tok.k === 'str')) {
        record(tok, f);
        f.pending = unquote(tok.v);
        f.expectKey = false;
        continue;
      }
      if (f.pending !== null && tok.k === 'punct' && (tok.v === '=' || tok.v === ':')) {
        record(tok, f);
        f.key = f.pending;
        f.pending = null;
        continue;
      }
      f.pending = null;
      f.expectKey = false;
      record(tok, f);
      pushValueFrame(tok, f);
      continue;
    }
    // group
    if (tok.k === 'nl') continue;
    record(tok, f);
    if (tok.k === 'punct' && (tok.v === ']' || tok.v === ')' || tok.v === '}')) {
      stack.pop();
      continue;
    }
    pushValueFrame(tok, f);
  }
  return spans;
}

/** The span containing offset `pos` (spans are in text order), or undefined (whitespace). */
export function spanAt(spans: ScopeSpan[], pos: number): ScopeSpan | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid];
    if (pos < s.start) hi = mid - 1;
    else if (pos >= s.end) lo = mid + 1;
    else return s;
  }
  return undefined;
}

const BLOCK_TAG = /<block role="[^"]*" file="([^"]*)" address="([^"]*)">\n/g;

/**
 * Locations of the given offsets in a prompt-like text: inside a `<block file=… address=…>` section
 * the block's file and address and the attribute path; outside any section (or in a text without
 * sections, scanned as a Terraform file) per the text itself. Undefined = not inside any attribute
 * we can name (such values can never be restored).
 */
export function locateOffsets(text: string, offsets: number[]): (SecretLocation | undefined)[] {
  const sections: { start: number; end: number; file: string; spans: ScopeSpan[] }[] = [];
  for (const m of text.matchAll(BLOCK_TAG)) {
    const start = (m.index ?? 0) + m[0].length;
    const close = text.indexOf('\n</block>', start);
    const end = close < 0 ? text.length : close;
    const spans = hclScopes(text.slice(start, end), { mode: 'block', address: m[2] });
    sections.push({ start, end, file: m[1], spans });
  }
  const whole = sections.length ? undefined : hclScopes(text, { mode: 'file' });
  return offsets.map((pos) => {
    if (whole) {
      const s = spanAt(whole, pos);
      return s && s.address ? { address: s.address, path: s.path } : undefined;
    }
    const sec = sections.find((x) => pos >= x.start && pos < x.end);
    if (!sec) return undefined;
    const s = spanAt(sec.spans, pos - sec.start);
    return s ? { file: sec.file, address: s.address, path: s.path } : undefined;
  });
}

/** True when two locations name the same file (when both know it), block and attribute path. */
export function sameLocation(a: SecretLocation, b: SecretLocation): boolean {
  const norm = (f: string | undefined) => (f === undefined ? undefined : f.replace(/^(\.\/)+/, ''));
  if (a.file !== undefined && b.file !== undefined && norm(a.file) !== norm(b.file)) return false;
  return (
    a.address === b.address && a.path.length === b.path.length && a.path.every((p, i) => p === b.path[i])
  );
}

/** Human-readable form of a location for error messages. */
export function describeLocation(l: SecretLocation): string {
  return `${l.file ? `${l.file}: ` : ''}${l.address}${l.path.length ? ` ${l.path.join('.')}` : ''}`;
}
