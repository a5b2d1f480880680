/**
 * `terrafix analyze --repo DIR --failure FILE [--json]`: indexes a Terraform repository and locates
 * the failing resource. Exit 0 when found, 3 when ambiguous or not found, 2 on bad input.
 * The JSON shape is documented in docs/terraform.md.
 */
import type { Command } from 'commander';
import { TerraFixError } from '../../errors';
import { readFailureAndRepo, type CommandResult } from './input';
import { normalizeFailure } from '../../failure';
import { indexRepository, locate, type LocateResult, type Target } from '../../terraform';

export type { CommandResult };

export interface AnalyzeTargetJson {
  address: string;
  file: string;
  startLine: number;
  endLine: number;
  matchedBy: string;
  confidence: number;
  /** Set when a registry module creates the resource: its source and the input that names it. */
  module?: { source: string; nameInput: string };
}

export interface AnalyzeJson {
  status: LocateResult['status'];
  target: AnalyzeTargetJson | null;
  /** The var file the name matched under, when it matched only under one. */
  binding: string | null;
  /** Why: what matched, or for a miss what did not match and where the name departs from it. */
  reasons: string[];
  candidates: (AnalyzeTargetJson & { reasons: string[] })[];
  errors: { file: string; line: number; message: string }[];
}

const targetJson = (t: Target): AnalyzeTargetJson => ({
  address: t.address,
  file: t.file,
  startLine: t.startLine,
  endLine: t.endLine,
  matchedBy: t.matchedBy,
  confidence: t.confidence,
  ...(t.module ? { module: { source: t.module.source, nameInput: t.module.nameInput } } : {}),
});

/** The stable --json object for a locate result. */
export function analyzeJson(r: LocateResult): AnalyzeJson {
  return {
    status: r.status,
    target: r.target ? targetJson(r.target) : null,
    binding: r.binding ?? null,
    reasons: r.reasons,
    candidates: r.candidates.map((c) => ({ ...targetJson(c.target), reasons: c.reasons })),
    errors: r.errors.map((e) => ({ file: e.file, line: e.line, message: e.message })),
  };
}

function human(r: LocateResult): string {
  const lines: string[] = [];
  if (r.target) {
    const t = r.target;
    lines.push(`found ${t.address}${t.placeholder ? ' (to be added)' : ''}`);
    lines.push(`  file:       ${t.file}:${t.startLine}-${t.endLine}`);
    lines.push(`  matched by: ${t.matchedBy} (confidence ${t.confidence})`);
    if (t.module) lines.push(`  module:     ${t.module.source} (input ${t.module.nameInput})`);
    if (r.binding) lines.push(`  var file:   ${r.binding}`);
    if (t.related.length) lines.push(`  related:    ${t.related.join(', ')}`);
  } else lines.push(r.status === 'ambiguous' ? 'ambiguous: several blocks match' : 'not found');
  for (const reason of r.reasons) lines.push(`  - ${reason}`);
  if (!r.target && r.candidates.length > 0) {
    lines.push(r.status === 'ambiguous' ? 'candidates:' : 'closest candidates:');
    for (const c of r.candidates) {
      lines.push(
        `  ${c.target.address}  ${c.target.file}:${c.target.startLine}  (${c.target.matchedBy}, ${c.score})`,
      );
      for (const why of c.reasons) lines.push(`      ${why}`);
    }
  }
  for (const e of r.errors) lines.push(`parse error: ${e.file}:${e.line}: ${e.message}`);
  return `${lines.join('\n')}\n`;
}

/** Runs the analyze command; returns the exit code and output instead of printing. */
export async function runAnalyze(opts: {
  repo: string;
  failure: string;
  json?: boolean;
  /** Account ids the repository can hold (comma-separated; default $AWS_ACCOUNT_IDS). */
  accountIds?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<CommandResult> {
  const ids = parseAccountIds(opts.accountIds ?? (opts.env ?? process.env).AWS_ACCOUNT_IDS);
  if ('error' in ids) return { exitCode: 2, stdout: '', stderr: `${ids.error}\n` };
  const input = await readFailureAndRepo(opts.failure, opts.repo);
  if ('error' in input) return input.error;
  const failureJson = input.raw;
  try {
    const failure = normalizeFailure(failureJson);
    const index = await indexRepository(opts.repo, {
      context: { accountId: failure.resource.accountId, region: failure.resource.region },
    });
    const r = locate(index, failure, { accountIds: ids.ids });
    const exitCode = r.status === 'found' ? 0 : 3;
    return { exitCode, stdout: opts.json ? `${JSON.stringify(analyzeJson(r))}\n` : human(r), stderr: '' };
  } catch (err) {
    if (err instanceof TerraFixError)
      return { exitCode: 2, stdout: '', stderr: `${err.name}: ${err.message}\n` };
    throw err;
  }
}

/** Parses a comma-separated list of 12-digit AWS account ids. */
function parseAccountIds(v: string | undefined): { ids: string[] } | { error: string } {
  const ids = (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const bad = ids.filter((x) => !/^\d{12}$/.test(x));
  if (bad.length)
    return { error: `--account-ids / AWS_ACCOUNT_IDS: expected 12-digit account ids, got ${bad.join(', ')}` };
  return { ids };
}

/** Registers `analyze` on the CLI program. */
export function register(program: Command): void {
  program
    .command('analyze')
    .description('locate the Terraform block of a compliance failure in a repository')
    .requiredOption('--repo <dir>', 'repository (or Terraform root) directory')
    .requiredOption('--failure <file>', 'failure JSON (Failure contract or legacy snake_case shape)')
    .option('--json', 'print one JSON object')
    .option(
      '--account-ids <ids>',
      'AWS account ids the repository can hold, comma-separated (default: $AWS_ACCOUNT_IDS)',
    )
    .action(async (o: { repo: string; failure: string; json?: boolean; accountIds?: string }) => {
      const r = await runAnalyze(o);
      if (r.stdout) process.stdout.write(r.stdout);
      if (r.stderr) process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
