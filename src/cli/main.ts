/**
 * The `terrafix` CLI (commander). Every command prints one clear line on error and exits non-zero.
 */
import { Command, CommanderError } from 'commander';
import { redactSecrets } from '../errors';
import { register as registerAnalyze } from './commands/analyze';
import { register as registerDashboard } from './commands/dashboard';
import { register as registerFix } from './commands/fix';
import { register as registerRules } from './commands/rules';
import { register as registerScan } from './commands/scan';
import { register as registerTemporal } from './commands/temporal';
import { register as registerVanta } from './commands/vanta';

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('terrafix')
    .description('Turns Vanta compliance failures into reviewed Terraform pull requests')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerTemporal(program);
  registerAnalyze(program);
  registerFix(program);
  registerRules(program);
  registerDashboard(program);
  registerScan(program);
  registerVanta(program);
  return program;
}

/** Errors whose message says it all: printed without their class name. */
const PLAIN_ERRORS = ['Error', 'TemporalUnreachableError', 'InvalidArgumentError'];

/** Runs the CLI with the given argv; returns the exit code. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const e = err as Error;
    const secrets = [
      process.env.GITHUB_TOKEN,
      process.env.VANTA_API_TOKEN,
      process.env.VANTA_CLIENT_SECRET,
      process.env.TEMPORAL_API_KEY,
      process.env.TEMPORAL_PAYLOAD_KEYS,
      process.env.CODEC_SERVER_TOKEN,
    ];
    process.stderr.write(
      `terrafix: ${redactSecrets(
        `${e.name && !PLAIN_ERRORS.includes(e.name) ? `${e.name}: ` : ''}${e.message}`,
        secrets,
      )
        .split('\n')
        .join('\n  ')}\n`,
    );
    return ['ConfigError', 'InvalidFailureError', 'InvalidArgumentError'].includes(e.name) ? 2 : 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
