/**
 * The box `terraform validate` runs in. Nothing from the repository is executed:
 * - the scratch copy leaves out `.git`, `.terraform/`, `terraform.d/`, `.terraform.d/`, state files,
 *   CLI configuration files and every symlink;
 * - providers come only from the operator's filesystem mirror (TERRAFORM_PROVIDER_MIRROR), through a
 *   CLI configuration TerraFix writes with no `direct` installation, so Terraform's implicit local
 *   mirrors (including `terraform.d/plugins` in the working directory) are never consulted;
 * - modules are never fetched (`init -get=false`): local module calls are registered in a manifest
 *   TerraFix writes, and a remote module source skips validate with a reason;
 * - the child gets the allowlisted environment with HOME, TF_DATA_DIR and the CLI configuration inside
 *   the scratch directory.
 */
import fs from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { terraformEnv } from './format';

/** Names never copied into the scratch directory (at any depth). */
const EXCLUDED_NAMES = new Set([
  '.git',
  'node_modules',
  '.terraform',
  'terraform.d',
  '.terraform.d',
  '.terraformrc',
  'terraform.rc',
]);

/** Whether a repository path is left out of the scratch copy (see EXCLUDED_NAMES, state files). */
export function excludedFromBox(name: string): boolean {
  return EXCLUDED_NAMES.has(name) || /\.tfstate(\..*)?$/.test(name) || name.endsWith('.tfstate.backup');
}

export interface BoxCopy {
  /** Repository-relative paths of symlinks that were not copied. */
  symlinks: string[];
  /** Repository-relative paths left out by name (.terraform, terraform.d, state…). */
  excluded: string[];
}

/** Copies a repository into `dst` without symlinks and without the excluded names. */
export async function copyIntoBox(src: string, dst: string): Promise<BoxCopy> {
  const out: BoxCopy = { symlinks: [], excluded: [] };
  await fs.cp(src, dst, {
    recursive: true,
    filter: (s) => {
      const rel = path.relative(src, s);
      if (!rel) return true;
      if (excludedFromBox(path.basename(s))) {
        out.excluded.push(rel);
        return false;
      }
      if (lstatSync(s).isSymbolicLink()) {
        out.symlinks.push(rel);
        return false;
      }
      return true;
    },
  });
  return out;
}

/** Writes the CLI configuration: providers only from `mirror`, nothing installed directly. */
export async function writeCliConfig(file: string, mirror: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const text = [
    "# Written by TerraFix: providers come only from the operator's mirror.",
    'disable_checkpoint = true',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path = ${JSON.stringify(mirror)}`,
    '  }',
    '}',
    '',
  ].join('\n');
  await fs.writeFile(file, text, { mode: 0o600 });
}

/** A module call found in a module directory: its name and literal source. */
export interface ModuleCall {
  name: string;
  source: string;
}

/**
 * Writes Terraform's module manifest (`<dataDir>/modules/modules.json`) for local module calls, as
 * `terraform init` would after installing them, so `init -get=false` needs no download. Returns the
 * first call that is not a local path inside the repository (validate is then skipped), or null.
 */
export async function writeModuleManifest(
  dataDir: string,
  moduleDir: string,
  callsOf: (dir: string) => ModuleCall[],
): Promise<string | null> {
  const modules: { Key: string; Source: string; Dir: string }[] = [{ Key: '', Source: '', Dir: '.' }];
  const walk = (dir: string, keyPrefix: string, depth: number): string | null => {
    if (depth > 20) return `module nesting deeper than 20 under ${dir || '.'}`;
    for (const c of callsOf(dir)) {
      if (!/^\.\.?\//.test(c.source)) return `module "${c.name}" has the non-local source "${c.source}"`;
      const target = path.posix.normalize(path.posix.join(dir || '.', c.source));
      if (target.startsWith('../') || target === '..')
        return `module "${c.name}" points outside the repository`;
      const key = keyPrefix ? `${keyPrefix}.${c.name}` : c.name;
      const rel = path.posix.relative(moduleDir || '.', target) || '.';
      modules.push({ Key: key, Source: c.source, Dir: rel });
      const bad = walk(target === '.' ? '' : target, key, depth + 1);
      if (bad) return bad;
    }
    return null;
  };
  const bad = walk(moduleDir, '', 0);
  if (bad) return bad;
  await fs.mkdir(path.join(dataDir, 'modules'), { recursive: true });
  await fs.writeFile(path.join(dataDir, 'modules', 'modules.json'), JSON.stringify({ Modules: modules }));
  return null;
}

/** Environment of terraform inside the box: allowlisted, HOME, data dir and CLI config in the scratch dir. */
export function boxEnv(scratch: string, dataDir: string, cliConfig: string): NodeJS.ProcessEnv {
  return terraformEnv({
    HOME: path.join(scratch, '.terrafix-home'),
    TF_DATA_DIR: dataDir,
    TF_CLI_CONFIG_FILE: cliConfig,
  });
}

/** The `terraform init` arguments of the box: no backend, no module download, no prompts. */
export const BOX_INIT_ARGS = ['init', '-backend=false', '-get=false', '-input=false', '-no-color'];
