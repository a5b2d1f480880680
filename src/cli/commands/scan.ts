/**
 * `terrafix scan --repo DIR [--json]`: runs every rule's check over the repository's resources
 * (no Vanta needed). `--json` prints `[{"ruleId","address","file","line","title"}]`.
 * Exit 0 when clean, 5 with violations, 2 on bad input.
 */
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { scanIndex } from '../../remediation/scan';
import { indexRepository } from '../../terraform';

export type { Violation } from '../../remediation/scan';

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
