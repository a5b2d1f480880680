/**
 * A second, authoritative parse of changed Terraform files with HashiCorp's own HCL parser
 * (hashicorp/hcl v2 compiled to WebAssembly, shipped as @cdktf/hcl2json). tree-sitter (./parser.ts)
 * stays the structural parser; its grammar is more permissive than HCL in places, so a change it
 * accepts can still be one `terraform` rejects: an argument set twice in one block, `a = 1 b = 2` on
 * one line, a quoted string split over lines, `"${}"`, a single-line block with a nested block or a
 * newline before its `}`, `{ a = 1 b = 2 }` without a separator. validate.ts runs this on every
 * changed file tree-sitter accepted (check `hcl-reparse`).
 *
 * The Go/WASM runtime lives in a worker thread, never in the calling thread, because
 * - @cdktf/hcl2json instantiates its WASM (6.5 MB, gunzipped synchronously) as soon as it is
 *   required, sets globals (`require`, `fs`, `Go`, ...) and rethrows a failed start-up as an
 *   unhandled rejection, which would end the worker process;
 * - a parse runs synchronously inside one WASM call (seconds for a 2 MiB file): in the thread it does
 *   not block the event loop (Temporal heartbeats), and terminating the thread is the only way to
 *   stop it, so the timeout is real;
 * - WebAssembly memory only grows: a 2 MiB file grows the instance by 450-700 MB, kept until the
 *   instance is gone. Terminating the thread returns it, so the thread is recycled after a large
 *   file, after IDLE_MS without work, on a timeout and on any failure; the next call starts anew.
 * Calls are serialized (one file at a time in one thread): memory stays bounded by the largest file.
 *
 * Never throws: a file that does not parse has `error`; a file that could not be checked (not a .tf
 * file, too large, parser unavailable, timed out) has `skipped` with the reason.
 */
import { Worker } from 'node:worker_threads';
import { MAX_HCL_FILE_BYTES } from './parser';

export interface ReparseFile {
  /** Repository-relative path; also the file name in HCL's diagnostics. */
  path: string;
  content: string;
}

export interface ReparseResult {
  path: string;
  /** HashiCorp's diagnostic (`<file>:<line>,<col>: <summary>; <detail>`), when the file does not parse. */
  error?: string;
  /** Line of the first diagnostic. */
  line?: number;
  /** Why the file was not re-parsed. */
  skipped?: string;
}

export interface ReparseOptions {
  /** Per file (default HCL2JSON_TIMEOUT_MS); on expiry the thread is terminated. */
  timeoutMs?: number;
  /** Larger files are skipped (default HCL2JSON_MAX_FILE_BYTES, the tree-sitter limit). */
  maxBytes?: number;
}

export const HCL2JSON_TIMEOUT_MS = 30_000;
export const HCL2JSON_MAX_FILE_BYTES = MAX_HCL_FILE_BYTES;
/** After a file this large the thread is replaced, returning the WASM memory it grew to. */
const RECYCLE_AFTER_BYTES = 256 * 1024;
/** An idle thread (about 60 MB for small files) is terminated after this long. */
const IDLE_MS = 15_000;
const MAX_ERROR_CHARS = 500;

// Plain CommonJS run by the thread: load the module on first use (instantiates its WASM), answer one
// request at a time. `parse` is hcl2json's; `format` is hclwrite's (@cdktf/hcl-tools), the formatter
// terraform fmt is built on, kept here for the same reasons (its Go runtime would otherwise stay in
// the worker's main thread for good).
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let parse, format;
parentPort.on('message', (m) => {
  let work;
  try {
    if (m.op === 'format') {
      format = format || require(workerData.formatPath).format;
      work = format(m.content);
    } else {
      parse = parse || require(workerData.modulePath).parse;
      work = parse(m.filename, m.content);
    }
  } catch (e) {
    work = Promise.reject(e);
  }
  Promise.resolve(work).then(
    (r) => parentPort.postMessage({ id: m.id, ok: true, text: m.op === 'format' ? String(r) : undefined }),
    (e) => parentPort.postMessage({ id: m.id, ok: false, message: String((e && e.message) || e) }),
  );
});
`;

type Reply = { id: number; ok: true; text?: string } | { id: number; ok: false; message: string };

interface Thread {
  worker: Worker;
  pending?: { id: number; resolve: (r: Reply) => void; reject: (e: Error) => void };
  idle?: NodeJS.Timeout;
}

let thread: Thread | undefined;
let queue: Promise<unknown> = Promise.resolve();
let seq = 0;

function retire(t: Thread, why: Error): void {
  if (thread === t) thread = undefined;
  if (t.idle) clearTimeout(t.idle);
  const p = t.pending;
  t.pending = undefined;
  p?.reject(why);
  void t.worker.terminate().catch(() => undefined);
}

function startThread(): Thread {
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: {
      modulePath: require.resolve('@cdktf/hcl2json'),
      formatPath: require.resolve('@cdktf/hcl-tools'),
    },
    env: {},
    execArgv: [],
  });
  const t: Thread = { worker };
  worker.on('message', (m: Reply) => {
    if (t.pending?.id !== m.id) return;
    const p = t.pending;
    t.pending = undefined;
    p.resolve(m);
  });
  worker.on('error', (e) => retire(t, new Error(`parser thread failed: ${e.message}`)));
  worker.on('exit', (code) => retire(t, new Error(`parser thread exited (code ${code})`)));
  worker.unref();
  return t;
}

function callThread(
  op: 'parse' | 'format',
  filename: string,
  content: string,
  timeoutMs: number,
): Promise<Reply> {
  thread ??= startThread();
  const t = thread;
  if (t.idle) clearTimeout(t.idle);
  t.idle = undefined;
  return new Promise<Reply>((resolve, reject) => {
    const id = ++seq;
    // A ref'd timer keeps the process alive while the (unref'd) thread works.
    const timer = setTimeout(() => retire(t, new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      if (thread !== t) return;
      if (content.length > RECYCLE_AFTER_BYTES) retire(t, new Error('recycled'));
      else t.idle = setTimeout(() => retire(t, new Error('idle')), IDLE_MS).unref();
    };
    t.pending = {
      id,
      resolve: (r) => {
        done();
        resolve(r);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    };
    t.worker.postMessage({ id, op, filename, content });
  });
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** HCL's diagnostics from hcl2json's error text, or null when the error is not a syntax error. */
function diagnostics(file: string, message: string): { error: string; line?: number } | null {
  // hcl2json wraps hcl.Diagnostics as `parse config: [<d1> <d2> ...]`, each `<file>:<range>: <summary>; <detail>`.
  const m = /^parse config: \[([\s\S]*)\]$/.exec(message.trim());
  if (!m) return null; // its own JSON conversion failed ("convert body: ..."): not a verdict on the HCL
  const parts = m[1]
    .split(new RegExp(` (?=${escapeRe(file)}:\\d+,\\d+(?:-\\d+(?:,\\d+)?)?: )`))
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const first = parts[0] ?? m[1];
  const line = first.startsWith(`${file}:`) ? Number(/^:(\d+),/.exec(first.slice(file.length))?.[1]) : NaN;
  let error = first.length > MAX_ERROR_CHARS ? `${first.slice(0, MAX_ERROR_CHARS)}…` : first;
  if (parts.length > 1) error += ` (and ${parts.length - 1} more)`;
  return { error, line: Number.isFinite(line) && line > 0 ? line : undefined };
}

async function reparseOne(f: ReparseFile, opts: ReparseOptions): Promise<ReparseResult> {
  if (!f.path.endsWith('.tf')) return { path: f.path, skipped: 'not a .tf file' };
  const maxBytes = opts.maxBytes ?? HCL2JSON_MAX_FILE_BYTES;
  const bytes = Buffer.byteLength(f.content, 'utf8');
  if (bytes > maxBytes) return { path: f.path, skipped: `${bytes} bytes, larger than ${maxBytes}` };
  let reply: Reply;
  try {
    reply = await callThread('parse', f.path, f.content, opts.timeoutMs ?? HCL2JSON_TIMEOUT_MS);
  } catch (err) {
    return { path: f.path, skipped: `HashiCorp's parser did not answer: ${(err as Error).message}` };
  }
  if (reply.ok) return { path: f.path };
  const d = diagnostics(f.path, reply.message);
  if (!d)
    return { path: f.path, skipped: `hcl2json could not convert the file: ${reply.message.slice(0, 200)}` };
  return { path: f.path, ...d };
}

/**
 * Parses each changed .tf file with HashiCorp's HCL parser, one at a time; one result per file, in
 * order. Concurrent callers queue behind each other.
 */
export function authoritativeParse(
  files: ReparseFile[],
  opts: ReparseOptions = {},
): Promise<ReparseResult[]> {
  const run = async (): Promise<ReparseResult[]> => {
    const out: ReparseResult[] = [];
    for (const f of files) out.push(await reparseOne(f, opts));
    return out;
  };
  return enqueue(run);
}

/** Runs `work` after every earlier call to the thread (one request at a time). */
function enqueue<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work, work);
  queue = result.catch(() => undefined);
  return result;
}

/**
 * Formats HCL text with hclwrite (@cdktf/hcl-tools) in the parser thread; text hclwrite cannot parse
 * comes back unchanged. Rejects when the thread fails or takes longer than `timeoutMs`.
 */
export function formatInHclThread(text: string, timeoutMs = HCL2JSON_TIMEOUT_MS): Promise<string> {
  return enqueue(async () => {
    const reply = await callThread('format', 'format.tf', text, timeoutMs);
    if (!reply.ok) throw new Error(reply.message);
    return reply.text ?? text;
  });
}

/** Terminates the parser thread now (tests, benchmarks, shutdown); the next call starts a new one. */
export async function stopAuthoritativeParser(): Promise<void> {
  const t = thread;
  if (!t) return;
  retire(t, new Error('stopped'));
  await t.worker.terminate().catch(() => undefined);
}
