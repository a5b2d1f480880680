/** Input checks shared by the offline commands (`analyze`, `fix`): the failure file and the --repo directory. */
import fs from 'node:fs/promises';

/** What a command returns instead of printing (tested without a process). */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Reads the failure JSON and checks that --repo is a directory; bad input is an exit-2 result. */
export async function readFailureAndRepo(
  failurePath: string,
  repo: string,
): Promise<{ raw: unknown } | { error: CommandResult }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(failurePath, 'utf8'));
  } catch (err) {
    return {
      error: {
        exitCode: 2,
        stdout: '',
        stderr: `cannot read failure file ${failurePath}: ${(err as Error).message}\n`,
      },
    };
  }
  try {
    if (!(await fs.stat(repo)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    return { error: { exitCode: 2, stdout: '', stderr: `--repo ${repo}: ${(err as Error).message}\n` } };
  }
  return { raw };
}
