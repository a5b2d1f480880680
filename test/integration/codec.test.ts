/**
 * Payload encryption: the AES-256-GCM codec round-trips, rotates keys, refuses tampered data and
 * unknown keys; a remediation run through real Temporal with the codec on the worker and the client
 * leaves no plaintext file content or failure text in the workflow history.
 */
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { remediateFailureWorkflow } from '../../src/workflows';
import type { RemediationResult } from '../../src/workflows/definitions';
import { AesGcmPayloadCodec, dataConverterFor, parsePayloadKeys } from '../../src/temporal/codec';
import { startCodecServer } from '../../src/temporal/codecServer';
import { main } from '../../src/cli/main';
import { freePort } from '../../src/sandbox/services';
import { uniqueName } from '../harness/env';
import { sampleFailure, sampleFix, startTestPipeline, successfulStages } from '../harness/pipeline';

jest.setTimeout(120_000);

const k = () => randomBytes(32).toString('base64');
const json = (p: Payload) => ({
  metadata: { encoding: new TextEncoder().encode('json/plain') },
  data: new TextEncoder().encode(JSON.stringify(p)),
});
/** A payload in the codec server's JSON wire form (base64 metadata values and data). */
const wire = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([key, v]) => [key, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data!).toString('base64'),
});
const plain: Payload = {
  metadata: { encoding: new TextEncoder().encode('json/plain') },
  data: new TextEncoder().encode('{"password":"Hunter2"}'),
};

describe('AesGcmPayloadCodec', () => {
  it('round-trips, hides the plaintext, and names its key id', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ k1: k() })));
    const [enc] = await codec.encode([plain]);
    expect(Buffer.from(enc!.data!).toString('latin1')).not.toContain('Hunter2');
    expect(new TextDecoder().decode(enc!.metadata!['encryption-key-id'])).toBe('k1');
    const [dec] = await codec.decode([enc!]);
    expect(new TextDecoder().decode(dec!.data!)).toBe('{"password":"Hunter2"}');
    // Unencrypted payloads (written before encryption was on) pass through.
    const [old] = await codec.decode([json(plain)]);
    expect(old!.metadata!.encoding).toEqual(new TextEncoder().encode('json/plain'));
  });

  it('rotates: a new current key encodes, old keys still decode; a dropped key fails clearly', async () => {
    const k1 = k();
    const k2 = k();
    const before = new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ k1 })));
    const [old] = await before.encode([plain]);
    const after = new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ k1, k2 }), 'k2'));
    const [fresh] = await after.encode([plain]);
    expect(new TextDecoder().decode(fresh!.metadata!['encryption-key-id'])).toBe('k2');
    expect((await after.decode([old!, fresh!])).map((p) => new TextDecoder().decode(p.data!))).toEqual([
      '{"password":"Hunter2"}',
      '{"password":"Hunter2"}',
    ]);
    const onlyK2 = new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ k2 })));
    await expect(onlyK2.decode([old!])).rejects.toThrow(/unknown key id "k1"/);
  });

  it('refuses tampered ciphertext and a swapped key id', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ a: k(), b: k() }), 'a'));
    const [enc] = await codec.encode([plain]);
    const flipped = Uint8Array.from(enc!.data!);
    flipped[flipped.length - 1]! ^= 1;
    await expect(codec.decode([{ ...enc!, data: flipped }])).rejects.toThrow();
    const swapped = {
      ...enc!,
      metadata: { ...enc!.metadata, 'encryption-key-id': new TextEncoder().encode('b') },
    };
    await expect(codec.decode([swapped])).rejects.toThrow();
  });

  it('names the variable on bad configuration', () => {
    expect(() => parsePayloadKeys('not json')).toThrow(/TEMPORAL_PAYLOAD_KEYS: expected a JSON object/);
    expect(() => parsePayloadKeys('{"k1":"c2hvcnQ="}')).toThrow(
      /TEMPORAL_PAYLOAD_KEYS: key "k1" must be 32 bytes/,
    );
    expect(() => parsePayloadKeys(JSON.stringify({ k1: k() }), 'k9')).toThrow(
      /TEMPORAL_PAYLOAD_KEY_ID: "k9"/,
    );
    expect(dataConverterFor({})).toBeUndefined();
  });
});

describe('a remediation run with the codec on', () => {
  it('stores no plaintext failure or file content in the history', async () => {
    const dataConverter = dataConverterFor({ TEMPORAL_PAYLOAD_KEYS: JSON.stringify({ k1: k() }) })!;
    const failure = sampleFailure(1, `vanta:codec-${Date.now()}`);
    const p = await startTestPipeline(successfulStages([failure]), { dataConverter });
    try {
      const id = uniqueName('codec');
      const handle = await p.client.workflow.start(remediateFailureWorkflow, {
        taskQueue: p.taskQueue,
        workflowId: id,
        args: [{ failure }],
      });
      const result = (await handle.result()) as RemediationResult;
      expect(result.outcome).toBe('pr_opened');
      const history = await handle.fetchHistory();
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      expect(bytes).toContain('binary/encrypted');
      for (const text of [sampleFix.files[0]!.content, failure.testName!, failure.key])
        expect(bytes).not.toContain(text);
    } finally {
      await p.close();
    }
  });
});

describe('codec server', () => {
  it('decodes for an authorised Web UI origin, answers CORS preflight, refuses without the token', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ k1: k() })));
    const server = await startCodecServer({
      codec,
      token: 'ui-token',
      allowedOrigin: 'http://localhost:8233',
    });
    try {
      const [enc] = await codec.encode([plain]);
      const request = { payloads: [wire(enc!)] };
      const pre = await fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:8233' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const denied = await fetch(`${server.url}/decode`, { method: 'POST', body: JSON.stringify(request) });
      expect(denied.status).toBe(401);
      const wrong = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { Authorization: 'Bearer nope' },
        body: JSON.stringify(request),
      });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { Authorization: 'Bearer ui-token', 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      });
      expect(ok.status).toBe(200);
      const out = (await ok.json()) as { payloads: { data: string }[] };
      expect(Buffer.from(out.payloads[0]!.data, 'base64').toString()).toBe('{"password":"Hunter2"}');
      // And back: /encode gives a payload /decode can read.
      const again = await fetch(`${server.url}/encode`, {
        method: 'POST',
        headers: { Authorization: 'Bearer ui-token' },
        body: JSON.stringify({ payloads: out.payloads }),
      });
      const enc2 = (await again.json()) as { payloads: { metadata: Record<string, string> }[] };
      expect(Buffer.from(enc2.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    } finally {
      await server.stop();
    }
  });
});

describe('sandbox codec server (no token, loopback only)', () => {
  it('needs the explicit sandbox flag, refuses a non-loopback host, and answers both UI origins', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(JSON.stringify({ k1: k() })));
    await expect(startCodecServer({ codec, allowedOrigin: 'http://localhost:8233' })).rejects.toThrow(
      'CODEC_SERVER_TOKEN',
    );
    await expect(
      startCodecServer({
        codec,
        allowedOrigin: 'http://localhost:8233',
        insecureLoopbackWithoutToken: true,
        host: '0.0.0.0',
      }),
    ).rejects.toThrow('127.0.0.1 only');
    const server = await startCodecServer({
      codec,
      insecureLoopbackWithoutToken: true,
      allowedOrigin: ['http://127.0.0.1:8233', 'http://localhost:8233'],
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const [enc] = await codec.encode([plain]);
      for (const origin of ['http://127.0.0.1:8233', 'http://localhost:8233']) {
        const r = await fetch(`${server.url}/decode`, {
          method: 'POST',
          headers: { Origin: origin },
          body: JSON.stringify({ payloads: [wire(enc!)] }),
        });
        expect(r.status).toBe(200);
        expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      }
      const other = await fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://evil.example' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    } finally {
      await server.stop();
    }
  });
});

describe('terrafix codec-server (through main)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['TEMPORAL_PAYLOAD_KEYS', 'CODEC_SERVER_TOKEN', 'CODEC_SERVER_PORT']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('refuses to start without keys, naming the variable', async () => {
    delete process.env.TEMPORAL_PAYLOAD_KEYS;
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      expect(await main(['node', 'terrafix', 'codec-server'])).not.toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(err.join('')).toMatch(/TEMPORAL_PAYLOAD_KEYS/);
  });

  it('serves /decode with the configured keys and token, and stops on SIGTERM', async () => {
    const keys = JSON.stringify({ k1: k() });
    const port = await freePort();
    Object.assign(process.env, {
      TEMPORAL_PAYLOAD_KEYS: keys,
      CODEC_SERVER_TOKEN: 'cli-token',
      CODEC_SERVER_PORT: String(port),
    });
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const running = main(['node', 'terrafix', 'codec-server']);
    try {
      const codec = dataConverterFor({ TEMPORAL_PAYLOAD_KEYS: keys })!.payloadCodecs[0]!;
      const [enc] = await codec.encode([plain]);
      const body = JSON.stringify({ payloads: [wire(enc!)] });
      let res: Response | undefined;
      for (let i = 0; i < 100 && !res; i++) {
        res = await fetch(`http://127.0.0.1:${port}/decode`, {
          method: 'POST',
          headers: { Authorization: 'Bearer cli-token' },
          body,
        }).catch(() => undefined);
        if (!res) await new Promise((r) => setTimeout(r, 100));
      }
      expect(res?.status).toBe(200);
      const json = (await res!.json()) as { payloads: { data: string }[] };
      expect(Buffer.from(json.payloads[0]!.data, 'base64').toString()).toBe('{"password":"Hunter2"}');
    } finally {
      process.emit('SIGTERM');
      expect(await running).toBe(0);
      spy.mockRestore();
    }
    expect(out.join('')).toMatch(/codec server on http:\/\/127\.0\.0\.1:\d+/);
    expect(out.join('')).not.toContain('cli-token');
  });
});
