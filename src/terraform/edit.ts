/**
 * Applying a Patch: block-level splices on the original text. Every edit touches one top-level
 * block (or inserts one); bytes outside that block stay identical; inserted text follows the file's
 * indentation and line endings; the touched block alone is formatted.
 */
import path from 'node:path';
import type { Patch, PatchEdit } from '../contracts';
import { FixRejectedError } from '../errors';
import { formatBlockText, type FormatOptions } from './format';
import { checkRepoPath } from './fsSafe';
import { findBlock } from './locate';
import { parseHcl, type ParsedBlock, type ParsedNested } from './parser';
import type { ApplyOptions, ApplyResult, FileChange, RepoIndex } from './types';

/** Normalises a relative path and refuses paths that leave the repository or are not .tf files. */
export function safeRelPath(file: string): string {
  const p = path.posix.normalize(file.replace(/\\/g, '/')).replace(/^\.\//, '');
  if (
    p.startsWith('../') ||
    p === '..' ||
    path.posix.isAbsolute(p) ||
    p.split('/').some((s) => s.startsWith('.') && s !== '.')
  )
    throw new FixRejectedError(`edit path "${file}" is outside the repository or hidden`);
  if (!p.endsWith('.tf')) throw new FixRejectedError(`edit path "${file}" is not a .tf file`);
  return p;
}

const lineStart = (t: string, i: number): number => t.lastIndexOf('\n', i - 1) + 1;
const lineEnd = (t: string, i: number): number => {
  const n = t.indexOf('\n', i);
  return n < 0 ? t.length : n + 1;
};
const indentAt = (t: string, i: number): string => /^[ \t]*/.exec(t.slice(lineStart(t, i)))?.[0] ?? '';

/** The indentation unit of a file (first indented line), default two spaces. */
export function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  if (!m) return '  ';
  return m[1].startsWith('\t') ? '\t' : m[1].length <= 8 ? m[1] : '  ';
}

function reindent(text: string, indent: string): string {
  const lines = text
    .replace(/\r\n/g, '\n')
    .replace(/^\n+|\s+$/g, '')
    .split('\n');
  const base = Math.min(...lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length));
  return lines.map((l) => (l.trim() ? indent + l.slice(Number.isFinite(base) ? base : 0) : '')).join('\n');
}

function blockKey(type: string, labels: string[]): string {
  return [type, ...labels].join('\u0000');
}

async function findTop(text: string, file: string, kind: string, labels: string[]): Promise<ParsedBlock> {
  const pf = await parseHcl(text, file);
  const key = blockKey(kind, labels);
  const b = pf.blocks.find((x) => blockKey(x.type, x.labels) === key);
  if (!b) throw new FixRejectedError(`block ${[kind, ...labels].join(' ')} not found in ${file}`);
  return b;
}

/** Walks a nested path ("rule", "rule[1]", "apply_server_side_encryption_by_default"). */
function walkNested(
  container: ParsedNested | ParsedBlock,
  segs: string[],
  create: boolean,
): { node: ParsedNested | ParsedBlock; missing: string[] } {
  let node: ParsedNested | ParsedBlock = container;
  for (let i = 0; i < segs.length; i++) {
    const m = /^([A-Za-z0-9_-]+)(?:\[(\d+)\])?$/.exec(segs[i]);
    if (!m) throw new FixRejectedError(`bad path segment "${segs[i]}"`);
    const all: ParsedNested[] = node.blocks.filter((b) => b.type === m[1]);
    if (all.length === 0) {
      if (create) return { node, missing: segs.slice(i) };
      throw new FixRejectedError(`nested block "${segs.slice(0, i + 1).join('.')}" not found`);
    }
    if (m[2] === undefined && all.length > 1)
      throw new FixRejectedError(
        `nested block "${m[1]}" is ambiguous (${all.length} blocks): use ${m[1]}[i]`,
      );
    const idx = m[2] === undefined ? 0 : Number(m[2]);
    if (idx >= all.length) throw new FixRejectedError(`nested block "${segs[i]}" does not exist`);
    node = all[idx];
  }
  return { node, missing: [] };
}

/** Inserts lines (already indented, LF) at the end of a container body; returns new text. */
function insertIntoBody(text: string, node: ParsedNested | ParsedBlock, lines: string, eol: string): string {
  const body = text.slice(node.bodyStart, node.bodyEnd);
  const content = lines.replace(/\n/g, eol);
  const containerIndent = indentAt(text, node.range.startByte);
  if (!body.includes('\n')) {
    // Single-line body ("{}" or "{ x = 1 }"): expand it.
    const inner = body.trim();
    const unit = indentUnit(text);
    const existing = inner ? `${containerIndent}${unit}${inner}${eol}` : '';
    return `${text.slice(0, node.bodyStart)}${eol}${existing}${content}${eol}${containerIndent}${text.slice(node.bodyEnd)}`;
  }
  // Insert before the line holding the closing brace.
  const ls = lineStart(text, node.bodyEnd);
  const before = text.slice(ls, node.bodyEnd);
  if (before.trim() === '') return `${text.slice(0, ls)}${content}${eol}${text.slice(ls)}`;
  return `${text.slice(0, node.bodyEnd)}${eol}${content}${eol}${containerIndent}${text.slice(node.bodyEnd)}`;
}

/**
 * A new `name = value` line for the end of a body, aligned the way `terraform fmt` aligns it with the
 * run of attributes it joins, without touching them: padded to their `=` column when the name fits,
 * else after a blank line (its own alignment group).
 */
function alignedAttribute(
  text: string,
  node: ParsedNested | ParsedBlock,
  name: string,
  value: string,
): string {
  const indent = childIndent(text, node);
  const line = reindent(`${name} = ${value}`, indent);
  const body = text.slice(node.bodyStart, lineStart(text, node.bodyEnd)).replace(/\r\n/g, '\n');
  const lines = body.split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  // The run of one-line attributes right before the closing brace (what fmt aligns ours with).
  const run: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (!/^[ \t]*[A-Za-z_][A-Za-z0-9_-]*[ \t]*=(?!=)/.test(l) || /[{[(][ \t]*$/.test(l)) break;
    run.push(l);
  }
  if (run.length === 0 || body.split('\n').at(-2)?.trim() === '') return line;
  const col = Math.max(...run.map((l) => l.indexOf('=')));
  const width = col - indent.length;
  if (name.length < width) return line.replace(`${name} = `, `${name.padEnd(width)}= `);
  return `\n${line}`;
}

function childIndent(text: string, node: ParsedNested | ParsedBlock): string {
  return indentAt(text, node.range.startByte) + indentUnit(text);
}

/**
 * The bytes a removed top-level block takes: its lines, the comment lines directly above it (they
 * describe it), and one neighbouring blank line so no double blank line is left behind.
 */
function removalSpan(text: string, start: number, end: number): { start: number; end: number } {
  let s = lineStart(text, start);
  let e = lineEnd(text, end);
  if (text.slice(s, start).trim() !== '' || text.slice(end, e).trim() !== '') return { start, end };
  for (;;) {
    if (s === 0) break;
    const prev = lineStart(text, s - 1);
    if (!/^[ \t]*(#|\/\/)/.test(text.slice(prev, s))) break;
    s = prev;
  }
  const blankBefore = s === 0 || /\n[ \t]*\r?\n$/.test(text.slice(0, s));
  const next = lineEnd(text, e);
  if (e < text.length && text.slice(e, next).trim() === '' && blankBefore) e = next;
  else if (e >= text.length && s > 0 && blankBefore) s = lineStart(text, s - 1);
  return { start: s, end: e };
}

async function applyOne(
  text: string,
  file: string,
  edit: PatchEdit,
  kind: string,
  labels: string[],
  eol: string,
  /** For add_nested_block: where a nested block of the same type was just removed (keeps the order). */
  insertAt?: { at: number; blank: boolean },
): Promise<{
  text: string;
  kind: string;
  labels: string[];
  start: number;
  end: number;
  removedAt?: { at: number; blank: boolean };
}> {
  const toEol = (s: string): string => s.replace(/\r\n/g, '\n').replace(/\n/g, eol);
  if (edit.kind === 'insert_after') {
    const body = toEol(reindent(edit.text, ''));
    let at: number;
    let prefix: string;
    if (kind) {
      const after = await findTop(text, file, kind, labels);
      at = after.range.endByte;
      prefix = `${eol}${eol}`;
    } else {
      at = text.length;
      prefix =
        text.length === 0
          ? ''
          : text.endsWith(eol + eol) || text.endsWith('\n\n')
            ? ''
            : text.endsWith('\n')
              ? eol
              : `${eol}${eol}`;
    }
    const suffix = kind ? '' : eol;
    const out = text.slice(0, at) + prefix + body + suffix + text.slice(at);
    const start = at + prefix.length;
    return { text: out, kind: '', labels: [], start, end: start + body.length };
  }
  const block = await findTop(text, file, kind, labels);
  const start = block.range.startByte;
  const oldEnd = block.range.endByte;
  let out: string;
  let removedAt: number | undefined;
  let removedBlank = false;
  switch (edit.kind) {
    case 'replace_block':
      out = text.slice(0, start) + toEol(reindent(edit.text, '')) + text.slice(oldEnd);
      break;
    case 'remove_block': {
      const r = removalSpan(text, start, oldEnd);
      out = text.slice(0, r.start) + text.slice(r.end);
      break;
    }
    case 'set_attribute': {
      if (edit.path.length === 0)
        throw new FixRejectedError('set_attribute needs a path ending with the attribute name');
      const attrName = edit.path[edit.path.length - 1];
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(attrName))
        throw new FixRejectedError(`bad attribute name "${attrName}"`);
      const { node, missing } = walkNested(block, edit.path.slice(0, -1), true);
      const value = edit.value.replace(/\r\n/g, '\n').trim();
      if (missing.length > 0) {
        const unit = indentUnit(text);
        let inner = `${attrName} = ${value}`;
        for (const seg of [...missing].reverse())
          inner = `${seg.replace(/\[\d+\]$/, '')} {\n${reindent(inner, unit)}\n}`;
        out = insertIntoBody(text, node, reindent(inner, childIndent(text, node)), eol);
      } else {
        const a = node.attributes[attrName];
        if (a) {
          const valueLines = value.split('\n');
          const ind = indentAt(text, a.range.startByte);
          const v = valueLines.map((l, i) => (i === 0 ? l : l.trim() ? ind + l : l)).join(eol);
          // Keep the attribute's own `name   =` (its alignment with the neighbours).
          const src = text.slice(a.range.startByte, a.range.endByte);
          const lead = /^[A-Za-z_][A-Za-z0-9_-]*[ \t]*=[ \t]*/.exec(src)?.[0] ?? `${attrName} = `;
          out = text.slice(0, a.range.startByte) + lead + v + text.slice(a.range.endByte);
        } else {
          out = insertIntoBody(text, node, alignedAttribute(text, node, attrName, value), eol);
        }
      }
      break;
    }
    case 'add_nested_block': {
      const { node } = walkNested(block, edit.path, false);
      const lines = reindent(edit.text, childIndent(text, node));
      if (insertAt && insertAt.at > node.bodyStart && insertAt.at < node.bodyEnd) {
        // In place of the block of the same type the patch just removed: order is kept.
        const i = insertAt.at;
        const blank = insertAt.blank ? eol : '';
        out = `${text.slice(0, i)}${lines.replace(/\n/g, eol)}${eol}${blank}${text.slice(i)}`;
      } else out = insertIntoBody(text, node, lines, eol);
      break;
    }
    case 'remove_nested_block': {
      if (edit.path.length === 0) throw new FixRejectedError('remove_nested_block needs a path');
      const segs = [...edit.path];
      if (edit.index !== undefined && !/\[\d+\]$/.test(segs[segs.length - 1]))
        segs[segs.length - 1] += `[${edit.index}]`;
      const { node } = walkNested(block, segs, false);
      if (node === block) throw new FixRejectedError('remove_nested_block cannot remove the block itself');
      let s = node.range.startByte;
      let e = node.range.endByte;
      const ls = lineStart(text, s);
      const le = lineEnd(text, e);
      if (text.slice(ls, s).trim() === '' && text.slice(e, le).trim() === '') {
        s = ls;
        e = le;
        // Avoid leaving two blank lines where the block was.
        const prevBlank = /\n[ \t]*\r?\n$/.test(text.slice(0, s)) || s === 0;
        const nextLineEnd = lineEnd(text, e);
        if (prevBlank && e < text.length && text.slice(e, nextLineEnd).trim() === '') {
          e = nextLineEnd;
          removedBlank = true;
        }
      }
      out = text.slice(0, s) + text.slice(e);
      removedAt = s;
      break;
    }
    default:
      throw new FixRejectedError(`unknown edit kind ${(edit as { kind: string }).kind}`);
  }
  const end = oldEnd + (out.length - text.length);
  return {
    text: out,
    kind,
    labels,
    start,
    end,
    ...(removedAt !== undefined ? { removedAt: { at: removedAt, blank: removedBlank } } : {}),
  };
}

/** The edit with the text it writes formatted on its own (a nested block, or an attribute's value). */
async function formatWrittenText(edit: PatchEdit, fmt: FormatOptions): Promise<PatchEdit> {
  if (edit.kind === 'add_nested_block') {
    const f = await formatBlockText(`${reindent(edit.text, '')}\n`, fmt);
    return { ...edit, text: f.text.replace(/\n+$/, '') };
  }
  if (edit.kind === 'set_attribute' && edit.value.includes('\n')) {
    const f = await formatBlockText(`x = ${reindent(edit.value, '').trimStart()}\n`, fmt);
    const v = f.text.replace(/\n+$/, '').replace(/^x = /, '');
    return f.text.startsWith('x = ') ? { ...edit, value: v } : edit;
  }
  return edit;
}

/**
 * Applies a patch to the indexed repository and returns the changed files (nothing is written);
 * refuses files that are symbolic links, lie below one, or resolve outside the repository.
 */
export async function applyPatch(
  index: RepoIndex,
  patch: Patch,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const texts = new Map<string, { before: string; after: string; eol: '\n' | '\r\n' }>();
  const checked = new Set<string>();
  let removal:
    | { file: string; address: string; parent: string; type: string; at: { at: number; blank: boolean } }
    | undefined;
  for (const edit of patch.edits) {
    const file = safeRelPath(edit.file);
    if (!checked.has(file)) {
      // The file on disk (or the place a new file will take) must be inside the repository and
      // reached without symbolic links: a symlinked .tf is not indexed and would look like a new file.
      await checkRepoPath(index.root, file);
      checked.add(file);
    }
    const entry = index.files[file];
    if (entry?.json) throw new FixRejectedError(`${file} is a .tf.json file (read-only)`);
    let cur = texts.get(file);
    if (!cur) {
      if (!entry) {
        if (edit.kind !== 'insert_after' || edit.afterAddress !== null)
          throw new FixRejectedError(`file ${file} does not exist in the repository`);
        const siblings = Object.values(index.files);
        cur = {
          before: '',
          after: '',
          eol:
            siblings.some((f) => f.eol === '\r\n') && siblings.every((f) => f.eol === '\r\n') ? '\r\n' : '\n',
        };
      } else cur = { before: entry.text, after: entry.text, eol: entry.eol };
      texts.set(file, cur);
    }
    let kind = '';
    let labels: string[] = [];
    const addr = edit.kind === 'insert_after' ? edit.afterAddress : edit.address;
    if (addr) {
      const b = findBlock(index, addr, file);
      if (!b) throw new FixRejectedError(`block ${addr} not found in ${file}`);
      kind = b.kind;
      labels = b.labels;
    }
    const own = opts.format !== false ? await formatWrittenText(edit, opts) : edit;
    // A nested block removed and one of the same type added to the same parent: keep its place.
    const hint =
      edit.kind === 'add_nested_block' &&
      removal &&
      removal.file === file &&
      removal.address === edit.address &&
      removal.parent === edit.path.join('.') &&
      new RegExp(`^\\s*${removal.type}\\b`).test(edit.text)
        ? removal.at
        : undefined;
    const r = await applyOne(cur.after, file, own, kind, labels, cur.eol, hint);
    removal =
      edit.kind === 'remove_nested_block' && r.removedAt !== undefined
        ? {
            file,
            address: edit.address,
            parent: edit.path.slice(0, -1).join('.'),
            type: edit.path[edit.path.length - 1]!.replace(/\[\d+\]$/, ''),
            at: r.removedAt,
          }
        : undefined;
    let text = r.text;
    // Whole blocks the fix writes are formatted; an edit inside an existing block formats only the
    // text it writes (above), so untouched lines keep their bytes.
    if (opts.format !== false && (edit.kind === 'insert_after' || edit.kind === 'replace_block')) {
      const region = text.slice(r.start, r.end);
      const lf = region.replace(/\r\n/g, '\n');
      const f = await formatBlockText(lf.endsWith('\n') ? lf : `${lf}\n`, opts);
      let formatted = f.text.replace(/\n+$/, '');
      if (!region.endsWith('\n')) formatted = formatted.replace(/\n$/, '');
      else formatted += '\n';
      formatted = formatted.replace(/\n/g, cur.eol);
      text = text.slice(0, r.start) + formatted + text.slice(r.end);
    }
    cur.after = text;
  }
  const files: FileChange[] = [];
  for (const [p, t] of texts)
    if (t.after !== t.before) files.push({ path: p, before: t.before, after: t.after });
  return { files };
}
