/**
 * `terrafix fix --repo DIR --failure FILE [--engine auto|rules|llm] [--write] [--json]`: generates and
 * verifies a fix for one failure, prints the diff and explanation (or writes the files with --write).
 * Works offline for rule fixes. Exit 0 fixed/already_compliant, 4 rejected/no_fix, 2 bad input.
 * The JSON shape is documented in docs/remediation.md.
 */
import type { Command } from 'commander';
import type { TokenUsage } from '../../contracts';
import { TerraFixError } from '../../errors';
import { readFailureAndRepo, type CommandResult } from './input';
import { createBedrockPatchModel, type PatchModel } from '../../remediation/llm/bedrock';
import { normalizeFailure } from '../../failure';
import { remediate } from '../../remediation/engine';
import { checkRepoPath, indexRepository, locate, writeRepoFile, type Target } from '../../terraform';

export type { CommandResult };

export interface FixJson {
  status: 'fixed' | 'already_compliant' | 'rejected' | 'no_fix';
  engine: 'rule' | 'llm' | null;
  ruleId: string | null;
  target: { address: string; file: string } | null;
  diff: string;
  files: { path: string; content: string }[];
  explanation: string;
  confidence: string | null;
  breaking: string[];
  additionalRequirements: string[];
  warnings: string[];
  reasons: string[];
  tokens: { input: number; output: number; cacheRead: number } | null;
}

export interface FixOptions {
  repo: string;
  failure: string;
  engine?: 'auto' | 'rules' | 'llm';
  write?: boolean;
  json?: boolean;
  /** LLM client override (tests); otherwise built from the environment when the engine may use it. */
  client?: PatchModel;
  env?: NodeJS.ProcessEnv;
}

const tok = (t: TokenUsage | null | undefined) =>
  t ? { input: t.input, output: t.output, cacheRead: t.cacheRead } : null;

function empty(status: FixJson['status'], target: Target | null, reasons: string[]): FixJson {
  return {
    status,
    engine: null,
    ruleId: null,
    target: target ? { address: target.address, file: target.file } : null,
    diff: '',
    files: [],
    explanation: '',
    confidence: null,
    breaking: [],
    additionalRequirements: [],
    warnings: [],
    reasons,
    tokens: null,
  };
}

/** Whether the environment configures an LLM (explicitly, or by pointing at an endpoint/model). */
function llmFromEnv(engine: string, env: NodeJS.ProcessEnv): PatchModel | undefined {
  if (engine === 'rules') return undefined;
  if (/^(false|0|no)$/i.test(env.LLM_ENABLED ?? '')) return undefined;
  if (engine === 'llm' || env.BEDROCK_MODEL_ID || env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME)
    return createBedrockPatchModel({ env });
  return undefined;
}

function human(j: FixJson): string {
  const out: string[] = [
    `status: ${j.status}${j.ruleId ? ` (rule ${j.ruleId})` : j.engine ? ` (${j.engine})` : ''}`,
  ];
  if (j.target) out.push(`target: ${j.target.address} in ${j.target.file}`);
  if (j.explanation) out.push('', j.explanation);
  if (j.breaking.length) out.push('', 'BREAKING:', ...j.breaking.map((b) => `  - ${b}`));
  if (j.additionalRequirements.length)
    out.push('', 'Additional requirements:', ...j.additionalRequirements.map((b) => `  - ${b}`));
  if (j.warnings.length) out.push('', 'Warnings:', ...j.warnings.map((b) => `  - ${b}`));
  if (j.reasons.length) out.push('', 'Reasons:', ...j.reasons.map((b) => `  - ${b}`));
  if (j.diff) out.push('', j.diff.trimEnd());
  return `${out.join('\n')}\n`;
}

/** Runs the fix command; returns the exit code and output instead of printing. */
export async function runFix(opts: FixOptions): Promise<CommandResult> {
  const env = opts.env ?? process.env;
  const engine = opts.engine ?? ((env.FIX_ENGINE as FixOptions['engine']) || 'auto');
  if (!['auto', 'rules', 'llm'].includes(engine))
    return { exitCode: 2, stdout: '', stderr: `--engine must be auto, rules or llm\n` };
  const input = await readFailureAndRepo(opts.failure, opts.repo);
  if ('error' in input) return input.error;
  const raw = input.raw;
  let j: FixJson;
  try {
    const failure = normalizeFailure(raw);
    const index = await indexRepository(opts.repo, {
      context: { accountId: failure.resource.accountId, region: failure.resource.region },
    });
    const loc = locate(index, failure);
    if (!loc.target || loc.status !== 'found') {
      j = empty('no_fix', loc.target, [`resource not located (${loc.status}): ${loc.reasons.join('; ')}`]);
    } else {
      const client = opts.client ?? llmFromEnv(engine, env);
      const r = await remediate(index, loc.target, failure, { engine, client });
      j = empty(r.status, loc.target, r.reasons);
      if (r.status === 'fixed') {
        const f = r.fix;
        Object.assign(j, {
          engine: f.engine,
          ruleId: f.ruleId ?? null,
          diff: f.diff,
          files: f.files,
          explanation: f.explanation,
          confidence: f.confidence,
          breaking: f.breakingChanges,
          additionalRequirements: f.additionalRequirements,
          warnings: f.warnings,
          tokens: tok(f.tokens),
        });
        if (opts.write) {
          // Check every destination before writing any, so a refused path leaves the repo untouched.
          for (const file of f.files) await checkRepoPath(opts.repo, file.path);
          for (const file of f.files) await writeRepoFile(opts.repo, file.path, file.content);
        }
      } else if (r.status === 'already_compliant') j.ruleId = r.ruleId;
      else if (r.status === 'rejected')
        Object.assign(j, { engine: r.engine, ruleId: r.ruleId ?? null, tokens: tok(r.tokens) });
      else j.tokens = tok(r.tokens);
    }
  } catch (err) {
    if (err instanceof TerraFixError)
      return { exitCode: 2, stdout: '', stderr: `${err.name}: ${err.message}\n` };
    throw err;
  }
  const exitCode = j.status === 'fixed' || j.status === 'already_compliant' ? 0 : 4;
  return { exitCode, stdout: opts.json ? `${JSON.stringify(j)}\n` : human(j), stderr: '' };
}

/** Registers `fix` on the CLI program. */
export function register(program: Command): void {
  program
    .command('fix')
    .description('generate and verify a Terraform fix for one compliance failure')
    .requiredOption('--repo <dir>', 'repository (or Terraform root) directory')
    .requiredOption('--failure <file>', 'failure JSON (Failure contract or legacy snake_case shape)')
    .option('--engine <engine>', 'auto | rules | llm', undefined)
    .option('--write', 'write the fixed files into --repo')
    .option('--json', 'print one JSON object')
    .action(
      async (o: {
        repo: string;
        failure: string;
        engine?: 'auto' | 'rules' | 'llm';
        write?: boolean;
        json?: boolean;
      }) => {
        const r = await runFix(o);
        if (r.stdout) process.stdout.write(r.stdout);
        if (r.stderr) process.stderr.write(r.stderr);
        process.exitCode = r.exitCode;
      },
    );
}
