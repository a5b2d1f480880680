/**
 * The worker's health server: /health (process and workers alive), /ready (Temporal and Redis
 * reachable, else 503), /status (JSON), /metrics (Prometheus text: TerraFix's and the SDK's).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthSources {
  /** True while the worker loops run. */
  alive(): boolean;
  /** Named readiness checks; each resolves or rejects within the timeout. */
  readiness: Record<string, () => Promise<unknown>>;
  status(): Record<string, unknown>;
  /** Prometheus text for /metrics. */
  metrics(): Promise<string>;
  checkTimeoutMs?: number;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Starts the health server on host:port (port 0 picks a free one). */
export function startHealthServer(src: HealthSources, port: number, host = '0.0.0.0'): Promise<HealthServer> {
  const timeout = src.checkTimeoutMs ?? 2000;
  const server = http.createServer((req, res) => {
    const send = (code: number, body: unknown, type = 'application/json') => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
    if (url === '/health') {
      const ok = src.alive();
      return send(ok ? 200 : 503, { status: ok ? 'ok' : 'down' });
    }
    if (url === '/ready') {
      void (async () => {
        const checks: Record<string, string> = {};
        let ok = src.alive();
        if (!ok) checks.workers = 'not running';
        await Promise.all(
          Object.entries(src.readiness).map(async ([name, check]) => {
            try {
              await withTimeout(check(), timeout);
              checks[name] = 'ok';
            } catch (err) {
              ok = false;
              checks[name] = `unavailable: ${(err as Error).message}`;
            }
          }),
        );
        send(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks });
      })();
      return;
    }
    if (url === '/status') return send(200, src.status());
    if (url === '/metrics') {
      src.metrics().then(
        (text) => send(200, text, 'text/plain; version=0.0.4'),
        (err: Error) => send(500, { error: err.message }),
      );
      return;
    }
    send(404, { error: 'not found', endpoints: ['/health', '/ready', '/status', '/metrics'] });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
