/**
 * Git smart HTTP for the sandbox: forwards a request to `git http-backend` (CGI) over a directory
 * of bare repositories, so clones, fetches and pushes against the emulator are real git traffic.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface GitHttpOptions {
  /** Directory holding `<owner>/<name>.git` bare repositories. */
  projectRoot: string;
  /** Path below the project root, e.g. "/acme/infra.git/info/refs". */
  pathInfo: string;
  /** Authenticated user name (for receive-pack). */
  remoteUser?: string;
}

/** Serves one git smart-HTTP request through `git http-backend`. */
export function serveGitHttp(req: IncomingMessage, res: ServerResponse, opts: GitHttpOptions): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: opts.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: opts.pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: opts.remoteUser ?? 'sandbox',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = String(req.headers['content-length']);
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => {
    /* backend exited early; its status line reports why */
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d));

  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let sepLen = 4;
    let idx = head.indexOf('\r\n\r\n');
    if (idx < 0) {
      idx = head.indexOf('\n\n');
      sepLen = 2;
    }
    if (idx < 0) return;
    headersDone = true;
    let statusCode = 200;
    for (const line of head.subarray(0, idx).toString('latin1').split(/\r?\n/)) {
      const c = line.indexOf(':');
      if (c < 0) continue;
      const name = line.slice(0, c).trim();
      const value = line.slice(c + 1).trim();
      if (name.toLowerCase() === 'status') statusCode = parseInt(value, 10) || 200;
      else res.setHeader(name, value);
    }
    res.statusCode = statusCode;
    const rest = head.subarray(idx + sepLen);
    if (rest.length) res.write(rest);
  });
  child.on('close', (code) => {
    if (!headersDone) {
      res.statusCode = 500;
      res.end(
        `git http-backend failed (exit ${code}): ${Buffer.concat(stderr).toString('utf8').slice(0, 500)}`,
      );
      return;
    }
    res.end();
  });
  child.on('error', (e) => {
    if (!res.headersSent) res.statusCode = 500;
    res.end(`git http-backend could not start: ${e.message}`);
  });
}
