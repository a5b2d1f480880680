/**
 * `terrafix scan --repo DIR [--json]`: runs every rule's check over the repository's resources
 * (no Vanta needed). `--json` prints `[{"ruleId","address","file","line","title"}]`.
 * Exit 0 when clean, 5 with violations, 2 on bad input.
 */
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import type { Target } from '../../contracts';
import { ruleContext } from '../../remediation/engine';
import { RULES } from '../../remediation/match';
import { indexRepository, type HclBlock, type RepoIndex } from '../../terraform';

export interface Violation {
  ruleId: string;
  address: string;
  file: string;
  line: number;
  title: string;
}

function targetOf(b: HclBlock, address: string): Target {
  return {
    file: b.file,
    address,
    resourceType: b.labels[0],
    moduleDir: b.moduleDir,
    startByte: b.range.startByte,
    endByte: b.range.endByte,
    startLine: b.range.startLine,
    endLine: b.range.endLine,
    matchedBy: 'address',
    confidence: 1,
    related: [],
  };
}

/** Every rule violation of the indexed repository (resource-level rules; account-level ones when a root module exists). */
export function scanIndex(index: RepoIndex): Violation[] {
  const out: Violation[] = [];
  for (const b of index.blocks) {
    if (b.kind !== 'resource' || index.files[b.file]?.json) continue;
    for (const rule of RULES) {
      if (rule.accountLevel || !rule.resourceTypes.includes(b.labels[0])) continue;
      const insts = b.instances.length ? b.instances.slice(0, 1) : [];
      const address = insts[0]?.address ?? b.address;
      const ctx = ruleContext(index, targetOf(b, address));
      try {
        if (rule.check(ctx).status === 'non_compliant')
          out.push({ ruleId: rule.id, address, file: b.file, line: b.range.startLine, title: rule.title });
      } catch {
        /* a check that cannot read this resource is not a finding */
      }
    }
  }
  return out.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.ruleId.localeCompare(b.ruleId),
  );
}

/** Runs the scan command; returns the exit code and output. */
export async function runScan(opts: {
  repo: string;
  json?: boolean;
}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  try {
    if (!(await fs.stat(opts.repo)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    return { exitCode: 2, stdout: '', stderr: `--repo ${opts.repo}: ${(err as Error).message}\n` };
  }
  const v = scanIndex(await indexRepository(opts.repo));
  const stdout = opts.json
    ? `${JSON.stringify(v)}\n`
    : v.length
      ? `${v.map((x) => `${x.file}:${x.line}  ${x.address}  ${x.ruleId}  ${x.title}`).join('\n')}\n${v.length} violation(s)\n`
      : 'no violations\n';
  return { exitCode: v.length ? 5 : 0, stdout, stderr: '' };
}

/** Registers `scan` on the CLI program. */
export function register(program: Command): void {
  program
    .command('scan')
    .description('list rule violations in a Terraform repository (offline, no Vanta)')
    .requiredOption('--repo <dir>', 'repository (or Terraform root) directory')
    .option('--json', 'print a JSON array')
    .action(async (o: { repo: string; json?: boolean }) => {
      const r = await runScan(o);
      if (r.stdout) process.stdout.write(r.stdout);
      if (r.stderr) process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
