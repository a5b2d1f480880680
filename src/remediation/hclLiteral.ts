/**
 * Text-level edits of HCL collection literals (object and tuple constructors), for fixes that set one
 * key inside a module input such as `versioning = { enabled = false }` or remove one item of
 * `ingress_with_cidr_blocks = [...]`: everything the edit does not touch (other keys, comments,
 * formatting) keeps its exact text. A value that is not a plain literal answers null (the caller
 * then refuses to guess).
 */

/** One item of a collection literal, as offsets into the scanned text. */
export interface LiteralItem {
  start: number;
  end: number;
  /** Object items: the key (unquoted), tuple items: undefined. */
  key?: string;
  valueStart: number;
  valueEnd: number;
}

/** An object (`{...}`) or tuple (`[...]`) constructor and its items. */
export interface Collection {
  kind: 'object' | 'tuple';
  open: number;
  close: number;
  items: LiteralItem[];
}

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index after a quoted string starting at `i` (templates `${…}`/`%{…}` skipped), or -1. */
function skipString(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
    else if ((c === '$' || c === '%') && t[j + 1] === '{') {
      const e = skipBalanced(t, j + 1);
      if (e < 0) return -1;
      j = e - 1;
    } else if (c === '\n') return -1;
  }
  return -1;
}

/** Index after a heredoc starting at `i` (`<<EOT` / `<<-EOT`), or -1. */
function skipHeredoc(t: string, i: number): number {
  const m = /^<<-?([A-Za-z_][\w-]*)[ \t]*\r?\n/.exec(t.slice(i));
  if (!m) return -1;
  const end = new RegExp(`^[ \\t]*${m[1]}[ \\t]*$`, 'm');
  const rest = t.slice(i + m[0].length);
  const e = end.exec(rest);
  return e ? i + m[0].length + e.index + e[0].length : -1;
}

/** Index after a comment starting at `i`, or i when there is none. */
function skipComment(t: string, i: number): number {
  if (t[i] === '#' || (t[i] === '/' && t[i + 1] === '/')) {
    const n = t.indexOf('\n', i);
    return n < 0 ? t.length : n;
  }
  if (t[i] === '/' && t[i + 1] === '*') {
    const n = t.indexOf('*/', i + 2);
    return n < 0 ? -1 : n + 2;
  }
  return i;
}

/** One token that must be skipped whole (string, heredoc, bracketed group, comment): its end, or i. */
function skipToken(t: string, i: number): number {
  const c = t[i];
  if (c === '"') return skipString(t, i);
  if (c === '<' && t[i + 1] === '<' && /[A-Za-z_-]/.test(t[i + 2] ?? '')) {
    const e = skipHeredoc(t, i);
    return e < 0 ? i : e;
  }
  if (c in CLOSERS) return skipBalanced(t, i);
  return skipComment(t, i);
}

/** Index after the bracket group opening at `i`, or -1 when it does not close. */
function skipBalanced(t: string, i: number): number {
  const want = CLOSERS[t[i]];
  for (let j = i + 1; j < t.length;) {
    if (t[j] === want) return j + 1;
    if (t[j] === ')' || t[j] === ']' || t[j] === '}') return -1;
    const e = skipToken(t, j);
    if (e < 0) return -1;
    j = e > j ? e : j + 1;
  }
  return -1;
}

/** End of an expression starting at `i`: a depth-0 separator, closer or comment ends it. */
function scanExpr(t: string, i: number, newlineEnds: boolean): number {
  let j = i;
  while (j < t.length) {
    const c = t[j];
    if (c === ',' || c === ')' || c === ']' || c === '}') break;
    if (newlineEnds && c === '\n') break;
    if (c === '#' || (c === '/' && (t[j + 1] === '/' || t[j + 1] === '*'))) break;
    const e = skipToken(t, j);
    if (e < 0) return -1;
    j = e > j ? e : j + 1;
  }
  while (j > i && /\s/.test(t[j - 1])) j--;
  return j;
}

/** Skips whitespace, comments and (optionally) commas; -1 on an unterminated comment. */
function skipGap(t: string, i: number, commas: boolean): number {
  let j = i;
  for (;;) {
    while (j < t.length && (/\s/.test(t[j]) || (commas && t[j] === ','))) j++;
    const e = skipComment(t, j);
    if (e < 0) return -1;
    if (e === j) return j;
    j = e;
  }
}

function objectKey(t: string, i: number): { key: string; end: number } | null {
  const id = /^[A-Za-z_][\w-]*/.exec(t.slice(i));
  if (id) return { key: id[0], end: i + id[0].length };
  if (t[i] === '"') {
    const e = skipString(t, i);
    if (e < 0) return null;
    const raw = t.slice(i, e);
    if (/[$%]\{/.test(raw)) return null;
    try {
      return { key: JSON.parse(raw) as string, end: e };
    } catch {
      return null;
    }
  }
  return null;
}

/** Parses the collection literal opening at `at` (after whitespace); null when it is not one. */
export function parseCollection(t: string, at = 0): Collection | null {
  const open = skipGap(t, at, false);
  if (open < 0 || (t[open] !== '{' && t[open] !== '[')) return null;
  const kind = t[open] === '{' ? 'object' : 'tuple';
  const closer = kind === 'object' ? '}' : ']';
  const items: LiteralItem[] = [];
  let i = open + 1;
  for (;;) {
    i = skipGap(t, i, true);
    if (i < 0 || i >= t.length) return null;
    if (t[i] === closer) return { kind, open, close: i, items };
    let key: string | undefined;
    let valueStart = i;
    if (kind === 'object') {
      const k = objectKey(t, i);
      if (!k) return null;
      const eq = /^[ \t]*[=:][ \t]*/.exec(t.slice(k.end));
      if (!eq) return null;
      key = k.key;
      valueStart = k.end + eq[0].length;
    }
    const valueEnd = scanExpr(t, valueStart, kind === 'object');
    if (valueEnd < 0 || valueEnd === valueStart) return null;
    items.push({ start: i, end: valueEnd, key, valueStart, valueEnd });
    i = valueEnd;
  }
}

/** The whole text is one collection literal (surrounding whitespace allowed). */
function wholeCollection(t: string, kind: Collection['kind']): Collection | null {
  const c = parseCollection(t);
  if (!c || c.kind !== kind || t.slice(c.close + 1).trim() !== '') return null;
  return c;
}

const splice = (t: string, s: number, e: number, by: string): string => t.slice(0, s) + by + t.slice(e);
const lineStartOf = (t: string, i: number): number => t.lastIndexOf('\n', i - 1) + 1;
const indentAt = (t: string, i: number): string => /^[ \t]*/.exec(t.slice(lineStartOf(t, i)))?.[0] ?? '';
const multiLine = (t: string, c: Collection): boolean => t.slice(c.open, c.close).includes('\n');

/** `{ k = v }` for a key path (nested objects), or the value itself for an empty path. */
export function nestedObjectText(keys: string[], value: string): string {
  if (keys.length === 0) return value;
  return `{\n  ${keys[0]} = ${nestedObjectText(keys.slice(1), value).replace(/\n/g, '\n  ')}\n}`;
}

/** Adds an item (`k = v` or a tuple value) at the end of a collection, in the collection's layout. */
function appendItem(t: string, c: Collection, item: string): string {
  const last = c.items[c.items.length - 1];
  const comma = c.kind === 'tuple' ? ',' : '';
  if (!last) return splice(t, c.open + 1, c.close, `\n  ${item}${comma}\n${indentAt(t, c.open)}`);
  if (!multiLine(t, c) && !item.includes('\n')) return splice(t, last.end, last.end, `, ${item}`);
  if (!multiLine(t, c)) {
    // A single-line collection gaining a multi-line item: lay it out one item a line.
    const body = [...c.items.map((x) => t.slice(x.start, x.end)), item].map((x) => `  ${x}${comma}`);
    return splice(t, c.open + 1, c.close, `\n${body.join('\n')}\n`);
  }
  const ind = indentAt(t, last.start);
  const needsComma = c.kind === 'tuple' && !/^\s*,/.test(t.slice(last.end, c.close));
  const at = t.slice(last.end, c.close).includes('\n') ? lineStartOf(t, c.close) : c.close;
  const pre = at === c.close ? '\n' : '';
  const text = `${pre}${ind}${item.replace(/\n/g, `\n${ind}`)}${comma}\n`;
  const out = splice(t, at, at, text);
  return needsComma ? splice(out, last.end, last.end, ',') : out;
}

/**
 * Sets `keys` (a path of object keys) to `value` inside an object literal, adding missing keys and
 * keeping every other byte; null when the text (or a value on the path) is not an object literal.
 */
export function setObjectKey(t: string, keys: string[], value: string): string | null {
  if (keys.length === 0) return value;
  const c = wholeCollection(t, 'object');
  if (!c) return null;
  const item = c.items.find((x) => x.key === keys[0]);
  if (!item) return appendItem(t, c, `${keys[0]} = ${nestedObjectText(keys.slice(1), value)}`);
  const inner = setObjectKey(t.slice(item.valueStart, item.valueEnd), keys.slice(1), value);
  return inner === null ? null : splice(t, item.valueStart, item.valueEnd, inner);
}

/** The items of a tuple literal with their texts; null when the text is not a tuple literal. */
export function tupleItems(t: string): string[] | null {
  const c = wholeCollection(t, 'tuple');
  return c ? c.items.map((x) => t.slice(x.valueStart, x.valueEnd)) : null;
}

/** Removes the tuple items at `indexes` (their separators and own lines too); null when not a tuple. */
export function removeTupleItems(t: string, indexes: number[]): string | null {
  const c = wholeCollection(t, 'tuple');
  if (!c) return null;
  let out = t;
  for (const idx of [...new Set(indexes)].sort((a, b) => b - a)) {
    const it = c.items[idx];
    if (!it) return null;
    let s = it.start;
    let e = it.end;
    const after = /^[ \t]*,?[ \t]*(\r?\n)?/.exec(out.slice(e))?.[0] ?? '';
    const hasComma = after.includes(',');
    if (idx === c.items.length - 1 && !hasComma && idx > 0) s = c.items[idx - 1].end;
    else {
      e += after.length;
      const ls = lineStartOf(out, s);
      if (after.includes('\n') && out.slice(ls, s).trim() === '') s = ls;
    }
    out = splice(out, s, e, '');
  }
  return out;
}

/** Replaces the tuple item at `index` with `text`; null when not a tuple or no such item. */
export function replaceTupleItem(t: string, index: number, text: string): string | null {
  const c = wholeCollection(t, 'tuple');
  const it = c?.items[index];
  return it ? splice(t, it.valueStart, it.valueEnd, text) : null;
}

/** Appends items to a tuple literal; null when the text is not a tuple literal. */
export function appendTupleItems(t: string, items: string[]): string | null {
  let out = t;
  for (const item of items) {
    const c = wholeCollection(out, 'tuple');
    if (!c) return null;
    out = appendItem(out, c, item);
  }
  return out;
}

/** Strips `indent` from the start of every line but the first (the value of an indented attribute). */
export function dedentContinuation(text: string, indent: string): string {
  if (!indent) return text;
  return text
    .split('\n')
    .map((l, i) => (i > 0 && l.startsWith(indent) ? l.slice(indent.length) : l))
    .join('\n');
}
