/**
 * tree-sitter (web-tree-sitter + tree-sitter-terraform.wasm) parsing into plain block/expression
 * records. The parser is initialised once per process and reused. Offsets are UTF-16 indices.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { Expr, FileError, HclAttribute, HclNestedBlock, SourceRange } from './types';

let parserPromise: Promise<Parser> | undefined;

/** The process-wide parser (lazy singleton). */
export function getParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const wasm = path.join(
      path.dirname(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/package.json')),
      'tree-sitter-terraform.wasm',
    );
    // Pass bytes: Language.load(path) uses a dynamic import that jest's CommonJS runtime rejects.
    const lang = await Language.load(new Uint8Array(await readFile(wasm)));
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  parserPromise.catch(() => {
    parserPromise = undefined;
  });
  return parserPromise;
}

/** A top-level block as parsed, before module/address resolution. */
export interface ParsedBlock {
  type: string;
  labels: string[];
  range: SourceRange;
  /** Range of the body between the braces (after "{", before "}"). */
  bodyStart: number;
  bodyEnd: number;
  attributes: Record<string, HclAttribute>;
  blocks: ParsedNested[];
}

export interface ParsedNested extends HclNestedBlock {
  bodyStart: number;
  bodyEnd: number;
  blocks: ParsedNested[];
}

export interface ParsedFile {
  blocks: ParsedBlock[];
  /** Top-level attributes (only legal in .tfvars files). */
  attributes: Record<string, HclAttribute>;
  errors: FileError[];
}

/** The source range of a tree-sitter node. */
export function rangeOf(n: Node): SourceRange {
  return {
    startByte: n.startIndex,
    endByte: n.endIndex,
    startLine: n.startPosition.row + 1,
    endLine: n.endPosition.row + 1,
  };
}

const UNKNOWN_VALUE = { known: false as const, reason: 'not resolved yet' };

/**
 * Deepest nesting a file may have: blocks, expressions (every bracket, brace, parenthesis, call
 * argument, operator operand, interpolation) and template directives each count as a level. Deeper
 * files are a per-file parse error, so no recursive walk (conversion, evaluation, reference
 * collection, cloning) ever sees a deeper tree.
 */
export const MAX_HCL_NESTING = 64;
/** Largest file text (UTF-8 bytes) that is parsed; larger files are a per-file parse error. */
export const MAX_HCL_FILE_BYTES = 2 * 1024 * 1024;
/** Raw syntax-tree depth limit, a backstop for node chains that do not count as nesting levels. */
const MAX_TREE_DEPTH = MAX_HCL_NESTING * 8;
const NESTING_TYPES = new Set(['block', 'expression', 'template_directive']);

/**
 * Walks the tree iteratively and returns the first place where it nests deeper than the limits, or
 * null. Runs before any recursive conversion of the tree.
 */
function tooDeep(root: Node, maxNesting: number): { line: number; message: string } | null {
  const cursor = root.walk();
  try {
    // levels[i] = nesting level of the node at raw depth i on the current path.
    const levels: number[] = [];
    let depth = 0;
    for (;;) {
      const level = (depth > 0 ? levels[depth - 1] : 0) + (NESTING_TYPES.has(cursor.nodeType) ? 1 : 0);
      levels[depth] = level;
      if (level > maxNesting || depth > MAX_TREE_DEPTH)
        return { line: cursor.startPosition.row + 1, message: `nesting deeper than ${maxNesting}` };
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return null;
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

/**
 * Parses one file's text; files over the size or nesting limits yield only an error. There is no cache
 * here: an index keeps its files' parses and verification reuses them (overlayIndex), so a
 * process-wide cache would only hold memory (and clone every result).
 */
export async function parseHcl(text: string, file: string): Promise<ParsedFile> {
  const fail = (line: number, message: string): ParsedFile => ({
    blocks: [],
    attributes: {},
    errors: [{ file, line, message }],
  });
  if (text.length > MAX_HCL_FILE_BYTES || Buffer.byteLength(text, 'utf8') > MAX_HCL_FILE_BYTES)
    return fail(1, `file larger than ${MAX_HCL_FILE_BYTES} bytes`);
  const parser = await getParser();
  const tree = parser.parse(text);
  if (!tree) return fail(1, 'parser returned no tree');
  try {
    const root = tree.rootNode;
    const deep = tooDeep(root, MAX_HCL_NESTING);
    if (deep) return fail(deep.line, deep.message);
    const errors: FileError[] = [];
    if (root.hasError) collectErrors(root, file, errors);
    const body = root.namedChildren.find((c) => c?.type === 'body');
    const out: ParsedFile = { blocks: [], attributes: {}, errors };
    if (!body) return out;
    for (const c of body.namedChildren) {
      if (!c) continue;
      if (c.type === 'block') {
        const nb = convertBlock(c, text);
        out.blocks.push({
          type: nb.type,
          labels: nb.labels,
          range: nb.range,
          bodyStart: nb.bodyStart,
          bodyEnd: nb.bodyEnd,
          attributes: nb.attributes,
          blocks: nb.blocks,
        });
      } else if (c.type === 'attribute') {
        const a = convertAttribute(c, text);
        if (a) out.attributes[a.name] = a;
      }
    }
    return out;
  } finally {
    tree.delete();
  }
}

function collectErrors(n: Node, file: string, out: FileError[]): void {
  if (out.length >= 20) return;
  if (n.isMissing) {
    out.push({ file, line: n.startPosition.row + 1, message: `syntax error: missing ${n.type}` });
    return;
  }
  if (n.type === 'ERROR') {
    out.push({ file, line: n.startPosition.row + 1, message: `syntax error near "${n.text.slice(0, 40)}"` });
    return;
  }
  if (!n.hasError) return;
  for (const c of n.children) if (c) collectErrors(c, file, out);
}

function labelText(n: Node): string {
  if (n.type === 'identifier') return n.text;
  // string_lit: quoted_template_start template_literal? quoted_template_end
  const lit = n.namedChildren.find((c) => c?.type === 'template_literal');
  return lit ? lit.text : '';
}

function convertBlock(n: Node, text: string): ParsedNested {
  let type = '';
  const labels: string[] = [];
  let bodyStart = -1;
  let bodyEnd = -1;
  const attributes: Record<string, HclAttribute> = {};
  const blocks: ParsedNested[] = [];
  for (const c of n.children) {
    if (!c) continue;
    if (c.type === 'identifier' && !type) type = c.text;
    else if ((c.type === 'identifier' || c.type === 'string_lit') && bodyStart < 0) labels.push(labelText(c));
    else if (c.type === 'block_start') bodyStart = c.endIndex;
    else if (c.type === 'block_end') bodyEnd = c.startIndex;
    else if (c.type === 'body') {
      for (const b of c.namedChildren) {
        if (!b) continue;
        if (b.type === 'attribute') {
          const a = convertAttribute(b, text);
          if (a) attributes[a.name] = a;
        } else if (b.type === 'block') blocks.push(convertBlock(b, text));
      }
    }
  }
  if (bodyStart < 0) bodyStart = n.endIndex;
  if (bodyEnd < bodyStart) bodyEnd = bodyStart;
  return { type, labels, range: rangeOf(n), bodyStart, bodyEnd, attributes, blocks };
}

function convertAttribute(n: Node, text: string): HclAttribute | null {
  const id = n.namedChildren.find((c) => c?.type === 'identifier');
  const ex = n.namedChildren.find((c) => c?.type === 'expression');
  if (!id) return null;
  return {
    name: id.text,
    exprText: ex ? text.slice(ex.startIndex, ex.endIndex) : '',
    expr: ex ? convertExpr(ex) : { t: 'other', text: '' },
    range: rangeOf(n),
    value: UNKNOWN_VALUE,
  };
}

function unquoteTemplateLiteral(s: string): string {
  return s.replace(
    /\\(["\\nrt])|\\u([0-9a-fA-F]{4})|\$\$\{|%%\{/g,
    (m, c: string | undefined, u?: string) => {
      if (u) return String.fromCharCode(parseInt(u, 16));
      if (m === '$${') return '${';
      if (m === '%%{') return '%{';
      switch (c) {
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        default:
          return c ?? m;
      }
    },
  );
}

function templateParts(n: Node, heredoc: boolean): Expr {
  const parts: (string | Expr)[] = [];
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'template_literal') parts.push(heredoc ? c.text : unquoteTemplateLiteral(c.text));
    else if (c.type === 'template_interpolation') {
      const e = c.namedChildren.find((x) => x?.type === 'expression');
      parts.push(e ? convertExpr(e) : { t: 'other', text: c.text });
    } else if (c.type === 'template_directive') parts.push({ t: 'other', text: c.text });
  }
  if (parts.length === 0) return { t: 'lit', v: '' };
  if (parts.length === 1 && typeof parts[0] === 'string') return { t: 'lit', v: parts[0] };
  if (parts.every((p) => typeof p === 'string')) return { t: 'lit', v: parts.join('') };
  return { t: 'tpl', parts };
}

/** Converts a tree-sitter expression node into the compact Expr form (trees pre-checked by tooDeep). */
/** One expression from its terms: a reference (`var.x.y[0]`) or a single nested term. */
function convertTerms(kids: Node[], text: string): Expr {
  if (kids.length === 0) return { t: 'other', text };
  const first = kids[0]!;
  if (first.type === 'variable_expr') {
    const root = first.namedChildren[0]?.text ?? first.text;
    const p: (string | number | Expr)[] = [];
    for (const k of kids.slice(1)) {
      if (k.type === 'get_attr') p.push(k.namedChildren[0]?.text ?? '');
      else if (k.type === 'index') {
        const inner = k.namedChildren[0];
        if (inner?.type === 'new_index') {
          const e = inner.namedChildren[0];
          const ce = e ? convertExpr(e) : ({ t: 'other', text: inner.text } as Expr);
          p.push(ce.t === 'lit' && (typeof ce.v === 'string' || typeof ce.v === 'number') ? ce.v : ce);
        } else if (inner?.type === 'legacy_index') {
          p.push(Number(inner.text.replace(/^\./, '')));
        } else return { t: 'other', text };
      } else return { t: 'other', text };
    }
    return { t: 'ref', root, path: p };
  }
  if (kids.length === 1) return convertExpr(first);
  return { t: 'other', text };
}

export function convertExpr(n: Node): Expr {
  switch (n.type) {
    case 'expression':
      return convertTerms(
        n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment'),
        n.text,
      );
    case 'literal_value': {
      const c = n.namedChildren[0];
      if (!c) return { t: 'other', text: n.text };
      if (c.type === 'numeric_lit') return { t: 'lit', v: Number(c.text) };
      if (c.type === 'bool_lit') return { t: 'lit', v: c.text === 'true' };
      if (c.type === 'null_lit') return { t: 'lit', v: null };
      if (c.type === 'string_lit') return templateParts(c, false);
      return { t: 'other', text: n.text };
    }
    case 'template_expr': {
      const c = n.namedChildren[0];
      if (!c) return { t: 'other', text: n.text };
      if (c.type === 'quoted_template') return templateParts(c, false);
      if (c.type === 'heredoc_template') {
        const strip = n.text.startsWith('<<-');
        const e = templateParts(c, true);
        if (strip && e.t === 'lit' && typeof e.v === 'string') {
          const lines = e.v.split('\n');
          const ind = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
          return { t: 'lit', v: lines.map((l) => l.slice(Number.isFinite(ind) ? ind : 0)).join('\n') };
        }
        return e;
      }
      return { t: 'other', text: n.text };
    }
    case 'collection_value': {
      const c = n.namedChildren[0];
      if (!c) return { t: 'other', text: n.text };
      if (c.type === 'tuple') {
        return {
          t: 'tuple',
          items: c.namedChildren
            .filter((x): x is Node => x !== null && x.type === 'expression')
            .map(convertExpr),
        };
      }
      if (c.type === 'object') {
        const items: { key: Expr; val: Expr }[] = [];
        for (const el of c.namedChildren) {
          if (!el || el.type !== 'object_elem') continue;
          const k = el.childForFieldName('key');
          const v = el.childForFieldName('val');
          if (!k || !v) continue;
          let key = convertExpr(k);
          // Bare identifiers as object keys are literal strings.
          if (key.t === 'ref' && key.path.length === 0) key = { t: 'lit', v: key.root };
          items.push({ key, val: convertExpr(v) });
        }
        return { t: 'object', items };
      }
      return { t: 'other', text: n.text };
    }
    case 'function_call': {
      const name = n.namedChildren[0]?.text ?? '';
      const argsNode = n.namedChildren.find((c) => c?.type === 'function_arguments');
      const args = argsNode
        ? argsNode.namedChildren
            .filter((x): x is Node => x !== null && x.type === 'expression')
            .map(convertExpr)
        : [];
      const expand = argsNode ? argsNode.children.some((c) => c?.type === 'expand') : false;
      return { t: 'call', name, args, expand };
    }
    case 'conditional': {
      const e = n.namedChildren.filter((x): x is Node => x !== null && x.type === 'expression');
      if (e.length !== 3) return { t: 'other', text: n.text };
      return { t: 'cond', cond: convertExpr(e[0]), then: convertExpr(e[1]), else: convertExpr(e[2]) };
    }
    case 'operation': {
      // The operands are runs of expression terms (variable_expr get_attr ..., literal_value) on
      // either side of the operator token, not nested expression nodes.
      const c = n.namedChildren[0];
      if (!c) return { t: 'other', text: n.text };
      const kids = c.children.filter((x): x is Node => x !== null && x.type !== 'comment');
      const at = kids.findIndex((x) => !x.isNamed);
      if (at < 0) return { t: 'other', text: n.text };
      const op = kids[at]!.text;
      const side = (xs: Node[]) => convertTerms(xs, xs.map((x) => x.text).join(''));
      if (c.type === 'unary_operation') return { t: 'op', op: `u${op}`, args: [side(kids.slice(at + 1))] };
      return { t: 'op', op, args: [side(kids.slice(0, at)), side(kids.slice(at + 1))] };
    }
    default:
      return { t: 'other', text: n.text };
  }
}
