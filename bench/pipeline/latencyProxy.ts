/**
 * An HTTP reverse proxy that delays every request by a fixed time before forwarding it: puts a
 * realistic round-trip in front of an emulator that has no latency setting of its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LatencyProxy {
  url: string;
  requests(): number;
  stop(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to `target` (an http:// origin) after `delayMs`. */
export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let count = 0;
  const server = http.createServer((req, res) => {
    count += 1;
    const forward = () => {
      const up = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          agent,
        },
        (ures) => {
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          ures.pipe(res);
        },
      );
      up.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`latency proxy: ${err.message}`);
      });
      req.pipe(up);
    };
    req.pause();
    setTimeout(() => {
      req.resume();
      forward();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    requests: () => count,
    stop: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
