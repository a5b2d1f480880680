/**
 * Repository indexing: reads every .tf (and .tf.json, read-only) file, parses it, resolves
 * variables/locals/module inputs per module instance and expands count/for_each into addresses.
 */
import { localAddressOf } from './localAddress';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MAX_HCL_FILE_BYTES, MAX_HCL_NESTING, parseHcl, type ParsedBlock, type ParsedNested } from './parser';
import { BOUND_REASON, collectRefs, evaluate, type Scope } from './resolve';
import type {
  BlockInstance,
  Expr,
  FileError,
  HclAttribute,
  HclBlock,
  HclNestedBlock,
  HclValue,
  IndexOptions,
  IndexedFile,
  ModuleCall,
  ProviderInfo,
  RepoIndex,
  Resolved,
  ResolutionContext,
  SkippedPath,
} from './types';

/** Internal per-index state that is not part of the public shape (scopes for re-resolution). */
interface IndexInternals {
  /** Module scope by module-instance prefix ("" for a root module instance of a dir, "module.x" ...). */
  scopes: Map<string, { dir: string; scope: Scope }>;
  /** Parsed blocks with body offsets, by block. */
  parsed: WeakMap<HclBlock, ParsedBlock>;
  /** The default world (the index itself), then one per named var file of each root module. */
  worlds: World[];
  /** The parsed files the index was built from, and its options (for overlayIndex). */
  sources: SourceFile[];
  opts: IndexOptions;
}

/**
 * One way the repository is applied: every module instance's scope and every block's instances under
 * the default variables (terraform.tfvars, *.auto.tfvars) or under one named var file
 * (`-var-file=environments/prod.tfvars`) of a root module, when `name` is set.
 */
export interface World {
  /** The named var file; undefined for the default binding. */
  name?: string;
  /** The root module directory the var file binds ('' for the default world). */
  root: string;
  instances: Map<HclBlock, BlockInstance[]>;
  /** Blocks whose count/for_each could not be resolved in this world. */
  unknown: Set<HclBlock>;
  scopes: Map<string, { dir: string; scope: Scope }>;
}

export { BOUND_REASON } from './resolve';

const internals = new WeakMap<RepoIndex, IndexInternals>();

/** Internal state of an index built by indexRepository (throws for foreign objects). */
export function indexInternals(index: RepoIndex): IndexInternals {
  const i = internals.get(index);
  if (!i) throw new Error('RepoIndex was not built by indexRepository');
  return i;
}

const SKIP_DIRS = new Set(['node_modules', '.terraform', '.git']);

const isTerraformName = (name: string): boolean =>
  name.endsWith('.tf') ||
  name.endsWith('.tf.json') ||
  name.endsWith('.tfvars') ||
  name === '.terraform.lock.hcl';

/**
 * Lists the Terraform files under root without following symbolic links (readdir's Dirent types
 * come from lstat). Symlinked files and directories are recorded in `skipped` with where they point.
 */
async function walk(root: string, maxFiles: number, skipped: SkippedPath[]): Promise<string[]> {
  const out: string[] = [];
  const stack = [''];
  const base = await fs.realpath(root).catch(() => root);
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') && e.name !== '.terraform.lock.hcl') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        if (SKIP_DIRS.has(e.name)) continue;
        const p = path.join(root, r);
        const real = await fs.realpath(p).catch(() => null);
        const st = real ? await fs.stat(real).catch(() => null) : null;
        // Only links that would otherwise have been indexed (a .tf-like name, or a directory).
        if (!isTerraformName(e.name) && !st?.isDirectory()) continue;
        const to = await fs.readlink(p).catch(() => '?');
        const where =
          real === null
            ? 'a dangling symbolic link'
            : real === base || real.startsWith(base + path.sep)
              ? 'a symbolic link'
              : 'a symbolic link pointing outside the repository';
        skipped.push({ path: r, reason: `${where} (to ${to}), not followed` });
      } else if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) stack.push(r);
      } else if (e.isFile() && isTerraformName(e.name)) {
        out.push(r);
        if (out.length >= maxFiles) return out.sort();
      }
    }
  }
  return out.sort();
}

const dirOf = (rel: string): string => {
  const d = path.posix.dirname(rel);
  return d === '.' ? '' : d;
};

/** Formats a for_each/count key the way Terraform addresses do. */
export function keySuffix(key: string | number | null): string {
  if (key === null) return '';
  return typeof key === 'number' ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

function toJsonBlocks(json: unknown, file: string): { blocks: ParsedBlock[]; errors: FileError[] } {
  // .tf.json: { "resource": { "type": { "name": {...} } }, "variable": { "x": {...} }, ... }
  const blocks: ParsedBlock[] = [];
  if (!json || typeof json !== 'object')
    return { blocks, errors: [{ file, line: 1, message: 'not a JSON object' }] };
  const empty = { startByte: 0, endByte: 0, startLine: 1, endLine: 1 };
  const attrs = (o: unknown): Record<string, HclAttribute> => {
    const out: Record<string, HclAttribute> = {};
    if (!o || typeof o !== 'object') return out;
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && k !== 'tags' && k !== 'default')
        continue;
      out[k] = {
        name: k,
        exprText: JSON.stringify(v),
        expr: jsonExpr(v),
        range: empty,
        value: { known: false, reason: 'not resolved yet' },
      };
    }
    return out;
  };
  const depth: Record<string, number> = {
    resource: 2,
    data: 2,
    module: 1,
    variable: 1,
    output: 1,
    provider: 1,
  };
  for (const [kind, v] of Object.entries(json as Record<string, unknown>)) {
    const d = depth[kind];
    if (kind === 'locals') {
      blocks.push({
        type: 'locals',
        labels: [],
        range: empty,
        bodyStart: 0,
        bodyEnd: 0,
        attributes: attrs(v),
        blocks: [],
      });
      continue;
    }
    if (!d || !v || typeof v !== 'object') continue;
    for (const [l1, v1] of Object.entries(v as Record<string, unknown>)) {
      if (d === 1) {
        blocks.push({
          type: kind,
          labels: [l1],
          range: empty,
          bodyStart: 0,
          bodyEnd: 0,
          attributes: attrs(v1),
          blocks: [],
        });
      } else if (v1 && typeof v1 === 'object') {
        for (const [l2, v2] of Object.entries(v1 as Record<string, unknown>)) {
          blocks.push({
            type: kind,
            labels: [l1, l2],
            range: empty,
            bodyStart: 0,
            bodyEnd: 0,
            attributes: attrs(v2),
            blocks: [],
          });
        }
      }
    }
  }
  return { blocks, errors: [] };
}

/** Thrown by jsonExpr for a .tf.json value nested deeper than MAX_HCL_NESTING. */
class JsonTooDeepError extends Error {}

/** Whether a parsed JSON document nests deeper than `max` (iterative: never overflows the stack). */
function jsonTooDeep(doc: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[doc, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const x of Object.values(v as Record<string, unknown>)) stack.push([x, d + 1]);
  }
  return false;
}

function jsonExpr(v: unknown, depth = 0): Expr {
  if (depth > MAX_HCL_NESTING) throw new JsonTooDeepError(`nesting deeper than ${MAX_HCL_NESTING}`);
  if (typeof v === 'string') {
    const m = /^\$\{([a-z_]+)\.([A-Za-z0-9_-]+)\}$/.exec(v);
    if (m) return { t: 'ref', root: m[1], path: [m[2]] };
    if (v.includes('${')) return { t: 'other', text: v };
    return { t: 'lit', v };
  }
  if (Array.isArray(v)) return { t: 'tuple', items: v.map((x) => jsonExpr(x, depth + 1)) };
  if (v && typeof v === 'object')
    return {
      t: 'object',
      items: Object.entries(v).map(([k, x]) => ({
        key: { t: 'lit', v: k } as Expr,
        val: jsonExpr(x, depth + 1),
      })),
    };
  return { t: 'lit', v: (v ?? null) as HclValue };
}

interface DirInfo {
  dir: string;
  variables: Map<string, { default?: Expr }>;
  locals: Record<string, Expr>;
  outputs: Record<string, Expr>;
  moduleBlocks: HclBlock[];
  blocks: HclBlock[];
  tfvars: { file: string; attributes: Record<string, HclAttribute> }[];
}

function stripNested(n: ParsedNested): HclNestedBlock {
  return {
    type: n.type,
    labels: n.labels,
    range: n.range,
    attributes: copyAttrs(n.attributes),
    blocks: n.blocks.map(stripNested),
  };
}

/** Parses a semver-ish version and returns its major number. */
function majorOf(v: string | null): number | null {
  if (!v) return null;
  const m = /(\d+)(?:\.\d+)*/.exec(v);
  return m ? Number(m[1]) : null;
}

function lockedAws(text: string): { version: string | null; providers: string[] } {
  const providers: string[] = [];
  let version: string | null = null;
  const re = /provider\s+"([^"]+)"\s*\{([^}]*)\}/g;
  for (const m of text.matchAll(re)) {
    providers.push(m[1]);
    if (/\/hashicorp\/aws$/.test(m[1])) {
      const v = /\bversion\s*=\s*"([^"]+)"/.exec(m[2]);
      if (v) version = v[1];
    }
  }
  return { version, providers };
}

/** Indexes every Terraform file under root. Parse errors are recorded per file, never thrown. */
/** One file of the repository as read and parsed; shared by every index built from the same text. */
interface SourceFile {
  rel: string;
  /** The file could not be read (or was skipped): the reason. */
  unreadable?: string;
  text: string;
  eol: '\n' | '\r\n';
  json: boolean;
  errors: FileError[];
  blocks: ParsedBlock[];
  topAttrs: Record<string, HclAttribute>;
}

/** Reads the files (bounded parallelism); an unreadable or oversized file becomes an Error. */
async function readTexts(absRoot: string, rels: string[], maxBytes: number): Promise<(string | Error)[]> {
  const texts: (string | Error)[] = new Array(rels.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(32, rels.length) }, async () => {
      while (next < rels.length) {
        const i = next++;
        try {
          const p = path.join(absRoot, rels[i]);
          // lstat: a file replaced by a symbolic link after the walk is still not followed.
          const st = await fs.lstat(p);
          texts[i] = !st.isFile()
            ? new Error('not a regular file (symbolic link?), skipped')
            : st.size > maxBytes
              ? new Error(`file larger than ${maxBytes} bytes, skipped`)
              : await fs.readFile(p, 'utf8');
        } catch (err) {
          texts[i] = err as Error;
        }
      }
    }),
  );
  return texts;
}

/** Parses one file's text (HCL, or JSON for .tf.json); lock files are kept as text only. */
async function parseSource(rel: string, t: string | Error): Promise<SourceFile> {
  const none = { json: false, errors: [], blocks: [], topAttrs: {} };
  if (t instanceof Error) return { rel, unreadable: t.message, text: '', eol: '\n', ...none };
  const text = t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
  const nl = text.indexOf('\n');
  const eol: '\n' | '\r\n' = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  if (rel.endsWith('.terraform.lock.hcl')) return { rel, text, eol, ...none };
  if (!rel.endsWith('.tf.json')) {
    const pf = await parseHcl(text, rel);
    return { rel, text, eol, json: false, errors: pf.errors, blocks: pf.blocks, topAttrs: pf.attributes };
  }
  try {
    const doc: unknown = JSON.parse(text);
    // Before any recursive walk (JSON.stringify, jsonExpr, structuredClone) sees the document.
    if (jsonTooDeep(doc, MAX_HCL_NESTING))
      throw new JsonTooDeepError(`nesting deeper than ${MAX_HCL_NESTING}`);
    const { blocks, errors } = toJsonBlocks(doc, rel);
    return { rel, text, eol, json: true, errors, blocks, topAttrs: {} };
  } catch (err) {
    const msg = (err as Error).message;
    const message = err instanceof JsonTooDeepError ? msg : `invalid JSON: ${msg}`;
    return { rel, text, eol, ...none, json: true, errors: [{ file: rel, line: 1, message }] };
  }
}

/** A block's attributes, copied: each index resolves its own values (the parse is shared). */
function copyAttrs(attrs: Record<string, HclAttribute>): Record<string, HclAttribute> {
  const out: Record<string, HclAttribute> = {};
  for (const [k, a] of Object.entries(attrs)) out[k] = { ...a };
  return out;
}

export async function indexRepository(root: string, opts: IndexOptions = {}): Promise<RepoIndex> {
  const absRoot = path.resolve(root);
  const skipped: SkippedPath[] = [];
  const rels = await walk(absRoot, opts.maxFiles ?? 20000, skipped);
  const texts = await readTexts(absRoot, rels, opts.maxFileBytes ?? MAX_HCL_FILE_BYTES);
  // Parse sequentially (the parser is synchronous once initialised).
  const sources: SourceFile[] = [];
  for (let i = 0; i < rels.length; i++) sources.push(await parseSource(rels[i], texts[i]));
  return buildIndex(absRoot, sources, skipped, opts);
}

/**
 * The index of the repository with some files replaced or added, built in memory from `base`: only
 * the changed files are parsed again; every other file's parse is reused, and the module graph,
 * count/for_each expansion and values are resolved again (they may depend on the change). Nothing is
 * read from or written to disk. `base` is not modified.
 */
export async function overlayIndex(
  base: RepoIndex,
  changes: { path: string; after: string }[],
): Promise<RepoIndex> {
  const state = indexInternals(base);
  const byRel = new Map(state.sources.map((f) => [f.rel, f]));
  for (const c of changes) byRel.set(c.path, await parseSource(c.path, c.after));
  const sources = [...byRel.keys()].sort().map((r) => byRel.get(r)!);
  return buildIndex(base.root, sources, [...(base.skipped ?? [])], {
    ...state.opts,
    context: { ...base.context },
    reuse: { base, changed: changes.map((c) => c.path) },
  });
}

/**
 * The same repository indexed for another account id / region (data.aws_caller_identity, data.aws_region):
 * every file's parse is reused, only the resolution is done again. `base` is not modified.
 */
export async function indexWithContext(base: RepoIndex, context: ResolutionContext): Promise<RepoIndex> {
  const state = indexInternals(base);
  return buildIndex(base.root, state.sources, [...(base.skipped ?? [])], {
    ...state.opts,
    context: { ...context },
  });
}

/** Bytes of source text an index holds (a proxy for its memory: the parse trees grow with it). */
export function indexTextBytes(index: RepoIndex): number {
  return indexInternals(index).sources.reduce((n, f) => n + f.text.length, 0);
}

/** Builds the index from parsed files: module graph, worlds, instances and resolved values. */
async function buildIndex(
  absRoot: string,
  sources: SourceFile[],
  skipped: SkippedPath[],
  opts: IndexOptions & { reuse?: Reuse },
): Promise<RepoIndex> {
  const ctx: ResolutionContext = { ...(opts.context ?? {}) };
  const files: Record<string, IndexedFile> = {};
  const blocks: HclBlock[] = [];
  const parsedOf = new WeakMap<HclBlock, ParsedBlock>();
  const dirs = new Map<string, DirInfo>();
  const provider: ProviderInfo = {
    awsConstraint: null,
    awsLockedVersion: null,
    awsMajor: null,
    providers: [],
  };
  const providerSet = new Set<string>();
  const dirInfo = (d: string): DirInfo => {
    let di = dirs.get(d);
    if (!di) {
      di = {
        dir: d,
        variables: new Map(),
        locals: {},
        outputs: {},
        moduleBlocks: [],
        blocks: [],
        tfvars: [],
      };
      dirs.set(d, di);
    }
    return di;
  };

  for (const src of sources) {
    const rel = src.rel;
    const d = dirOf(rel);
    if (src.unreadable !== undefined) {
      files[rel] = { text: '', errors: [{ file: rel, line: 1, message: src.unreadable }], eol: '\n' };
      continue;
    }
    const text = src.text;
    if (rel.endsWith('.terraform.lock.hcl')) {
      const l = lockedAws(text);
      if (l.version && !provider.awsLockedVersion) provider.awsLockedVersion = l.version;
      l.providers.forEach((p) => providerSet.add(p.replace(/^registry\.terraform\.io\//, '')));
      continue;
    }
    const parsedBlocks = src.blocks;
    const topAttrs = src.topAttrs;
    files[rel] = { text, errors: src.errors, eol: src.eol, ...(src.json ? { json: true } : {}) };
    if (rel.endsWith('.tfvars')) {
      dirInfo(d).tfvars.push({ file: rel, attributes: topAttrs });
      continue;
    }
    const di = dirInfo(d);
    for (const pb of parsedBlocks) {
      const b: HclBlock = {
        kind: pb.type,
        labels: pb.labels,
        file: rel,
        moduleDir: d,
        localAddress: localAddressOf(pb.type, pb.labels),
        address: '',
        instances: [],
        range: pb.range,
        // Read-only until the values are resolved at the end (copied there, or shared from an overlay's base).
        attributes: pb.attributes,
        blocks: [],
      };
      parsedOf.set(b, pb);
      blocks.push(b);
      di.blocks.push(b);
      if (pb.type === 'variable' && pb.labels[0])
        di.variables.set(pb.labels[0], { default: pb.attributes.default?.expr });
      else if (pb.type === 'locals')
        for (const [k, a] of Object.entries(pb.attributes)) di.locals[k] = a.expr;
      else if (pb.type === 'output' && pb.labels[0] && pb.attributes.value)
        di.outputs[pb.labels[0]] = pb.attributes.value.expr;
      else if (pb.type === 'module') di.moduleBlocks.push(b);
      else if (pb.type === 'terraform') {
        for (const rp of pb.blocks.filter((x) => x.type === 'required_providers')) {
          for (const a of Object.values(rp.attributes)) {
            if (a.expr.t !== 'object') continue;
            const get = (k: string): string | null => {
              const it =
                a.expr.t === 'object'
                  ? a.expr.items.find((x) => x.key.t === 'lit' && x.key.v === k)
                  : undefined;
              return it && it.val.t === 'lit' && typeof it.val.v === 'string' ? it.val.v : null;
            };
            const src = get('source') ?? `hashicorp/${a.name}`;
            providerSet.add(src);
            if (/(^|\/)hashicorp\/aws$/.test(src) && !provider.awsConstraint)
              provider.awsConstraint = get('version');
          }
        }
      }
    }
  }
  provider.providers = [...providerSet].sort();
  provider.awsMajor = majorOf(provider.awsLockedVersion) ?? majorOf(provider.awsConstraint);

  // Module graph: which directories are called as local modules.
  const calledDirs = new Set<string>();
  const moduleSource = (b: HclBlock): { source: string; dir: string | null } => {
    const s = b.attributes.source;
    const source = s && s.expr.t === 'lit' && typeof s.expr.v === 'string' ? s.expr.v : '';
    if (source.startsWith('./') || source.startsWith('../')) {
      const dir = path.posix.normalize(path.posix.join(b.moduleDir || '.', source)).replace(/\/$/, '');
      return { source, dir: dir === '.' ? '' : dir };
    }
    return { source, dir: null };
  };
  // Local module calls as [caller directory, called directory].
  const calls: [string, string][] = [];
  for (const di of dirs.values())
    for (const mb of di.moduleBlocks) {
      const { dir } = moduleSource(mb);
      if (dir !== null) calls.push([di.dir, dir]);
    }
  for (const [, dir] of calls) if (dirs.has(dir)) calledDirs.add(dir);
  const rootModuleDirs = [...dirs.keys()]
    .filter((d) => !calledDirs.has(d) && dirs.get(d)!.blocks.length > 0)
    .sort();

  const index: RepoIndex = {
    root: absRoot,
    files,
    blocks,
    modules: [],
    rootModuleDirs,
    provider,
    context: ctx,
    ...(skipped.length > 0 ? { skipped } : {}),
  };
  const { reuse: _reuse, ...ownOpts } = opts;
  const state: IndexInternals = { scopes: new Map(), parsed: parsedOf, worlds: [], sources, opts: ownOpts };
  internals.set(index, state);

  const rootVars = (di: DirInfo, extra: Record<string, HclAttribute>[]): Record<string, Resolved> => {
    const empty: Scope = { vars: {}, locals: {}, localCache: new Map(), ctx };
    const vars: Record<string, Resolved> = {};
    for (const [name, v] of di.variables) {
      vars[name] = v.default
        ? evaluate(v.default, empty)
        : { known: false, reason: 'no default value and no tfvars value' };
    }
    const ordered = [...di.tfvars].sort((a, b) => {
      const rank = (f: string): number =>
        f.endsWith('/terraform.tfvars') || f === 'terraform.tfvars' ? 0 : f.endsWith('.auto.tfvars') ? 1 : 2;
      return rank(a.file) - rank(b.file) || a.file.localeCompare(b.file);
    });
    // Terraform loads terraform.tfvars then *.auto.tfvars; other *.tfvars apply only with -var-file.
    const layers = [
      ...ordered
        .filter((t) => !t.file.endsWith('.tfvars') || /(^|\/)terraform\.tfvars$|\.auto\.tfvars$/.test(t.file))
        .map((t) => t.attributes),
      ...extra,
    ];
    for (const attrs of layers)
      for (const [k, a] of Object.entries(attrs)) if (di.variables.has(k)) vars[k] = evaluate(a.expr, empty);
    return vars;
  };
  const extraVarFiles: Record<string, HclAttribute>[] = [];
  for (const vf of opts.varFiles ?? []) {
    const t = files[vf] ?? null;
    if (t) {
      const pf = await parseHcl(t.text, vf);
      extraVarFiles.push(pf.attributes);
    }
  }

  // Named var files bind the root module directory that holds them (or every root, at the top).
  const isDefaultVars = (file: string, dir: string): boolean =>
    path.posix.dirname(file) === (dir || '.') && /(^|\/)terraform\.tfvars$|\.auto\.tfvars$/.test(file);
  // The deepest root module directory holding a file (undefined when none does).
  const ownerRoot = (file: string): string | undefined =>
    rootModuleDirs.filter((o) => o === '' || file.startsWith(`${o}/`)).sort((x, y) => y.length - x.length)[0];
  const allVarFiles = [...dirs.values()]
    .flatMap((d) => d.tfvars)
    .sort((x, y) => x.file.localeCompare(y.file));
  const namedVarFiles = (r: string) =>
    allVarFiles.filter((t) => {
      if (isDefaultVars(t.file, r)) return false;
      const owner = ownerRoot(t.file);
      return owner === undefined || owner === r;
    });
  /** Default variables of a root, where a variable only named var files set is marked BOUND_REASON. */
  const defaultRootVars = (r: string): Record<string, Resolved> => {
    const di = dirs.get(r)!;
    const vars = rootVars(di, extraVarFiles);
    for (const t of namedVarFiles(r))
      for (const k of Object.keys(t.attributes))
        if (di.variables.has(k) && !vars[k]?.known) vars[k] = { known: false, reason: BOUND_REASON };
    return vars;
  };

  // Instantiate modules depth-first from each root module directory, into a world: the index itself
  // (the default binding; `primary`) or the world of one named var file.
  const instantiate = (
    di: DirInfo,
    prefix: string,
    modulePath: string[],
    vars: Record<string, Resolved>,
    depth: number,
    w: World,
    primary: boolean,
    inputs?: Scope['inputs'],
  ): void => {
    const scope: Scope = {
      vars,
      locals: di.locals,
      localCache: new Map(),
      ctx,
      ...(inputs ? { inputs } : {}),
    };
    const childOutputs = new Map<string, Resolved>();
    scope.moduleOutputs = (name) =>
      childOutputs.get(name) ?? { known: false, reason: `module.${name} is not a local module` };
    w.scopes.set(`${di.dir}\0${prefix}`, { dir: di.dir, scope });
    for (const b of di.blocks) {
      if (b.kind !== 'resource' && b.kind !== 'data' && b.kind !== 'module') continue;
      const base = prefix ? `${prefix}.${b.localAddress}` : b.localAddress;
      if (primary && !b.address) b.address = base;
      const keys = expandKeys(b, scope);
      if (primary && keys.reason && !b.instancesUnknown) b.instancesUnknown = keys.reason;
      if (keys.reason) w.unknown.add(b);
      const list = primary ? b.instances : (w.instances.get(b) ?? []);
      if (!primary) w.instances.set(b, list);
      for (const k of keys.keys) {
        const inst: BlockInstance = { address: base + keySuffix(k.key), modulePath, key: k.key };
        if (k.value !== undefined) inst.eachValue = k.value;
        list.push(inst);
      }
    }
    if (depth >= 8) return;
    for (const mb of di.moduleBlocks) {
      const { source, dir } = moduleSource(mb);
      const name = mb.labels[0] ?? '';
      const keys = expandKeys(mb, scope);
      for (const k of keys.keys) {
        const iScope: Scope = {
          ...scope,
          ...(k.each ? { each: k.each } : {}),
          ...(k.count ? { count: k.count } : {}),
        };
        const values: Record<string, Resolved> = {};
        const exprs: NonNullable<Scope['inputs']> = {};
        for (const [an, a] of Object.entries(mb.attributes)) {
          if (['source', 'version', 'count', 'for_each', 'providers', 'depends_on'].includes(an)) continue;
          values[an] = evaluate(a.expr, iScope);
          exprs[an] = { expr: a.expr, scope: iScope };
        }
        const childPrefix = `${prefix ? `${prefix}.` : ''}module.${name}${keySuffix(k.key)}`;
        const childPath = [...modulePath, `${name}${keySuffix(k.key)}`];
        if (primary)
          index.modules.push({
            modulePath: childPath,
            callerDir: di.dir,
            dir,
            source,
            inputs: values,
            key: k.key,
          });
        const child = dir !== null ? dirs.get(dir) : undefined;
        if (!child) continue;
        const empty: Scope = { vars: {}, locals: {}, localCache: new Map(), ctx };
        const childVars: Record<string, Resolved> = {};
        for (const [vn, v] of child.variables) {
          childVars[vn] =
            values[vn] ??
            (v.default
              ? evaluate(v.default, empty)
              : { known: false, reason: `module input "${vn}" not set` });
        }
        instantiate(child, childPrefix, childPath, childVars, depth + 1, w, primary, exprs);
        if (!childOutputs.has(name) && k.key === null) {
          const cs = w.scopes.get(`${child.dir}\0${childPrefix}`)?.scope;
          const outs: Record<string, HclValue> = {};
          for (const [on, oe] of Object.entries(child.outputs)) {
            const r = cs ? evaluate(oe, cs) : { known: false as const, reason: 'no scope' };
            if (r.known) outs[on] = r.value;
          }
          childOutputs.set(name, { known: true, value: outs });
        }
      }
    }
  };
  const main: World = { root: '', instances: new Map(), unknown: new Set(), scopes: state.scopes };
  for (const d of rootModuleDirs) instantiate(dirs.get(d)!, '', [], defaultRootVars(d), 0, main, true);
  // Directories never reached (called only from unreachable callers) are indexed as their own roots.
  for (const di of dirs.values()) {
    if (
      di.blocks.some((b) => (b.kind === 'resource' || b.kind === 'data' || b.kind === 'module') && !b.address)
    ) {
      if (![...state.scopes.values()].some((x) => x.dir === di.dir))
        instantiate(di, '', [], rootVars(di, []), 0, main, true);
    }
  }
  for (const blk of blocks) main.instances.set(blk, blk.instances);
  state.worlds.push(main);
  // One world per named var file of each root: its own instances (count/for_each may differ) and scopes.
  for (const r of rootModuleDirs) {
    for (const t of namedVarFiles(r)) {
      const w: World = { name: t.file, root: r, instances: new Map(), unknown: new Set(), scopes: new Map() };
      instantiate(
        dirs.get(r)!,
        '',
        [],
        rootVars(dirs.get(r)!, [...extraVarFiles, t.attributes]),
        0,
        w,
        false,
      );
      state.worlds.push(w);
    }
  }

  // Default-context values of every attribute (first module instance of the block's directory). An
  // overlay takes the base's values for blocks of unchanged files in directories the change cannot reach.
  const reused = opts.reuse ? reusableValues(opts.reuse, sources, dirs, calls) : undefined;
  const scopeOf = new Map<string, Scope>();
  for (const b of blocks) {
    if (!b.address) b.address = b.localAddress;
    const pb = parsedOf.get(b)!;
    const from = reused?.(b.moduleDir, pb);
    if (from) {
      // The base's resolved attributes are shared, not copied: the overlay only reads them.
      b.attributes = from.attributes;
      b.blocks = from.blocks;
      continue;
    }
    b.attributes = copyAttrs(pb.attributes);
    b.blocks = pb.blocks.map(stripNested);
    let scope = scopeOf.get(b.moduleDir);
    if (!scope) {
      scope = scopeForDir(state, b.moduleDir) ?? { vars: {}, locals: {}, localCache: new Map(), ctx };
      scopeOf.set(b.moduleDir, scope);
    }
    resolveAttrs(b.attributes, b.blocks, scope);
  }
  return index;
}

/** What an overlay may reuse from its base: the base index and the directories of the changed files. */
interface Reuse {
  base: RepoIndex;
  /** The files the overlay changes or adds. */
  changed: string[];
}

/** A base index's blocks by their parse, built once (every overlay of the base looks blocks up in it). */
const baseByParse = new WeakMap<RepoIndex, Map<ParsedBlock, HclBlock>>();

/** References of a base block, computed once (several overlays of one base ask for the same block). */
const baseRefs = new WeakMap<object, string[]>();

/** Every reference of a block's attributes and nested blocks (`aws_s3_bucket.x.id`, `var.y`...). */
function refsOf(
  b: { attributes: Record<string, HclAttribute>; blocks: HclNestedBlock[] },
  out: string[] = [],
): string[] {
  for (const a of Object.values(b.attributes)) collectRefs(a.expr, out);
  for (const n of b.blocks) refsOf(n, out);
  return out;
}

const refersTo = (refs: string[], addrs: Set<string>): boolean =>
  refs.some((r) => {
    const m = /^(data\.[\w-]+\.[\w-]+|[\w-]+\.[\w-]+)/.exec(r);
    return m !== null && addrs.has(m[1]!);
  });

/**
 * For an overlay: the base block whose resolved values a new block may share, by directory and parse.
 * A change that touches only resource blocks reaches the blocks of its directory that refer to them;
 * any other change (a variable, local, output, module call, data source...) reaches its whole
 * directory, the modules it calls (their inputs) and its callers (its outputs), transitively, as does
 * a resource change a non-resource block refers to. Blocks elsewhere, parsed from the same unchanged
 * file, resolve the same.
 */
function reusableValues(
  reuse: Reuse,
  sources: SourceFile[],
  dirs: Map<string, DirInfo>,
  calls: [string, string][],
): (dir: string, pb: ParsedBlock) => HclBlock | undefined {
  const base = indexInternals(reuse.base);
  const baseSources = new Map(base.sources.map((f) => [f.rel, f]));
  const now = new Map(sources.map((f) => [f.rel, f]));
  const whole = new Set<string>();
  const dirty = new Map<string, Set<string>>();
  const textOf = (f: SourceFile | undefined) =>
    new Map(
      (f?.blocks ?? []).map((x) => [
        [x.type, ...x.labels].join(' '),
        f!.text.slice(x.range.startByte, x.range.endByte),
      ]),
    );
  for (const rel of reuse.changed) {
    const d = dirOf(rel);
    const before = baseSources.get(rel);
    const after = now.get(rel);
    if (!rel.endsWith('.tf') || (before?.blocks.length ?? 0) + (after?.blocks.length ?? 0) === 0) {
      whole.add(d); // tfvars, lock files, JSON, unparsable: the whole directory
      continue;
    }
    const was = textOf(before);
    const is = textOf(after);
    for (const k of new Set([...was.keys(), ...is.keys()])) {
      if (was.get(k) === is.get(k)) continue;
      const [kind, ...labels] = k.split(' ');
      if (kind !== 'resource') whole.add(d);
      else dirty.set(d, (dirty.get(d) ?? new Set()).add(labels.join('.')));
    }
  }
  // A resource change that a non-resource block refers to (a local, an output, a module input).
  for (const [d, addrs] of dirty)
    if (
      dirs
        .get(d)
        ?.blocks.some(
          (b) => b.kind !== 'resource' && refersTo(refsOf({ attributes: b.attributes, blocks: [] }), addrs),
        )
    )
      whole.add(d);
  const edges = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  };
  for (const [caller, called] of calls) {
    link(caller, called);
    link(called, caller);
  }
  const todo = [...whole];
  while (todo.length) {
    for (const n of edges.get(todo.pop()!) ?? []) {
      if (whole.has(n)) continue;
      whole.add(n);
      todo.push(n);
    }
  }
  let byParse = baseByParse.get(reuse.base);
  if (!byParse) {
    byParse = new Map();
    for (const b of reuse.base.blocks) {
      const pb = base.parsed.get(b);
      if (pb) byParse.set(pb, b);
    }
    baseByParse.set(reuse.base, byParse);
  }
  const lookup = byParse;
  return (dir, pb) => {
    if (whole.has(dir)) return undefined;
    const from = lookup.get(pb);
    const addrs = dirty.get(dir);
    if (!from || !addrs) return from;
    let refs = baseRefs.get(from);
    if (!refs) baseRefs.set(from, (refs = refsOf(from)));
    return refersTo(refs, addrs) ? undefined : from;
  };
}

function scopeForDir(state: IndexInternals, dir: string): Scope | undefined {
  for (const s of state.scopes.values()) if (s.dir === dir) return s.scope;
  return undefined;
}

function resolveAttrs(attrs: Record<string, HclAttribute>, nested: HclNestedBlock[], scope: Scope): void {
  for (const a of Object.values(attrs)) a.value = evaluate(a.expr, scope);
  for (const n of nested) resolveAttrs(n.attributes, n.blocks, scope);
}

interface ExpandedKey {
  key: string | number | null;
  value?: HclValue;
  each?: { key: HclValue; value: HclValue };
  count?: { index: number };
}

/** The instance keys of a block (count / for_each), or a single null key. */
function expandKeys(b: HclBlock, scope: Scope): { keys: ExpandedKey[]; reason?: string } {
  const fe = b.attributes.for_each;
  const ct = b.attributes.count;
  if (fe) {
    const r = evaluate(fe.expr, scope);
    if (!r.known) return { keys: [], reason: `for_each: ${r.reason}` };
    const v = r.value;
    if (Array.isArray(v)) {
      const keys: ExpandedKey[] = [];
      for (const x of v) {
        if (typeof x !== 'string') return { keys: [], reason: 'for_each over a set of non-strings' };
        keys.push({ key: x, value: x, each: { key: x, value: x } });
      }
      return { keys };
    }
    if (v && typeof v === 'object') {
      return {
        keys: Object.keys(v)
          .sort()
          .map((k) => ({ key: k, value: v[k], each: { key: k, value: v[k] } })),
      };
    }
    return { keys: [], reason: 'for_each is not a map or set' };
  }
  if (ct) {
    const r = evaluate(ct.expr, scope);
    if (!r.known) return { keys: [], reason: `count: ${r.reason}` };
    if (typeof r.value !== 'number' || r.value < 0)
      return { keys: [], reason: 'count is not a non-negative number' };
    const n = Math.min(r.value, 1000);
    return { keys: Array.from({ length: n }, (_, i) => ({ key: i, count: { index: i } })) };
  }
  return { keys: [{ key: null }] };
}

/** The evaluation scope of one block instance (module instance + each/count). */
export function scopeForInstance(index: RepoIndex, block: HclBlock, inst?: BlockInstance): Scope {
  const state = indexInternals(index);
  const prefix = inst ? inst.modulePath.map((m) => `module.${m}`).join('.') : null;
  const entry = prefix !== null ? state.scopes.get(`${block.moduleDir}\0${prefix}`) : undefined;
  const base =
    (entry && entry.dir === block.moduleDir ? entry.scope : scopeForDir(state, block.moduleDir)) ??
    ({ vars: {}, locals: {}, localCache: new Map(), ctx: index.context } satisfies Scope);
  if (!inst || inst.key === null) return base;
  if (typeof inst.key === 'number') return { ...base, count: { index: inst.key } };
  return { ...base, each: { key: inst.key, value: inst.eachValue ?? inst.key } };
}

/**
 * Sets the account id / region used for data.aws_caller_identity / data.aws_region (exactly: an
 * absent one becomes unknown again) and re-resolves cached values when they change. Instance keys
 * computed at index time are kept.
 */
export function setResolutionContext(index: RepoIndex, ctx: ResolutionContext): void {
  const cur = index.context;
  const next = { accountId: ctx.accountId, region: ctx.region };
  if (next.accountId === cur.accountId && next.region === cur.region) return;
  cur.accountId = next.accountId;
  cur.region = next.region;
  const state = indexInternals(index);
  for (const s of state.scopes.values()) s.scope.localCache.clear();
  for (const w of state.worlds) for (const x of w.scopes.values()) x.scope.localCache.clear();
  for (const b of index.blocks) {
    const scope = scopeForDir(state, b.moduleDir);
    if (scope) resolveAttrs(b.attributes, b.blocks, scope);
  }
}

/** One instance of a block in one world, with its evaluation scope. */
export interface WorldInstance {
  /** The named var file of the world (undefined: the default binding). */
  binding?: string;
  /** null when the block's instances are unknown (count/for_each not resolvable). */
  inst: BlockInstance | null;
  scope: Scope;
}

/**
 * Every instance of a block in every world that reaches it: the default binding first, then each
 * named var file (where count/for_each, module inputs and names may differ).
 */
export function instancesInWorlds(index: RepoIndex, block: HclBlock): WorldInstance[] {
  const out: WorldInstance[] = [];
  const prefixOf = (i: BlockInstance) => i.modulePath.map((m) => `module.${m}`).join('.');
  for (const w of indexInternals(index).worlds) {
    const list = w.instances.get(block);
    if (!list) continue; // the world does not reach the block
    const dirScope = [...w.scopes.values()].find((x) => x.dir === block.moduleDir)?.scope;
    if (list.length === 0) {
      // No instance (count = 0 here), unless count/for_each could not be resolved.
      if (w.unknown.has(block) && dirScope) out.push({ binding: w.name, inst: null, scope: dirScope });
      continue;
    }
    for (const inst of list) {
      const base = w.scopes.get(`${block.moduleDir}\0${prefixOf(inst)}`)?.scope ?? dirScope;
      if (!base) continue;
      const scope =
        inst.key === null
          ? base
          : typeof inst.key === 'number'
            ? { ...base, count: { index: inst.key } }
            : { ...base, each: { key: inst.key, value: inst.eachValue ?? inst.key } };
      out.push({ binding: w.name, inst, scope });
    }
  }
  return out;
}

/** Parsed block data (body offsets) of an indexed block. */
export function parsedBlock(index: RepoIndex, block: HclBlock): ParsedBlock | undefined {
  return indexInternals(index).parsed.get(block);
}

/** Re-resolves the attribute `name` of a block (optionally for one instance); dotted names walk nested blocks. */
export function attributeValue(
  index: RepoIndex,
  block: HclBlock,
  name: string,
  inst?: BlockInstance,
): Resolved {
  const parts = name.split('.');
  let attrs = block.attributes;
  let nested = block.blocks;
  for (const p of parts.slice(0, -1)) {
    const n = nested.find((x) => x.type === p);
    if (!n) return { known: false, reason: `no nested block "${p}"` };
    attrs = n.attributes;
    nested = n.blocks;
  }
  const a = attrs[parts[parts.length - 1]];
  if (!a) return { known: false, reason: `attribute "${name}" is not set` };
  return evaluate(a.expr, scopeForInstance(index, block, inst));
}

/** Evaluates an arbitrary expression in the scope of a block (instance). */
export function resolveExpression(
  index: RepoIndex,
  block: HclBlock,
  expr: Expr,
  inst?: BlockInstance,
): Resolved {
  return evaluate(expr, scopeForInstance(index, block, inst));
}

export type { ModuleCall };
