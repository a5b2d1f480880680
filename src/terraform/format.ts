/**
 * Formatting of single blocks: `terraform fmt -` when the binary is available (TERRAFORM_PATH or
 * PATH) and wanted, else hclwrite (@cdktf/hcl-tools, in the HCL thread of ./hcl2json.ts). Text that
 * does not parse is returned unchanged (validation reports it).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv, emptyHomeDir } from '../security/childEnv';
import { formatInHclThread } from './hcl2json';

const terraformCache = new Map<string, string | null>();

/**
 * The terraform binary to use, or null when none is installed. TERRAFORM_PATH is a path, or a bare
 * command name (the default `terraform`) looked up on PATH as a shell would.
 */
export function findTerraform(explicit?: string): string | null {
  const wanted = explicit ?? process.env.TERRAFORM_PATH ?? '';
  if (terraformCache.has(wanted)) return terraformCache.get(wanted) ?? null;
  let found: string | null = null;
  const candidates =
    wanted.includes('/') || wanted.includes(path.sep)
      ? [wanted]
      : (process.env.PATH ?? '')
          .split(path.delimiter)
          .filter(Boolean)
          .map((d) => path.join(d, wanted || 'terraform'));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      found = c;
      break;
    } catch {
      // not here
    }
  }
  terraformCache.set(wanted, found);
  return found;
}

/**
 * Environment for terraform subprocesses: the child allowlist (no worker secrets), an empty HOME (no
 * ~/.terraformrc, ~/.terraform.d of the host), no colour, no checkpoint calls, plus `extra`.
 */
export function terraformEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    HOME: emptyHomeDir(),
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    ...extra,
  });
}

function terraformFmt(bin: string, text: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['fmt', '-no-color', '-'], {
      env: terraformEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? out : null);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}

/** `terraform`: terraform fmt when the binary is found, else hclwrite; `hclwrite`: hclwrite only. */
export type Formatter = 'terraform' | 'hclwrite';

export interface FormatOptions {
  /** Path of the terraform binary (default TERRAFORM_PATH, then "terraform" on PATH). */
  terraformPath?: string;
  /** Default `terraform`. */
  formatter?: Formatter;
}

/**
 * Formats one or more top-level blocks (LF line endings in and out). Returns the text unchanged on
 * failure. hclwrite (terraform fmt's own formatter, run in the HCL thread) costs no process; terraform
 * fmt also rewrites legacy syntax (interpolation-only strings, quoted type names), which only text
 * the rules did not write can contain.
 */
export async function formatBlockText(
  text: string,
  opts: FormatOptions = {},
): Promise<{ text: string; formatter: string }> {
  const bin = opts.formatter === 'hclwrite' ? null : findTerraform(opts.terraformPath);
  if (bin) {
    const r = await terraformFmt(bin, text);
    if (r !== null) return { text: r, formatter: 'terraform fmt' };
    return { text, formatter: 'none (terraform fmt rejected the text)' };
  }
  try {
    return { text: await formatInHclThread(text), formatter: 'hclwrite (@cdktf/hcl-tools)' };
  } catch {
    return { text, formatter: 'none (hclwrite rejected the text)' };
  }
}

/** Runs a terraform command with a time limit; never throws. */
export function runTerraform(
  bin: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = terraformEnv(),
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
          timedOut: !!e?.killed,
        });
      },
    );
  });
}
