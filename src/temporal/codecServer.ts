/**
 * Codec server for the Temporal Web UI and CLI (Temporal's documented contract): `POST /encode` and
 * `POST /decode` take and return `{"payloads": [{"metadata": {k: base64}, "data": base64}]}`. The UI
 * calls it from the operator's browser, so it answers CORS for one configured origin, and every
 * request must carry `Authorization: Bearer <CODEC_SERVER_TOKEN>`: without it nobody can decrypt.
 */
import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Bearer token every request must present. */
  token?: string;
  /**
   * Sandbox only: no token, served on 127.0.0.1 only. The demo's key is public, and the dev server's
   * Web UI cannot send a static token; production always sets a token.
   */
  insecureLoopbackWithoutToken?: boolean;
  /** The Web UI origin(s) allowed by CORS, e.g. http://localhost:8233. */
  allowedOrigin: string | string[];
  port?: number;
  host?: string;
}

export interface RunningCodecServer {
  url: string;
  stop(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function authorised(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage, limit = 8 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error('request too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the codec server (see the file comment). */
export async function startCodecServer(o: CodecServerOptions): Promise<RunningCodecServer> {
  if (!o.token && !o.insecureLoopbackWithoutToken)
    throw new Error('CODEC_SERVER_TOKEN: a bearer token is required');
  if (!o.token && (o.host ?? '127.0.0.1') !== '127.0.0.1')
    throw new Error('a codec server without a token listens on 127.0.0.1 only');
  const origins = Array.isArray(o.allowedOrigin) ? o.allowedOrigin : [o.allowedOrigin];
  const cors = (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    res.setHeader('Access-Control-Allow-Origin', origin && origins.includes(origin) ? origin : origins[0]!);
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      cors(req, res);
      if (req.method === 'OPTIONS') {
        res.statusCode = 204;
        res.end();
        return;
      }
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || (path !== '/encode' && path !== '/decode')) {
        res.statusCode = 404;
        res.end();
        return;
      }
      if (o.token && !authorised(req, o.token)) {
        res.statusCode = 401;
        res.end('unauthorised');
        return;
      }
      try {
        const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
        const payloads = (body.payloads ?? []).map(fromJson);
        const out = path === '/encode' ? await o.codec.encode(payloads) : await o.codec.decode(payloads);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ payloads: out.map(toJson) }));
      } catch (err) {
        res.statusCode = 400;
        res.end(`cannot ${path.slice(1)}: ${(err as Error).message}`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
