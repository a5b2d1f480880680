/**
 * Validation of a candidate change: parse, guardrails (no removed/renamed blocks, no provisioners,
 * no external data source, no new provider or module source), references resolve in the module,
 * and `terraform validate` in the box of ./box.ts (providers only from the operator's mirror).
 */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Patch, ValidationIssue } from '../contracts';
import {
  BOX_INIT_ARGS,
  boxEnv,
  copyIntoBox,
  excludedFromBox,
  writeCliConfig,
  writeModuleManifest,
} from './box';
import { findTerraform, runTerraform } from './format';
import { authoritativeParse } from './hcl2json';
import { parseHcl, type ParsedBlock, type ParsedNested } from './parser';
import { collectRefs } from './resolve';
import type { ApplyResult, HclAttribute, RepoIndex, ValidateOptions, ValidationReport } from './types';
import { stripKeys } from './locate';

const dirOf = (f: string): string => (path.posix.dirname(f) === '.' ? '' : path.posix.dirname(f));

function localAddr(b: { type: string; labels: string[] }): string | null {
  if (b.type === 'resource') return `${b.labels[0]}.${b.labels[1]}`;
  if (b.type === 'data') return `data.${b.labels[0]}.${b.labels[1]}`;
  if (b.type === 'module') return `module.${b.labels[0]}`;
  return null;
}

function provisioners(blocks: ParsedNested[], out: string[] = []): string[] {
  for (const b of blocks) {
    if (b.type === 'provisioner') out.push(b.labels[0] ?? '');
    provisioners(b.blocks, out);
  }
  return out;
}

function strAttr(a: HclAttribute | undefined): string | null {
  return a && a.expr.t === 'lit' && typeof a.expr.v === 'string' ? a.expr.v : null;
}

function providerKeys(blocks: ParsedBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.type === 'provider')
      out.push(
        `provider ${b.labels[0]}${strAttr(b.attributes.alias) ? `.${strAttr(b.attributes.alias)}` : ''}`,
      );
    if (b.type === 'terraform')
      for (const rp of b.blocks.filter((x) => x.type === 'required_providers'))
        for (const a of Object.values(rp.attributes))
          out.push(`required_providers ${a.name} = ${a.exprText.replace(/\s+/g, ' ')}`);
  }
  return out;
}

function blockText(text: string, b: ParsedBlock): string {
  return text.slice(b.range.startByte, b.range.endByte);
}

/** Validates a change produced by applyPatch. Never throws for invalid content: see issues. */
export async function validateChange(
  index: RepoIndex,
  result: ApplyResult,
  patch: Patch,
  opts: ValidateOptions = {},
): Promise<ValidationReport> {
  const issues: ValidationIssue[] = [];
  const ran: string[] = [];
  const skipped: string[] = [];
  const err = (file: string, line: number, message: string): void => {
    issues.push({ file, line, message, severity: 'error' });
  };
  const allowedRemovals = new Set((patch.removes ?? []).map((a) => stripKeys(a)));

  // 1. Parse every changed file.
  const parsedAfter = new Map<string, ParsedBlock[]>();
  const parsedBefore = new Map<string, ParsedBlock[]>();
  for (const f of result.files) {
    const after = await parseHcl(f.after, f.path);
    for (const e of after.errors) err(f.path, e.line, `does not parse: ${e.message}`);
    parsedAfter.set(f.path, after.blocks);
    parsedBefore.set(f.path, (await parseHcl(f.before, f.path)).blocks);
  }
  ran.push('parse');
  // 1b. HashiCorp's own parser (./hcl2json.ts) must accept every changed file tree-sitter accepted.
  const accepted = result.files.filter((f) => !issues.some((i) => i.file === f.path));
  const reparsed = await authoritativeParse(accepted.map((f) => ({ path: f.path, content: f.after })));
  for (const r of reparsed) {
    if (r.error) err(r.path, r.line ?? 1, `hcl2json: ${r.error}`);
    else if (r.skipped) skipped.push(`hcl-reparse (${r.path}): ${r.skipped}`);
  }
  if (reparsed.some((r) => !r.skipped)) ran.push('hcl-reparse');

  // 2. Guardrails.
  const beforeAddrs = new Map<string, { file: string; line: number }>();
  const afterAddrs = new Map<string, { file: string; block: ParsedBlock }>();
  for (const f of result.files) {
    const d = dirOf(f.path);
    for (const b of parsedBefore.get(f.path) ?? []) {
      const a = localAddr(b);
      if (a) beforeAddrs.set(`${d}|${a}`, { file: f.path, line: b.range.startLine });
    }
    for (const b of parsedAfter.get(f.path) ?? []) {
      const a = localAddr(b);
      if (a) afterAddrs.set(`${d}|${a}`, { file: f.path, block: b });
    }
  }
  for (const [key, where] of beforeAddrs) {
    const addr = key.split('|')[1];
    if (afterAddrs.has(key)) continue;
    // A block moved to another (unchanged) file of the same module still exists.
    const stillIndexed = index.blocks.some(
      (b) => `${b.moduleDir}|${b.localAddress}` === key && !result.files.some((f) => f.path === b.file),
    );
    if (stillIndexed) continue;
    if (![...allowedRemovals].some((r) => r === addr || r.endsWith(`.${addr}`)))
      err(
        where.file,
        where.line,
        `${addr} was removed or renamed, and the patch does not declare it in "removes"`,
      );
  }
  const existingSources = new Set(
    index.blocks.filter((b) => b.kind === 'module').map((b) => strAttr(b.attributes.source) ?? ''),
  );
  for (const f of result.files) {
    const beforeBlocks = parsedBefore.get(f.path) ?? [];
    const beforeByKey = new Map(beforeBlocks.map((b) => [[b.type, ...b.labels].join(' '), b]));
    const beforeProv = new Set(providerKeys(beforeBlocks));
    for (const b of parsedAfter.get(f.path) ?? []) {
      const key = [b.type, ...b.labels].join(' ');
      const old = beforeByKey.get(key);
      const line = b.range.startLine;
      const prov = provisioners(b.blocks);
      const oldProv = old ? provisioners(old.blocks) : [];
      if (prov.length > oldProv.length) {
        const kinds = prov.filter((p) => p === 'local-exec' || p === 'remote-exec');
        err(
          f.path,
          line,
          `${key}: provisioner${kinds.length ? ` (${kinds.join(', ')})` : ''} introduced; provisioners are not allowed`,
        );
      }
      if (b.type === 'data' && b.labels[0] === 'external' && !old)
        err(f.path, line, `${key}: the "external" data source runs programs and is not allowed`);
      if (b.type === 'module') {
        const src = strAttr(b.attributes.source) ?? b.attributes.source?.exprText ?? '';
        const oldSrc = old ? (strAttr(old.attributes.source) ?? old.attributes.source?.exprText ?? '') : null;
        if (src !== oldSrc && !existingSources.has(src))
          err(f.path, line, `${key}: new module source "${src}" is not allowed`);
      }
    }
    for (const pk of providerKeys(parsedAfter.get(f.path) ?? [])) {
      if (beforeProv.has(pk)) continue;
      err(f.path, 1, `new provider configuration introduced: ${pk}`);
    }
  }
  ran.push('guardrails');

  // 3. References in changed blocks resolve in their module.
  for (const f of result.files) {
    const d = dirOf(f.path);
    const declared = new Set<string>();
    const localsDeclared = new Set<string>();
    for (const b of index.blocks) {
      if (b.moduleDir !== d || result.files.some((x) => x.path === b.file)) continue;
      declared.add(b.localAddress);
      if (b.kind === 'locals') Object.keys(b.attributes).forEach((k) => localsDeclared.add(k));
    }
    for (const [p, blocks] of parsedAfter) {
      if (dirOf(p) !== d) continue;
      for (const b of blocks) {
        const a = localAddr(b);
        if (a) declared.add(a);
        if (b.type === 'variable') declared.add(`var.${b.labels[0]}`);
        if (b.type === 'locals') Object.keys(b.attributes).forEach((k) => localsDeclared.add(k));
      }
    }
    const before = parsedBefore.get(f.path) ?? [];
    const beforeTexts = new Set(before.map((b) => blockText(f.before, b)));
    for (const b of parsedAfter.get(f.path) ?? []) {
      if (beforeTexts.has(blockText(f.after, b))) continue; // unchanged block
      const refs: string[] = [];
      const walk = (attrs: Record<string, HclAttribute>, nested: ParsedNested[]): void => {
        for (const a of Object.values(attrs)) collectRefs(a.expr, refs, false);
        for (const n of nested) walk(n.attributes, n.blocks);
      };
      walk(b.attributes, b.blocks);
      const dynamicIters = new Set<string>();
      const collectDyn = (nested: ParsedNested[]): void => {
        for (const n of nested) {
          if (n.type === 'dynamic') dynamicIters.add(strAttr(n.attributes.iterator) ?? n.labels[0] ?? '');
          collectDyn(n.blocks);
        }
      };
      collectDyn(b.blocks);
      for (const r of new Set(refs)) {
        const [root, a1, a2] = r.split('.');
        let ok = true;
        if (root === 'var') ok = !a1 || declared.has(`var.${a1}`);
        else if (root === 'local') ok = !a1 || localsDeclared.has(a1);
        else if (root === 'module') ok = !a1 || declared.has(`module.${a1}`);
        else if (root === 'data') ok = !a1 || !a2 || declared.has(`data.${a1}.${a2}`);
        else if (
          /^[a-z0-9]+_[a-z0-9_]+$/.test(root) &&
          a1 &&
          a1 !== 'value' &&
          a1 !== 'key' &&
          !dynamicIters.has(root)
        )
          ok = declared.has(`${root}.${a1}`);
        if (!ok)
          err(
            f.path,
            b.range.startLine,
            `reference ${r} does not resolve to anything in module "${d || '.'}"`,
          );
      }
    }
  }
  ran.push('references');

  // 4. terraform validate, when possible offline.
  if (opts.terraformValidate === false) skipped.push('terraform validate: disabled by option');
  else if (issues.some((i) => i.severity === 'error'))
    skipped.push('terraform validate: earlier checks failed');
  else await terraformValidate(index, result, opts, issues, ran, skipped);
  return { issues, ran, skipped };
}

function requiredProviders(index: RepoIndex, moduleDir: string): string[] {
  const names = new Set<string>();
  for (const b of index.blocks) {
    if (b.moduleDir !== moduleDir && !index.modules.some((m) => m.dir === b.moduleDir)) continue;
    if ((b.kind === 'resource' || b.kind === 'data') && b.labels[0]) names.add(b.labels[0].split('_')[0]);
    if (b.kind === 'provider' && b.labels[0]) names.add(b.labels[0]);
  }
  return [...names].filter((n) => n !== 'terraform');
}

async function hasProvider(dirs: string[], name: string): Promise<boolean> {
  for (const d of dirs) {
    for (const ns of ['hashicorp', name === 'aws' ? 'hashicorp' : '*']) {
      const p = path.join(d, 'registry.terraform.io', ns, name);
      if (ns !== '*' && existsSync(p)) return true;
    }
    try {
      const hosts = await fs.readdir(d);
      for (const h of hosts) {
        const nss = await fs.readdir(path.join(d, h)).catch(() => [] as string[]);
        for (const ns of nss) if (existsSync(path.join(d, h, ns, name))) return true;
      }
    } catch {
      // unreadable
    }
  }
  return false;
}

/** The module directory and every local module it calls, transitively ('' = the root). */
function moduleClosure(index: RepoIndex, md: string): string[] {
  const out = new Set([md]);
  for (let grew = true; grew;) {
    grew = false;
    for (const m of index.modules)
      if (m.dir !== null && out.has(m.callerDir) && !out.has(m.dir)) {
        out.add(m.dir);
        grew = true;
      }
  }
  return [...out];
}

/**
 * Copies one module directory into the box: its files, and its subdirectories that are not module
 * directories themselves (templates, policies a file() call reads). Other modules are not copied.
 */
async function copyModuleDir(
  index: RepoIndex,
  moduleDirs: ReadonlySet<string>,
  dir: string,
  root: string,
): Promise<void> {
  const src = path.join(index.root, dir);
  const dst = path.join(root, dir);
  await fs.mkdir(dst, { recursive: true });
  for (const e of await fs.readdir(src, { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isSymbolicLink() || excludedFromBox(e.name)) continue;
    if (e.isFile()) await fs.copyFile(path.join(src, e.name), path.join(dst, e.name));
    else if (e.isDirectory() && ![...moduleDirs].some((m) => m === rel || m.startsWith(`${rel}/`)))
      await copyIntoBox(path.join(src, e.name), path.join(dst, e.name));
  }
}

async function terraformValidate(
  index: RepoIndex,
  result: ApplyResult,
  opts: ValidateOptions,
  issues: ValidationIssue[],
  ran: string[],
  skipped: string[],
): Promise<void> {
  const bin = findTerraform(opts.terraformPath);
  if (!bin) {
    skipped.push('terraform validate: no terraform binary (set TERRAFORM_PATH)');
    return;
  }
  const mirror = opts.providerMirror ?? process.env.TERRAFORM_PROVIDER_MIRROR;
  if (!mirror || !existsSync(mirror)) {
    skipped.push(
      mirror
        ? `terraform validate: the provider mirror ${mirror} (TERRAFORM_PROVIDER_MIRROR) does not exist`
        : 'terraform validate: no provider mirror configured (TERRAFORM_PROVIDER_MIRROR); providers are never taken from the repository or the registry',
    );
    return;
  }
  const dirs = [mirror];
  const moduleDirs = [...new Set(result.files.map((f) => dirOf(f.path)))];
  for (const md of moduleDirs) {
    const missing: string[] = [];
    for (const p of requiredProviders(index, md)) if (!(await hasProvider(dirs, p))) missing.push(p);
    if (missing.length > 0) {
      skipped.push(
        `terraform validate (${md || '.'}): provider${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not in the provider mirror ${mirror} (the registry is not contacted)`,
      );
      continue;
    }
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'terrafix-validate-'));
    try {
      const root = path.join(scratch, 'repo');
      const moduleDirs = new Set(Object.keys(index.files).map((f) => dirOf(f)));
      for (const d of moduleClosure(index, md)) await copyModuleDir(index, moduleDirs, d, root);
      for (const f of result.files) {
        const dest = path.resolve(root, f.path);
        if (!dest.startsWith(root + path.sep))
          throw new Error(`refusing path outside the repository: ${f.path}`);
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await fs.writeFile(dest, f.after);
      }
      const cwd = path.join(root, md);
      const timeout = opts.timeoutMs ?? 60000;
      const dataDir = path.join(scratch, 'tfdata');
      const cliConfig = path.join(scratch, 'terraform.rc');
      await writeCliConfig(cliConfig, mirror);
      await fs.mkdir(path.join(scratch, '.terrafix-home'), { recursive: true });
      const notLocal = await writeModuleManifest(dataDir, md, (dir) =>
        index.blocks
          .filter((b) => b.kind === 'module' && b.moduleDir === dir)
          .map((b) => ({ name: b.labels[0] ?? '', source: strAttr(b.attributes.source) ?? '' })),
      );
      if (notLocal) {
        skipped.push(`terraform validate (${md || '.'}): ${notLocal}; modules are never downloaded`);
        continue;
      }
      const env = boxEnv(scratch, dataDir, cliConfig);
      const init = await runTerraform(bin, BOX_INIT_ARGS, cwd, timeout, env);
      if (init.code !== 0) {
        skipped.push(
          `terraform validate (${md || '.'}): terraform init failed offline${init.timedOut ? ' (timed out)' : ''}: ${(init.stderr || init.stdout).trim().split('\n').slice(-3).join(' ').slice(0, 300)}`,
        );
        continue;
      }
      const v = await runTerraform(bin, ['validate', '-json', '-no-color'], cwd, timeout, env);
      ran.push(`terraform validate (${md || '.'})`);
      try {
        const out = JSON.parse(v.stdout) as {
          diagnostics?: {
            severity: string;
            summary: string;
            detail?: string;
            range?: { filename: string; start: { line: number } };
          }[];
        };
        for (const d of out.diagnostics ?? []) {
          const file = d.range ? path.posix.join(md, d.range.filename) : md || '.';
          issues.push({
            file,
            line: d.range?.start.line ?? 1,
            message: `terraform validate: ${d.summary}${d.detail ? `: ${d.detail}` : ''}`,
            severity: d.severity === 'error' ? 'error' : 'warning',
          });
        }
      } catch {
        if (v.code !== 0)
          issues.push({
            file: md || '.',
            line: 1,
            message: `terraform validate failed: ${v.stderr.slice(0, 300)}`,
            severity: 'error',
          });
      }
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }
}
