/**
 * Guardrails every patch must pass, whatever produced it (rule or LLM): edits stay inside the
 * target's module and the repository, never run code, never add backends/providers/credentials,
 * never delete or rename blocks (except a rule deleting its own target, see removalProblems), and leave no redaction placeholder behind. For a resource created by
 * a registry module, only the module call's inputs change (never a vendored copy under .terraform/).
 */
import path from 'node:path';
import type { Patch, PatchEdit, Target } from '../contracts';
import { blocksReferring, findBlock, safeRelPath, type RepoIndex } from '../terraform';

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

/** Module-call arguments that are not inputs: a fix never changes them. */
const MODULE_META = new Set([
  'source',
  'version',
  'providers',
  'count',
  'for_each',
  'depends_on',
  'lifecycle',
]);

/**
 * Which blocks an edit may touch. A module call is edited only as the module target's own call, and
 * there only its inputs (never source, version, providers or meta-arguments); when every target is a
 * resource created by a registry module, no other block may change. `targets`: the target and the other
 * members of a group PR.
 */
function editScopeProblems(
  index: RepoIndex,
  targets: Target[],
  e: PatchEdit,
  file: string,
  where: string,
): string[] {
  if (e.kind === 'insert_after') return [];
  const b = findBlock(index, e.address, file);
  if (!b) return [];
  const owners = targets.filter((t) => t.module && findBlock(index, t.address, t.file) === b);
  if (b.kind === 'module') {
    if (!owners.length) return [`${where}: editing a module block is not allowed`];
    if (e.kind === 'set_attribute' && MODULE_META.has(e.path[0] ?? ''))
      return [
        `${where}: changes ${e.path.join('.')} of ${b.localAddress}; a fix may set the module's inputs, never its ${e.path[0]}`,
      ];
    return [];
  }
  if (targets.some((t) => !t.module)) return [];
  const calls = targets.map((t) => t.address).join(', ');
  const sources = [...new Set(targets.map((t) => t.module?.source))].join(', ');
  return [
    `${where}: ${e.address} is not ${calls}; a fix for a resource created by ${sources} changes only that module call's inputs`,
  ];
}

/**
 * A block may be deleted only when it is a target's own resource block (not a module call), listed in
 * the patch's `removes`, and nothing else in its module refers to it (a dangling reference would break
 * the configuration). Whether deleting is the right fix is the rule's decision, never the model's:
 * the LLM patch schema has no remove_block.
 */
function removalProblems(
  index: RepoIndex,
  targets: Target[],
  patch: Patch,
  e: Extract<PatchEdit, { kind: 'remove_block' }>,
  file: string,
  where: string,
): string[] {
  const b = findBlock(index, e.address, file);
  if (!b) return [];
  const own = targets.some((t) => !t.module && findBlock(index, t.address, t.file) === b);
  if (!own || b.kind !== 'resource') return [`${where}: only the target resource itself may be deleted`];
  if (!(patch.removes ?? []).includes(b.localAddress))
    return [`${where}: deletes ${b.localAddress}, which the patch does not declare in "removes"`];
  const users = blocksReferring(index, b);
  return users.length
    ? [`${where}: ${b.localAddress} is referenced by ${users.map((x) => x.localAddress).join(', ')}`]
    : [];
}

/** Static checks of a patch before it is applied (`alsoTargets`: the other members of a group PR). */
export function checkPatch(
  index: RepoIndex,
  target: Target,
  patch: Patch,
  alsoTargets: Target[] = [],
): string[] {
  const errors: string[] = [];
  const targets = [target, ...alsoTargets];
  if (patch.edits.length === 0) errors.push('the patch has no edits');
  for (const [i, e] of patch.edits.entries()) {
    const where = `edit ${i + 1} (${e.kind})`;
    if (/(^|\/)\.terraform\//.test(e.file.replace(/\\/g, '/'))) {
      errors.push(
        `${where}: ${e.file} is a vendored module copy (.terraform/); fix the module call's inputs instead`,
      );
      continue;
    }
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
    errors.push(...editScopeProblems(index, targets, e, file, where));
    if (e.kind !== 'insert_after' && e.kind !== 'remove_nested_block' && addr) {
      const b = findBlock(index, addr, file);
      if (b && !['resource', 'data', 'variable', 'locals', 'module'].includes(b.kind))
        errors.push(`${where}: editing a ${b.kind} block is not allowed`);
    }
    const text = e.kind === 'set_attribute' ? e.value : 'text' in e ? e.text : '';
    for (const p of textProblems(text)) errors.push(`${where}: ${p}`);
    if (e.kind === 'set_attribute' && e.path.some((s) => /^(provisioner|connection|lifecycle)$/.test(s)))
      errors.push(`${where}: edits ${e.path.join('.')}`);
    if (e.kind === 'add_nested_block' && /^\s*(provisioner|connection|lifecycle)\b/.test(e.text))
      errors.push(`${where}: adds a ${/^\s*(\w+)/.exec(e.text)![1]} block`);
    if (e.kind === 'remove_block') errors.push(...removalProblems(index, targets, patch, e, file, where));
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
