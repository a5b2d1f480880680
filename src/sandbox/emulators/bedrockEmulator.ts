/**
 * A local Bedrock Runtime emulator for tests, the demo and benchmarks: a plain node:http HTTP/1.1
 * server answering `POST /model/{modelId}/converse` in the Converse wire format (JSON, restJson1) that
 * `@aws-sdk/client-bedrock-runtime` sends. Answers come from a queue, from recordings, or from a
 * handler function; every received request is kept for assertions.
 *
 * It checks what Bedrock checks that matters to TerraFix: a non-empty conversation starting with a
 * user turn, a forced tool that exists, and Claude 4.5's refusal of `temperature` with `topP`.
 * Errors use the `x-amzn-errortype` header the SDK maps to exception classes.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

/** A Converse request as received (body parsed), with the model id from the path. */
export interface ReceivedConverseRequest {
  modelId: string;
  headers: http.IncomingHttpHeaders;
  body: ConverseBody;
  /** The raw body text (for "the request contains no secret" assertions). */
  raw: string;
}

/** The subset of the Converse request body the emulator understands (rest kept as unknown). */
export interface ConverseBody {
  messages?: { role: string; content: Record<string, unknown>[] }[];
  system?: Record<string, unknown>[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: {
    tools?: { toolSpec?: { name: string; description?: string; inputSchema?: { json?: unknown } } }[];
    toolChoice?: { tool?: { name: string }; any?: unknown; auto?: unknown };
  };
  [k: string]: unknown;
}

export interface EmulatorUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** One programmed answer. */
export type EmulatorReply =
  | {
      /** Answer with a toolUse block (input is sent as given: any JSON, even not matching the schema). */
      toolUse: { input: unknown; name?: string; toolUseId?: string };
      text?: string;
      stopReason?:
        'tool_use' | 'end_turn' | 'max_tokens' | 'malformed_tool_use' | 'content_filtered' | string;
      usage?: Partial<EmulatorUsage>;
    }
  | { text: string; stopReason?: string; usage?: Partial<EmulatorUsage> }
  | {
      /** An AWS error: ThrottlingException (429), ValidationException (400), ServiceUnavailableException (503)... */
      error: string;
      status?: number;
      message?: string;
    };

export type ConverseHandler = (req: ReceivedConverseRequest) => EmulatorReply | Promise<EmulatorReply>;

/** A recorded answer: replies when every `match` substring occurs in the request body. */
export interface Recording {
  name?: string;
  match: string[];
  reply: EmulatorReply;
}

export interface BedrockEmulatorOptions {
  port?: number;
  /** Answers served in order, before recordings and the handler. */
  replies?: EmulatorReply[];
  recordings?: Recording[];
  handler?: ConverseHandler;
}

export interface BedrockEmulator {
  /** Base URL, e.g. http://127.0.0.1:54321 — use as AWS_ENDPOINT_URL_BEDROCK_RUNTIME. */
  url: string;
  port: number;
  /** Every Converse request received, in order (including the ones answered with an error). */
  requests: ReceivedConverseRequest[];
  /** Appends answers to the queue. */
  enqueue(...replies: EmulatorReply[]): void;
  /** Replaces the fallback handler. */
  setHandler(handler: ConverseHandler | undefined): void;
  /** Answers still queued. */
  pending(): number;
  /** Drops queued answers and the handler (requests are kept). */
  reset(): void;
  stop(): Promise<void>;
}

const ERROR_STATUS: Record<string, number> = {
  ThrottlingException: 429,
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ServiceUnavailableException: 503,
  InternalServerException: 500,
  ModelNotReadyException: 429,
};

/** Rough token estimate used for emulated usage: 4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Loads recordings (`*.json`, each a Recording or a list of them) from a directory. */
export function loadRecordings(dir: string): Recording[] {
  if (!fs.existsSync(dir)) return [];
  const out: Recording[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Recording | Recording[];
    for (const r of Array.isArray(parsed) ? parsed : [parsed]) out.push({ name: r.name ?? f, ...r });
  }
  return out;
}

function validate(modelId: string, body: ConverseBody): string | null {
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'The model returned the following errors: messages: at least one message is required';
  if (body.messages[0].role !== 'user') return 'A conversation must start with a user message.';
  const inf = body.inferenceConfig ?? {};
  if (inf.maxTokens !== undefined && (!Number.isInteger(inf.maxTokens) || inf.maxTokens < 1))
    return 'inferenceConfig.maxTokens: must be a positive integer';
  if (
    /claude-(opus|sonnet|haiku)-4-5/.test(modelId) &&
    inf.temperature !== undefined &&
    inf.topP !== undefined
  )
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  const forced = body.toolConfig?.toolChoice?.tool?.name;
  if (forced) {
    const names = (body.toolConfig?.tools ?? []).map((t) => t.toolSpec?.name);
    if (!names.includes(forced)) return `toolChoice names tool "${forced}", which is not in toolConfig.tools`;
  }
  return null;
}

function textOf(body: ConverseBody): { system: string; all: string } {
  const sys = (body.system ?? []).flatMap((b) => (typeof b.text === 'string' ? [b.text] : [])).join('\n');
  const msgs = (body.messages ?? [])
    .flatMap((m) => m.content.map((c) => (typeof c.text === 'string' ? c.text : JSON.stringify(c))))
    .join('\n');
  return { system: sys, all: `${sys}\n${msgs}` };
}

/** Starts the emulator on 127.0.0.1 (a free port unless one is given). */
export async function startBedrockEmulator(opts: BedrockEmulatorOptions = {}): Promise<BedrockEmulator> {
  const queue: EmulatorReply[] = [...(opts.replies ?? [])];
  const recordings = opts.recordings ?? [];
  let handler = opts.handler;
  const requests: ReceivedConverseRequest[] = [];
  const cachedPrefixes = new Set<string>();
  let toolUseCounter = 0;

  const send = (res: http.ServerResponse, status: number, payload: unknown, errorType?: string) => {
    const body = JSON.stringify(payload);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': `emu-${requests.length}`,
    };
    if (errorType)
      headers['x-amzn-errortype'] = `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
    res.writeHead(status, headers);
    res.end(body);
  };

  const sendError = (res: http.ServerResponse, type: string, message: string, status?: number) =>
    send(res, status ?? ERROR_STATUS[type] ?? 400, { message }, type);

  const pick = async (req: ReceivedConverseRequest): Promise<EmulatorReply | undefined> => {
    const queued = queue.shift();
    if (queued) return queued;
    const rec = recordings.find((r) => r.match.every((m) => req.raw.includes(m)));
    if (rec) return rec.reply;
    return handler ? handler(req) : undefined;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const m = /^\/model\/([^/]+)\/converse$/.exec((req.url ?? '').split('?')[0]);
        if (req.method !== 'POST' || !m) {
          return sendError(res, 'UnknownOperationException', `no route for ${req.method} ${req.url}`, 404);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: ConverseBody;
        try {
          body = JSON.parse(raw) as ConverseBody;
        } catch {
          return sendError(res, 'SerializationException', 'request body is not JSON');
        }
        const modelId = decodeURIComponent(m[1]);
        const received: ReceivedConverseRequest = { modelId, headers: req.headers, body, raw };
        requests.push(received);
        const invalid = validate(modelId, body);
        if (invalid) return sendError(res, 'ValidationException', invalid);

        const reply = await pick(received);
        if (!reply)
          return sendError(res, 'ValidationException', 'emulator: no programmed answer for this request');
        if ('error' in reply) return sendError(res, reply.error, reply.message ?? reply.error, reply.status);

        // Emulated usage: the system prompt before a cachePoint is written once, then read.
        const { system, all } = textOf(body);
        const hasCachePoint = (body.system ?? []).some((b) => 'cachePoint' in b);
        const sysTokens = estimateTokens(system);
        let cacheRead = 0;
        let cacheWrite = 0;
        if (hasCachePoint) {
          if (cachedPrefixes.has(system)) cacheRead = sysTokens;
          else {
            cachedPrefixes.add(system);
            cacheWrite = sysTokens;
          }
        }
        const content: Record<string, unknown>[] = [];
        if ('text' in reply && reply.text) content.push({ text: reply.text });
        let outText = 'text' in reply && reply.text ? reply.text : '';
        let stopReason = reply.stopReason ?? 'end_turn';
        if ('toolUse' in reply) {
          const forced = body.toolConfig?.toolChoice?.tool?.name;
          const name = reply.toolUse.name ?? forced ?? body.toolConfig?.tools?.[0]?.toolSpec?.name ?? 'tool';
          toolUseCounter += 1;
          content.push({
            toolUse: {
              toolUseId: reply.toolUse.toolUseId ?? `tooluse_emu_${toolUseCounter}`,
              name,
              input: reply.toolUse.input,
            },
          });
          outText += JSON.stringify(reply.toolUse.input ?? null);
          stopReason = reply.stopReason ?? 'tool_use';
        }
        const inputTokens = estimateTokens(all) - cacheRead - cacheWrite;
        const usage: EmulatorUsage = {
          inputTokens: Math.max(1, inputTokens),
          outputTokens: estimateTokens(outText),
          cacheReadInputTokens: cacheRead,
          cacheWriteInputTokens: cacheWrite,
          ...reply.usage,
        };
        send(res, 200, {
          output: { message: { role: 'assistant', content } },
          stopReason,
          usage: {
            ...usage,
            totalTokens:
              usage.inputTokens +
              usage.outputTokens +
              usage.cacheReadInputTokens +
              usage.cacheWriteInputTokens,
          },
          metrics: { latencyMs: 1 },
        });
      })().catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 'InternalServerException', (err as Error).message, 500);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    enqueue: (...r) => void queue.push(...r),
    setHandler: (h) => {
      handler = h;
    },
    pending: () => queue.length,
    reset: () => {
      queue.length = 0;
      handler = undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
