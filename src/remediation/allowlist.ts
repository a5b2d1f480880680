/**
 * Guardrails as an allowlist on parsed blocks, the same for rule and model patches. After a patch
 * is applied, the changed files are parsed and compared block by block with the originals. A fix may
 * change the target block and existing `aws_*` blocks that reference it, and add `aws_*` companion
 * resources connected to the target by references (plus a few pure data lookups and input variables
 * without a default that the target uses), in the target's file. Everything else is refused, each refusal naming the rule that fired.
 */
import path from 'node:path';
import type { Target } from '../contracts';
import { stripKeys } from '../terraform/locate';
import { parseHcl, type ParsedBlock } from '../terraform/parser';
import type { HclAttribute, HclNestedBlock } from '../terraform/types';

export interface AllowlistChange {
  path: string;
  before: string;
  after: string;
}

export interface AllowlistOptions {
  /** A new .tf file in the target's directory may be created (rules that declare it; account-level targets). */
  allowNewFile?: boolean;
  /** Other targets whose fixes the same patch combines (a group PR): their blocks are allowed too. */
  alsoTargets?: Target[];
}

/** Data sources a fix may add: pure lookups that read nothing outside AWS's own metadata. */
export const ALLOWED_DATA_SOURCES = new Set([
  'aws_iam_policy_document',
  'aws_caller_identity',
  'aws_region',
  'aws_partition',
]);

/** Meta-arguments a fix may not set or change (on the target or any other existing block). */
const META = ['count', 'for_each', 'provider', 'depends_on'];

/** Attributes whose weakening removes deletion safety, with the value that is safe. */
const DELETION_SAFETY: { name: string; safe: boolean }[] = [
  { name: 'deletion_protection', safe: true },
  { name: 'disable_api_termination', safe: true },
  { name: 'prevent_destroy', safe: true },
  { name: 'force_destroy', safe: false },
  { name: 'skip_final_snapshot', safe: false },
];

const FILE_FUNCS =
  /\b(file|filebase64|filemd5|filesha1|filesha256|filesha512|filebase64sha256|filebase64sha512|fileexists|fileset|templatefile|pathexpand|abspath)\s*\(/g;

const ascii = (s: string): boolean => /^[\x20-\x7e]*$/.test(s);

/** The target's address inside its module, without module path and instance keys (aws_s3_bucket.logs). */
function targetLocalAddress(target: Target): string {
  return stripKeys(target.address).split('.').slice(-2).join('.');
}

function key(b: { type: string; labels: string[] }): string {
  return [b.type, ...b.labels].join(' ');
}

function text(src: string, b: ParsedBlock): string {
  return src.slice(b.range.startByte, b.range.endByte);
}

/** Literal boolean value of an attribute, or undefined when it is not a literal boolean. */
function boolOf(a: HclAttribute | undefined): boolean | undefined {
  if (!a) return undefined;
  if (a.expr.t === 'lit' && typeof a.expr.v === 'boolean') return a.expr.v;
  return undefined;
}

/** Every attribute at any depth: [nested path, attribute]. */
function allAttributes(
  b: { attributes: Record<string, HclAttribute>; blocks: HclNestedBlock[] },
  at = '',
): [string, HclAttribute][] {
  const out: [string, HclAttribute][] = Object.values(b.attributes).map((a) => [`${at}${a.name}`, a]);
  for (const n of b.blocks) out.push(...allAttributes(n, `${at}${n.type}.`));
  return out;
}

function nestedTexts(src: string, b: ParsedBlock, type: string): string[] {
  return b.blocks.filter((n) => n.type === type).map((n) => src.slice(n.range.startByte, n.range.endByte));
}

/** Identifiers (labels, attribute and nested block names) that are not plain ASCII. */
function nonAscii(b: ParsedBlock): string[] {
  const out = b.labels.filter((l) => !ascii(l));
  const walk = (n: { attributes: Record<string, HclAttribute>; blocks: HclNestedBlock[] }) => {
    for (const a of Object.values(n.attributes)) if (!ascii(a.name)) out.push(a.name);
    for (const c of n.blocks) {
      if (!ascii(c.type)) out.push(c.type);
      out.push(...c.labels.filter((l) => !ascii(l)));
      walk(c);
    }
  };
  walk(b);
  return out;
}

/** File-reading function calls whose argument is not a repository-relative string literal. */
function unsafeFileCalls(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(FILE_FUNCS)) {
    const rest = src.slice((m.index ?? 0) + m[0].length);
    const lit = /^\s*"([^"$%\\]*)"\s*[,)]/.exec(rest);
    const p = lit?.[1];
    const ok =
      p !== undefined &&
      m[1] !== 'pathexpand' &&
      m[1] !== 'abspath' &&
      !p.startsWith('/') &&
      !p.startsWith('~') &&
      !path.posix.normalize(p).startsWith('..');
    if (!ok) out.push(`${m[1]}(${rest.slice(0, 40).split(')')[0]})`);
  }
  return out;
}

/** Problems with deletion safety in `after` compared with `before` (absent before = provider default). */
function weakenedSafety(before: ParsedBlock | undefined, after: ParsedBlock): string[] {
  const out: string[] = [];
  const beforeAttrs = new Map(before ? allAttributes(before) : []);
  for (const [p, a] of allAttributes(after)) {
    const rule = DELETION_SAFETY.find((r) => r.name === a.name);
    if (!rule) continue;
    const now = boolOf(a);
    const was = beforeAttrs.has(p) ? boolOf(beforeAttrs.get(p)) : undefined;
    const oldText = beforeAttrs.get(p)?.exprText;
    if (oldText === a.exprText) continue;
    if (now !== rule.safe) out.push(`${p} = ${a.exprText}${was === rule.safe ? ` (was ${oldText})` : ''}`);
  }
  for (const [p, a] of beforeAttrs) {
    const rule = DELETION_SAFETY.find((r) => r.name === a.name);
    if (rule && boolOf(a) === rule.safe && !allAttributes(after).some(([q]) => q === p))
      out.push(`${p} removed (was ${a.exprText})`);
  }
  return out;
}

/**
 * Checks applied changes against the allowlist; returns the refusals (empty when the fix is allowed).
 * Each message starts with the rule that fired, e.g. "allowlist/other-block: …".
 */
export async function allowlistProblems(
  target: Target,
  changes: AllowlistChange[],
  opts: AllowlistOptions = {},
): Promise<string[]> {
  const errors: string[] = [];
  const fire = (rule: string, msg: string) => errors.push(`allowlist/${rule}: ${msg}`);
  const targets = [target, ...(opts.alsoTargets ?? [])];
  const owns = targets
    .filter((t) => !t.placeholder)
    .map((t) => ({ file: t.file, local: targetLocalAddress(t) }));
  const own = owns.map((o) => o.local).join(', ') || targetLocalAddress(target);
  const refersTo = (src: string, addr: string) =>
    new RegExp(`(^|[^\\w.])${addr.replace(/\./g, '\\.')}(\\[|\\.|\\b)`).test(src);
  const refersToTarget = (src: string) => owns.some((o) => refersTo(src, o.local));
  const placeholder = targets.some((t) => t.placeholder);

  for (const f of changes) {
    const base = path.posix.basename(f.path);
    const dir = path.posix.dirname(f.path) === '.' ? '' : path.posix.dirname(f.path);
    if (!f.path.endsWith('.tf')) fire('file-kind', `${f.path}: only .tf files may be changed`);
    if (base === 'override.tf' || base.endsWith('_override.tf'))
      fire('override-file', `${f.path}: Terraform merges *_override.tf files into existing blocks`);
    if (f.before === '' && f.after !== '') {
      if (!opts.allowNewFile && !placeholder) fire('new-file', `${f.path}: a fix may not create files`);
      else if (!targets.some((t) => t.moduleDir === dir))
        fire(
          'new-file',
          `${f.path}: a new file must be in the target's directory (${target.moduleDir || '.'})`,
        );
    }

    const before = (await parseHcl(f.before, f.path)).blocks;
    const parsedAfter = await parseHcl(f.after, f.path);
    if (parsedAfter.errors.length) continue; // the parse step reports it
    const after = parsedAfter.blocks;
    const beforeByKey = new Map(before.map((b) => [key(b), b]));

    const added = after.filter((b) => !beforeByKey.has(key(b)));
    const targetText = after
      .filter((b) => b.type === 'resource' && owns.some((o) => o.local === b.labels.join('.')))
      .map((b) => text(f.after, b))
      .join('\n');

    // Companions: new aws_* resources connected to the target through references, transitively.
    const connected = new Set<string>();
    let grew = true;
    while (grew) {
      grew = false;
      for (const b of added) {
        const a = b.labels.join('.');
        if (b.type !== 'resource' || connected.has(a)) continue;
        const t = text(f.after, b);
        const linked =
          placeholder ||
          refersToTarget(t) ||
          refersTo(targetText, a) ||
          [...connected].some((c) => refersTo(t, c)) ||
          added.some((o) => connected.has(o.labels.join('.')) && refersTo(text(f.after, o), a));
        if (linked) {
          connected.add(a);
          grew = true;
        }
      }
    }

    for (const b of added) {
      const where = `${f.path}: new ${key(b)}`;
      if (b.type === 'data') {
        if (!ALLOWED_DATA_SOURCES.has(b.labels[0] ?? ''))
          fire('data-source', `${where}: only ${[...ALLOWED_DATA_SOURCES].join(', ')} may be added`);
      } else if (b.type === 'variable') {
        // An input with no default cannot carry a value into the plan: the operator must set it. Allowed
        // when the target uses it (e.g. the network a security group rule is narrowed to).
        const extra = Object.keys(b.attributes).filter((n) => n !== 'description' && n !== 'type');
        if (extra.length || b.blocks.length)
          fire(
            'block-type',
            `${where}: a new variable may only have a description and a type (has ${[...extra, ...b.blocks.map((n) => n.type)].join(', ')})`,
          );
        else if (!refersTo(targetText, `var.${b.labels[0] ?? ''}`))
          fire('block-type', `${where}: a new variable must be used by ${own}`);
      } else if (b.type !== 'resource') {
        fire('block-type', `${where}: a fix may not add a ${b.type} block`);
        continue;
      } else {
        if (!(b.labels[0] ?? '').startsWith('aws_'))
          fire('provider', `${where}: only aws_* resources may be added`);
        if (!targets.some((t) => t.file === f.path) && !(opts.allowNewFile || placeholder))
          fire('companion-file', `${where}: companions go in the target's file ${target.file}`);
        if (!connected.has(b.labels.join('.')))
          fire('companion', `${where}: neither references ${own} nor is referenced by it`);
      }
      for (const m of META) {
        const a = b.attributes[m];
        if (!a) continue;
        // A companion may follow the target's count/for_each (count = length(target), for_each = target).
        const follows = (m === 'count' || m === 'for_each') && refersToTarget(a.exprText);
        if (!follows) fire('meta-argument', `${where}: sets ${m}`);
      }
      if (nestedTexts(f.after, b, 'lifecycle').length) fire('lifecycle', `${where}: has a lifecycle block`);
      for (const w of weakenedSafety(undefined, b)) fire('deletion-safety', `${where}: ${w}`);
      for (const c of unsafeFileCalls(text(f.after, b))) fire('file-function', `${where}: ${c}`);
      for (const id of nonAscii(b))
        fire('identifier', `${where}: non-ASCII identifier ${JSON.stringify(id)}`);
    }

    for (const b of after) {
      const old = beforeByKey.get(key(b));
      if (!old) continue;
      const oldText = text(f.before, old);
      const newText = text(f.after, b);
      if (oldText === newText) continue;
      const addr = b.labels.join('.');
      const where = `${f.path}: ${key(b)}`;
      const isTarget = b.type === 'resource' && owns.some((o) => o.file === f.path && o.local === addr);
      const referencesTarget =
        b.type === 'resource' && (b.labels[0] ?? '').startsWith('aws_') && refersToTarget(oldText);
      if (!isTarget && !referencesTarget) {
        fire('other-block', `${where}: a fix may change only ${own} and aws_* blocks that reference it`);
        continue;
      }
      for (const m of META) {
        if ((old.attributes[m]?.exprText ?? null) !== (b.attributes[m]?.exprText ?? null))
          fire('meta-argument', `${where}: changes ${m}`);
      }
      if (
        nestedTexts(f.before, old, 'lifecycle').join('\n') !== nestedTexts(f.after, b, 'lifecycle').join('\n')
      )
        fire('lifecycle', `${where}: changes or removes its lifecycle block`);
      for (const w of weakenedSafety(old, b)) fire('deletion-safety', `${where}: ${w}`);
      const oldCalls = new Set(unsafeFileCalls(oldText));
      for (const c of unsafeFileCalls(newText)) if (!oldCalls.has(c)) fire('file-function', `${where}: ${c}`);
      const oldIds = new Set(nonAscii(old));
      for (const id of nonAscii(b))
        if (!oldIds.has(id)) fire('identifier', `${where}: non-ASCII identifier ${JSON.stringify(id)}`);
    }
  }
  return [...new Set(errors)];
}
