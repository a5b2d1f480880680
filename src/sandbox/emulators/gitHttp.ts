/**
 * Git smart HTTP for the sandbox: forwards a request to `git http-backend` (CGI) over a directory
 * of bare repositories, so clones, fetches and pushes against the emulator are real git traffic.
 * Answers of upload-pack (ref advertisements, `ls-refs`, packs) are cached per repository ref state:
 * the same request against the same refs gets the same bytes back without a new git process.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

interface CachedAnswer {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/**
 * Bounded (by bytes, least recently used first out) cache of upload-pack answers. A key covers the
 * repository's ref state and the whole request, so an entry is never stale: objects are immutable
 * and anything that depends on refs changes the key.
 */
export class GitHttpCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  get(key: string): CachedAnswer | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  set(key: string, answer: CachedAnswer): void {
    if (answer.body.length > this.maxBytes / 4) return;
    this.entries.set(key, answer);
    this.bytes += answer.body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.body.length;
    }
  }
}

export interface GitHttpOptions {
  /** Directory holding `<owner>/<name>.git` bare repositories. */
  projectRoot: string;
  /** Path below the project root, e.g. "/acme/infra.git/info/refs". */
  pathInfo: string;
  /** Authenticated user name (for receive-pack). */
  remoteUser?: string;
  /** Cache for upload-pack answers, with the digest of the repository's refs (see GitHttpCache). */
  cache?: { store: GitHttpCache; refState: () => string };
}

/** Whether a request only reads (upload-pack): those answers may be cached. */
function isUploadPack(req: IncomingMessage, url: URL, pathInfo: string): boolean {
  if (req.method === 'GET')
    return /\/info\/refs$/.test(pathInfo) && url.searchParams.get('service') === 'git-upload-pack';
  return req.method === 'POST' && /\/git-upload-pack$/.test(pathInfo);
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Serves one git smart-HTTP request, from the cache when an identical read was answered before. */
export function serveGitHttp(req: IncomingMessage, res: ServerResponse, opts: GitHttpOptions): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const cache = opts.cache;
  if (!cache || !isUploadPack(req, url, opts.pathInfo)) {
    runBackend(req, res, opts, undefined);
    return;
  }
  void readAll(req).then(
    (body) => {
      const key = createHash('sha256')
        .update(cache.refState())
        .update(`\0${req.method}\0${opts.pathInfo}\0${url.search}\0`)
        .update(`${req.headers['git-protocol'] ?? ''}\0${req.headers['content-encoding'] ?? ''}\0`)
        .update(body)
        .digest('hex');
      const hit = cache.store.get(key);
      if (hit) {
        cache.store.hits += 1;
        res.statusCode = hit.status;
        for (const [k, v] of hit.headers) res.setHeader(k, v);
        res.end(hit.body);
        return;
      }
      cache.store.misses += 1;
      runBackend(req, res, opts, {
        body,
        done: (answer) => {
          if (answer.status === 200) cache.store.set(key, answer);
        },
      });
    },
    () => {
      res.statusCode = 400;
      res.end('could not read the request');
    },
  );
}

/** Runs `git http-backend` for one request (body from the request, or already read), streaming its answer. */
function runBackend(
  req: IncomingMessage,
  res: ServerResponse,
  opts: GitHttpOptions,
  buffered: { body: Buffer; done: (answer: CachedAnswer) => void } | undefined,
): void {
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
  if (buffered) env.CONTENT_LENGTH = String(buffered.body.length);
  else if (req.headers['content-length']) env.CONTENT_LENGTH = String(req.headers['content-length']);
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (buffered) child.stdin.end(buffered.body);
  else req.pipe(child.stdin);
  const answer: Buffer[] = [];
  const write = (b: Buffer) => {
    if (buffered) answer.push(b);
    res.write(b);
  };
  child.stdin.on('error', () => {
    /* backend exited early; its status line reports why */
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d));

  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      write(chunk);
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
    if (rest.length) write(rest);
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
    if (buffered && code === 0) {
      const headers = Object.entries(res.getHeaders()).map(([k, v]) => [k, String(v)] as [string, string]);
      buffered.done({ status: res.statusCode, headers, body: Buffer.concat(answer) });
    }
  });
  child.on('error', (e) => {
    if (!res.headersSent) res.statusCode = 500;
    res.end(`git http-backend could not start: ${e.message}`);
  });
}
