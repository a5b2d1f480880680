/** `terrafix rules [--json]`: lists the deterministic rule catalog. */
import type { Command } from 'commander';
import { RULES } from '../../remediation/match';

export interface RuleJson {
  id: string;
  title: string;
  vantaTestIds: string[];
  checkovIds: string[];
  resourceTypes: string[];
  breaking: boolean;
}

/** The stable --json list of rules. */
export function rulesJson(): RuleJson[] {
  return RULES.map((r) => ({
    id: r.id,
    title: r.title,
    vantaTestIds: [...r.vantaTestIds],
    checkovIds: [...r.checkovIds],
    resourceTypes: [...r.resourceTypes],
    breaking: r.breaking,
  }));
}

/** Runs the rules command; returns the exit code and output. */
export function runRules(opts: { json?: boolean }): { exitCode: number; stdout: string; stderr: string } {
  const list = rulesJson();
  if (opts.json) return { exitCode: 0, stdout: `${JSON.stringify(list)}\n`, stderr: '' };
  const w = Math.max(...list.map((r) => r.id.length));
  const lines = list.map(
    (r) =>
      `${r.id.padEnd(w)}  ${r.title}${r.breaking ? ' [breaking]' : ''}\n${' '.repeat(w + 2)}${[...r.vantaTestIds, ...r.checkovIds].join(', ') || '(matched by name)'} — ${r.resourceTypes.join(', ')}`,
  );
  return { exitCode: 0, stdout: `${lines.join('\n')}\n${list.length} rules\n`, stderr: '' };
}

/** Registers `rules` on the CLI program. */
export function register(program: Command): void {
  program
    .command('rules')
    .description('list the deterministic remediation rules')
    .option('--json', 'print a JSON array')
    .action((o: { json?: boolean }) => {
      const r = runRules(o);
      process.stdout.write(r.stdout);
      process.exitCode = r.exitCode;
    });
}
