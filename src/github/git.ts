/**
 * Runs the `git` binary without a shell. Credentials travel only through the child's environment
 * (`GIT_CONFIG_COUNT` / `http.<origin>/.extraHeader`), never through arguments or files, and git's
 * stderr is redacted before it reaches an error message.
 */
import { spawn } from 'node:child_process';
import { redactSecrets } from '../errors';
import { childEnv } from '../security/childEnv';
import { GitCommandError } from './errors';

export interface GitCredential {
  /** Origin the header is scoped to, e.g. https://github.com (never sent to other hosts). */
  origin: string;
  /** The token; sent as HTTP Basic `x-access-token:<token>` which GitHub and the emulator accept. */
  token: string;
}

export interface RunGitOptions {
  /** Working directory (a work tree or a bare repository). */
  cwd?: string;
  /** Extra environment (GIT_INDEX_FILE, GIT_AUTHOR_*...). */
  env?: Record<string, string>;
  credential?: GitCredential;
  /** Data written to git's stdin. */
  input?: string | Buffer;
  /** Called every `heartbeatMs` while git runs (long clones). */
  heartbeat?: () => void;
  heartbeatMs?: number;
  /** Exit codes that are not errors (e.g. 1 for `cat-file -e`). */
  okCodes?: number[];
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The child environment: the allowlist of src/security/childEnv (no worker secrets, no inherited
 * GIT_* redirections), the operator's HOME (git config), no terminal prompts, optional auth header.
 */
export function gitEnv(opts: Pick<RunGitOptions, 'env' | 'credential'> = {}): NodeJS.ProcessEnv {
  const env = childEnv({ HOME: process.env.HOME });
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_ASKPASS = '';
  env.SSH_ASKPASS = '';
  env.LC_ALL = 'C';
  const config: [string, string][] = [
    // No credential helper of the host machine may store or supply credentials.
    ['credential.helper', ''],
    ['protocol.file.allow', 'always'],
  ];
  if (opts.credential) {
    const basic = Buffer.from(`x-access-token:${opts.credential.token}`).toString('base64');
    const origin = new URL(opts.credential.origin).origin;
    config.push([`http.${origin}/.extraHeader`, `Authorization: Basic ${basic}`]);
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return { ...env, ...opts.env };
}

/** Runs `git <args>`; rejects with a GitCommandError whose message carries redacted stderr. */
export function runGit(args: string[], opts: RunGitOptions = {}): Promise<GitResult> {
  const secrets = opts.credential
    ? [opts.credential.token, Buffer.from(`x-access-token:${opts.credential.token}`).toString('base64')]
    : [];
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      env: gitEnv(opts),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timer: NodeJS.Timeout | undefined;
    if (opts.heartbeat) {
      const hb = opts.heartbeat;
      timer = setInterval(() => {
        try {
          hb();
        } catch {
          /* a heartbeat failure must not kill git; the activity notices cancellation itself */
        }
      }, opts.heartbeatMs ?? 5000);
    }
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      reject(new GitCommandError(`git ${args[0]} could not start: ${redactSecrets(e.message, secrets)}`));
    });
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      const result: GitResult = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: redactSecrets(Buffer.concat(err).toString('utf8'), secrets),
      };
      if (result.code === 0 || opts.okCodes?.includes(result.code)) resolve(result);
      else {
        const detail = result.stderr.trim().split('\n').slice(-5).join(' | ');
        reject(new GitCommandError(`git ${args[0]} failed (exit ${result.code}): ${detail}`, result.code));
      }
    });
    child.stdin.on('error', () => {
      /* git may exit before reading stdin; the exit code reports the problem */
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
