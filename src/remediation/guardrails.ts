/**
 * Guardrails every patch must pass, whatever produced it (rule or LLM): edits stay inside the
 * target's module and the repository, never run code, never add backends/providers/credentials,
 * never delete or rename blocks, and leave no redaction placeholder behind.
 */
import path from 'node:path';
import type { Patch, Target } from '../contracts';
import { findBlock, safeRelPath, type RepoIndex } from '../terraform';

const FORBIDDEN: { re: RegExp; why: string }[] = [
  { re: /\bprovisioner\s+"?[\w-]+"?\s*\{/, why: 'adds a provisioner (runs commands)' },
  { re: /\b(local-exec|remote-exec)\b/, why: 'adds a local-exec/remote-exec command' },
  { re: /\bdata\s+"?external"?\s/, why: 'adds an external data source (runs a program)' },
  { re: /\bdata\s+"?http"?\s/, why: 'adds an http data source (network access at plan time)' },
  { re: /\bresource\s+"?(null_resource|terraform_data)"?\s/, why: 'adds a null_resource/terraform_data' },
  { re: /\bbackend\s+"?[\w-]+"?\s*\{/, why: 'changes the state backend' },
  { re: /\bprovider\s+"?[\w-]+"?\s*\{/, why: 'adds a provider block' },
  { re: /\bmodule\s+"?[\w-]+"?\s*\{/, why: 'adds a module call' },
  { re: /\boutput\s+"?[\w-]+"?\s*\{/, why: 'adds an output (may expose values)' },
  { re: /\b(access_key|secret_key|token)\s*=/, why: 'sets provider credentials' },
  { re: /__TERRAFIX_SECRET_\d+__/, why: 'contains a redaction placeholder' },
  { re: /\b(curl|wget|nc|bash\s+-c)\s/, why: 'contains a shell download/command' },
];

/** Problems of the text an edit adds (empty when acceptable). */
export function textProblems(text: string): string[] {
  return FORBIDDEN.filter((f) => f.re.test(text)).map((f) => f.why);
}

function dirOf(file: string): string {
  const d = path.posix.dirname(file);
  return d === '.' ? '' : d;
}

/** Static checks of a patch before it is applied. */
export function checkPatch(index: RepoIndex, target: Target, patch: Patch): string[] {
  const errors: string[] = [];
  if (patch.edits.length === 0) errors.push('the patch has no edits');
  for (const [i, e] of patch.edits.entries()) {
    const where = `edit ${i + 1} (${e.kind})`;
    let file: string;
    try {
      file = safeRelPath(e.file);
    } catch (err) {
      errors.push(`${where}: ${(err as Error).message}`);
      continue;
    }
    if (dirOf(file) !== target.moduleDir)
      errors.push(`${where}: ${file} is outside the target's module (${target.moduleDir || 'root'})`);
    if (index.files[file]?.json) errors.push(`${where}: ${file} is a .tf.json file`);
    const addr = e.kind === 'insert_after' ? e.afterAddress : e.address;
    if (addr && !findBlock(index, addr, file)) errors.push(`${where}: block ${addr} not found in ${file}`);
    if (e.kind !== 'insert_after' && e.kind !== 'remove_nested_block' && addr) {
      const b = findBlock(index, addr, file);
      if (b && b.kind !== 'resource' && b.kind !== 'data' && b.kind !== 'variable' && b.kind !== 'locals')
        errors.push(`${where}: editing a ${b.kind} block is not allowed`);
    }
    const text = e.kind === 'set_attribute' ? e.value : 'text' in e ? e.text : '';
    for (const p of textProblems(text)) errors.push(`${where}: ${p}`);
    if (e.kind === 'set_attribute' && e.path.some((s) => /^(provisioner|connection|lifecycle)$/.test(s)))
      errors.push(`${where}: edits ${e.path.join('.')}`);
    if (e.kind === 'add_nested_block' && /^\s*(provisioner|connection|lifecycle)\b/.test(e.text))
      errors.push(`${where}: adds a ${/^\s*(\w+)/.exec(e.text)![1]} block`);
    if (e.kind === 'replace_block') {
      const b = findBlock(index, e.address, file);
      const head = /^\s*([\w-]+)((?:\s+"?[\w-]+"?)*)\s*\{/.exec(e.text);
      const labels = head ? [...head[2].matchAll(/"?([\w-]+)"?/g)].map((m) => m[1]) : [];
      if (!b || !head || head[1] !== b.kind || labels.join('.') !== b.labels.join('.'))
        errors.push(`${where}: the replacement does not keep the block's type and name (${e.address})`);
    }
  }
  return errors;
}
