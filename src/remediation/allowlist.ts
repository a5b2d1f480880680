/**
 * Guardrails as an allowlist on parsed blocks, the same for rule and model patches. After a patch
 * is applied, the changed files are parsed and compared block by block with the originals. A fix may
 * change the target block and existing `aws_*` blocks that reference it, and add `aws_*` companion
 * resources connected to the target by references (plus a few pure data lookups and input variables
 * without a default that the target uses), in the target's file. For a resource created by a registry
 * module the target block is the module call: only its inputs may change (not its source, version,
 * providers or meta-arguments, and no create flag may turn off), and a new resource that references the
 * module call (so configures what the module manages) is refused. Everything else is refused, each
 * refusal naming the rule that fired.
 */
import path from 'node:path';
import type { Target } from '../contracts';
import { moduleLocalAddress } from '../terraform/locate';
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
  /** A rule fix may delete its own target resource (never another block; never a model fix). */
  allowTargetRemoval?: boolean;
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

/** Arguments of a module call that are not inputs: a fix never changes them. */
const MODULE_META = ['source', 'version', 'providers', 'count', 'for_each', 'depends_on'];

/** Module inputs that decide whether the module creates anything: a fix may only turn them on. */
const CREATE_FLAG = /^(create|create_[a-z0-9_]+|enabled|putin_khuylo)$/;

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
  return moduleLocalAddress(target.address);
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

/** Problems of a changed target module call: its source, version and meta-arguments stay, and no create flag turns off. */
function moduleCallProblems(old: ParsedBlock, b: ParsedBlock): { rule: string; msg: string }[] {
  const out: { rule: string; msg: string }[] = [];
  for (const m of MODULE_META)
    if ((old.attributes[m]?.exprText ?? null) !== (b.attributes[m]?.exprText ?? null))
      out.push({ rule: 'module-call', msg: `changes ${m}; a fix sets the module's inputs only` });
  const names = new Set([...Object.keys(old.attributes), ...Object.keys(b.attributes)]);
  for (const n of [...names].filter((x) => CREATE_FLAG.test(x))) {
    const was = old.attributes[n];
    const now = b.attributes[n];
    if (was && !now) out.push({ rule: 'module-create-flag', msg: `removes ${n} (was ${was.exprText})` });
    else if (now && was?.exprText !== now.exprText && boolOf(now) !== true)
      out.push({ rule: 'module-create-flag', msg: `sets ${n} = ${now.exprText}` });
  }
  return out;
}

/** What every allowlist check of one run shares: the targets, how to name and find them, and `fire`. */
interface Scope {
  target: Target;
  targets: Target[];
  opts: AllowlistOptions;
  fire: (rule: string, msg: string) => void;
  /** The targets' module-local addresses, for messages. */
  own: string;
  placeholder: boolean;
  refersTo: (src: string, addr: string) => boolean;
  /** The text refers to a (non-module) target resource. */
  refersToTarget: (src: string) => boolean;
  /** The text refers to a target module call (so configures what the module manages). */
  refersToModule: (src: string) => boolean;
  /** The block is a target ('' file: any file). */
  ownsBlock: (file: string, b: ParsedBlock) => boolean;
}

function scopeOf(target: Target, opts: AllowlistOptions, fire: Scope['fire']): Scope {
  const targets = [target, ...(opts.alsoTargets ?? [])];
  const owns = targets
    .filter((t) => !t.placeholder)
    .map((t) => ({ file: t.file, local: targetLocalAddress(t), module: Boolean(t.module) }));
  const refersTo = (src: string, addr: string) =>
    new RegExp(`(^|[^\\w.])${addr.replace(/\./g, '\\.')}(\\[|\\.|\\b)`).test(src);
  return {
    target,
    targets,
    opts,
    fire,
    own: owns.map((o) => o.local).join(', ') || targetLocalAddress(target),
    placeholder: targets.some((t) => t.placeholder),
    refersTo,
    // A new resource that configures a module's resource (references the module call) duplicates what
    // the module manages: only resources of plain targets may be linked that way.
    refersToTarget: (src) => owns.some((o) => !o.module && refersTo(src, o.local)),
    refersToModule: (src) => owns.some((o) => o.module && refersTo(src, o.local)),
    ownsBlock: (file, b) =>
      owns.some((o) =>
        o.module
          ? b.type === 'module' && o.local === `module.${b.labels[0] ?? ''}`
          : b.type === 'resource' && o.local === b.labels.join('.') && (o.file === file || file === ''),
      ),
  };
}

/** File-level rules: .tf only, no override files, new files only where allowed. */
function fileProblems(s: Scope, f: AllowlistChange): void {
  const base = path.posix.basename(f.path);
  const dir = path.posix.dirname(f.path) === '.' ? '' : path.posix.dirname(f.path);
  if (!f.path.endsWith('.tf')) s.fire('file-kind', `${f.path}: only .tf files may be changed`);
  if (base === 'override.tf' || base.endsWith('_override.tf'))
    s.fire('override-file', `${f.path}: Terraform merges *_override.tf files into existing blocks`);
  if (f.before === '' && f.after !== '') {
    if (!s.opts.allowNewFile && !s.placeholder) s.fire('new-file', `${f.path}: a fix may not create files`);
    else if (!s.targets.some((t) => t.moduleDir === dir))
      s.fire(
        'new-file',
        `${f.path}: a new file must be in the target's directory (${s.target.moduleDir || '.'})`,
      );
  }
}

/** Companions: new resources connected to the target through references, transitively. */
function connectedCompanions(s: Scope, src: string, added: ParsedBlock[], targetText: string): Set<string> {
  const connected = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const b of added) {
      const a = b.labels.join('.');
      if (b.type !== 'resource' || connected.has(a)) continue;
      const t = text(src, b);
      const linked =
        s.placeholder ||
        s.refersToTarget(t) ||
        s.refersTo(targetText, a) ||
        [...connected].some((c) => s.refersTo(t, c)) ||
        added.some((o) => connected.has(o.labels.join('.')) && s.refersTo(text(src, o), a));
      if (linked) {
        connected.add(a);
        grew = true;
      }
    }
  }
  return connected;
}

/** The rules for a block the fix adds. */
function checkAdded(
  s: Scope,
  f: AllowlistChange,
  b: ParsedBlock,
  connected: Set<string>,
  targetText: string,
): void {
  const where = `${f.path}: new ${key(b)}`;
  if (b.type === 'data') {
    if (!ALLOWED_DATA_SOURCES.has(b.labels[0] ?? ''))
      s.fire('data-source', `${where}: only ${[...ALLOWED_DATA_SOURCES].join(', ')} may be added`);
  } else if (b.type === 'variable') {
    // An input with no default cannot carry a value into the plan: the operator must set it. Allowed
    // when the target uses it (e.g. the network a security group rule is narrowed to).
    const extra = Object.keys(b.attributes).filter((n) => n !== 'description' && n !== 'type');
    if (extra.length || b.blocks.length)
      s.fire(
        'block-type',
        `${where}: a new variable may only have a description and a type (has ${[...extra, ...b.blocks.map((n) => n.type)].join(', ')})`,
      );
    else if (!s.refersTo(targetText, `var.${b.labels[0] ?? ''}`))
      s.fire('block-type', `${where}: a new variable must be used by ${s.own}`);
  } else if (b.type !== 'resource') {
    s.fire('block-type', `${where}: a fix may not add a ${b.type} block`);
    return;
  } else {
    if (!(b.labels[0] ?? '').startsWith('aws_'))
      s.fire('provider', `${where}: only aws_* resources may be added`);
    if (!s.targets.some((t) => t.file === f.path) && !(s.opts.allowNewFile || s.placeholder))
      s.fire('companion-file', `${where}: companions go in the target's file ${s.target.file}`);
    if (s.refersToModule(text(f.after, b)))
      s.fire(
        'module-duplicate',
        `${where}: configures a resource of the module call ${s.own}; set the module's inputs instead`,
      );
    else if (!connected.has(b.labels.join('.')))
      s.fire('companion', `${where}: neither references ${s.own} nor is referenced by it`);
  }
  for (const m of META) {
    const a = b.attributes[m];
    if (!a) continue;
    // A companion may follow the target's count/for_each (count = length(target), for_each = target).
    const follows = (m === 'count' || m === 'for_each') && s.refersToTarget(a.exprText);
    if (!follows) s.fire('meta-argument', `${where}: sets ${m}`);
  }
  if (nestedTexts(f.after, b, 'lifecycle').length) s.fire('lifecycle', `${where}: has a lifecycle block`);
  for (const w of weakenedSafety(undefined, b)) s.fire('deletion-safety', `${where}: ${w}`);
  for (const c of unsafeFileCalls(text(f.after, b))) s.fire('file-function', `${where}: ${c}`);
  for (const id of nonAscii(b)) s.fire('identifier', `${where}: non-ASCII identifier ${JSON.stringify(id)}`);
}

/** The rules for an existing block the fix changes. */
function checkChanged(s: Scope, f: AllowlistChange, old: ParsedBlock, b: ParsedBlock): void {
  const oldText = text(f.before, old);
  const newText = text(f.after, b);
  if (oldText === newText) return;
  const where = `${f.path}: ${key(b)}`;
  const referencesTarget =
    b.type === 'resource' && (b.labels[0] ?? '').startsWith('aws_') && s.refersToTarget(oldText);
  if (!s.ownsBlock(f.path, b) && !referencesTarget) {
    s.fire('other-block', `${where}: a fix may change only ${s.own} and aws_* blocks that reference it`);
    return;
  }
  for (const m of META) {
    if ((old.attributes[m]?.exprText ?? null) !== (b.attributes[m]?.exprText ?? null))
      s.fire('meta-argument', `${where}: changes ${m}`);
  }
  if (b.type === 'module') for (const p of moduleCallProblems(old, b)) s.fire(p.rule, `${where}: ${p.msg}`);
  if (nestedTexts(f.before, old, 'lifecycle').join('\n') !== nestedTexts(f.after, b, 'lifecycle').join('\n'))
    s.fire('lifecycle', `${where}: changes or removes its lifecycle block`);
  for (const w of weakenedSafety(old, b)) s.fire('deletion-safety', `${where}: ${w}`);
  const oldCalls = new Set(unsafeFileCalls(oldText));
  for (const c of unsafeFileCalls(newText)) if (!oldCalls.has(c)) s.fire('file-function', `${where}: ${c}`);
  const oldIds = new Set(nonAscii(old));
  for (const id of nonAscii(b))
    if (!oldIds.has(id)) s.fire('identifier', `${where}: non-ASCII identifier ${JSON.stringify(id)}`);
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
  const s = scopeOf(target, opts, (rule, msg) => errors.push(`allowlist/${rule}: ${msg}`));
  for (const f of changes) {
    fileProblems(s, f);
    const before = (await parseHcl(f.before, f.path)).blocks;
    const parsedAfter = await parseHcl(f.after, f.path);
    if (parsedAfter.errors.length) continue; // the parse step reports it
    const after = parsedAfter.blocks;
    const beforeByKey = new Map(before.map((b) => [key(b), b]));
    const added = after.filter((b) => !beforeByKey.has(key(b)));
    const targetText = after
      .filter((b) => s.ownsBlock('', b))
      .map((b) => text(f.after, b))
      .join('\n');
    const connected = connectedCompanions(s, f.after, added, targetText);
    for (const b of added) checkAdded(s, f, b, connected, targetText);
    for (const b of after) {
      const old = beforeByKey.get(key(b));
      if (old) checkChanged(s, f, old, b);
    }
    const afterKeys = new Set(after.map(key));
    for (const b of before.filter((x) => !afterKeys.has(key(x))))
      if (!s.opts.allowTargetRemoval || !s.ownsBlock(f.path, b) || b.type !== 'resource')
        s.fire('removed-block', `${f.path}: ${key(b)} is deleted; a fix may delete only its own target`);
  }
  return [...new Set(errors)];
}
