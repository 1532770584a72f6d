import { BerthError, RPC_CODES } from './errors';
import type { BerthEvent } from './events';
import type { RpcErrorBody, RpcNotification, RpcResponse } from './rpc';

// The one JSON-RPC 2.0 framing of every transport: the helper's unix socket
// (one frame per line, LineFramer below), the web-mode WebSocket (one frame
// per message), the helper's server, the web bridge and RpcSession.

// The protocol's own codes; Berth's error kinds have theirs in RPC_CODES.
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;

export type RpcId = number | string | null;

export function errorFrame(id: RpcId, e: unknown, code?: number): RpcResponse {
  const be = e instanceof BerthError ? e : new BerthError('internal', (e as Error)?.message ?? String(e));
  // details cross the wire only as an exit code (a command that cannot run: 126/127, as Docker's)
  const exitCode = (be.details as { exitCode?: unknown } | undefined)?.exitCode;
  const data = typeof exitCode === 'number' ? { kind: be.kind, details: { exitCode } } : { kind: be.kind };
  return { jsonrpc: '2.0', id, error: { code: code ?? RPC_CODES[be.kind], message: be.message, data } };
}
export const resultFrame = (id: number | string, result: unknown): RpcResponse => ({ jsonrpc: '2.0', id, result: result ?? null });
export const eventFrame = (e: BerthEvent): RpcNotification => ({ jsonrpc: '2.0', method: 'event', params: e });

export interface RpcCall {
  id: number | string;
  method: string;
  params: unknown;
  auth?: unknown;
  client?: unknown;
}

// One received request text, checked for shape before anything reads a
// field of it: a JSON object with jsonrpc "2.0", a number or string id and
// a string method. Anything else is an error frame to send back (batches
// included: Berth's clients never send them).
export function parseRequest(text: string): { call: RpcCall } | { reply: RpcResponse } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { reply: errorFrame(null, invalid('parse error: not JSON'), PARSE_ERROR) };
  }
  if (Array.isArray(msg)) return { reply: errorFrame(null, invalid('batch requests are not supported'), INVALID_REQUEST) };
  if (msg === null || typeof msg !== 'object') return { reply: errorFrame(null, invalid('not a JSON-RPC request object'), INVALID_REQUEST) };
  const m = msg as Record<string, unknown>;
  const id = typeof m.id === 'number' || typeof m.id === 'string' ? m.id : null;
  if (id === null || (typeof id === 'string' && id.length > 128))
    return { reply: errorFrame(null, invalid('a request needs an "id" (a number or a short string)'), INVALID_REQUEST) };
  if (m.jsonrpc !== '2.0') return { reply: errorFrame(id, invalid('not a JSON-RPC 2.0 request ("jsonrpc": "2.0" missing)'), INVALID_REQUEST) };
  if (typeof m.method !== 'string') return { reply: errorFrame(id, invalid('"method" must be a string'), INVALID_REQUEST) };
  return { call: { id, method: m.method, params: m.params, auth: m.auth, client: m.client } };
}

export const methodNotFound = (id: RpcId, method: string) =>
  errorFrame(id, invalid(`method not found: ${method.slice(0, 64)}`), METHOD_NOT_FOUND);

export type RpcIncoming =
  | { kind: 'event'; event: BerthEvent }
  | { kind: 'result'; id: number | string; result: unknown }
  | { kind: 'error'; id: RpcId; error: RpcErrorBody };

// One received response or notification text, or null when it is neither.
export function parseIncoming(text: string): RpcIncoming | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return null;
  const m = msg as Record<string, unknown>;
  if (m.method === 'event') return { kind: 'event', event: m.params as BerthEvent };
  const id = typeof m.id === 'number' || typeof m.id === 'string' ? m.id : null;
  const err = m.error as RpcErrorBody | undefined;
  if (err && typeof err === 'object' && typeof err.message === 'string') return { kind: 'error', id, error: err };
  if (id !== null && 'result' in m) return { kind: 'result', id, result: m.result };
  return null;
}

const invalid = (msg: string) => new BerthError('invalid_argument', msg);

// Newline-delimited frames out of a byte stream. A line longer than
// `maxBytes` is not buffered: `onTooLong` is called once and the framer
// stops (the connection cannot be resynchronised mid-line). Works on bytes,
// so a multi-byte character split across chunks is never mangled.
// With `onBytes`, a line "#<stream> <length>" (never JSON) heads a bytes
// frame (bytesFrameHeader): the `length` bytes after it are handed to
// onBytes as they arrive, in one or more pieces, never buffered nor decoded
// (`berth nat ls`'s output, docs/architecture.md "How a request flows").
export class LineFramer {
  private parts: Uint8Array[] = [];
  private size = 0;
  private stopped = false;
  private readonly decoder: InstanceType<typeof TextDecoder>;
  private bytesLeft = 0; // of the bytes frame being read
  private bytesStream = '';

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
    private readonly onBytes?: (stream: string, bytes: Uint8Array) => void,
    // with it, a line that is not valid UTF-8 is dropped and reported here
    // (the helper answers it with a parse error) instead of decoded with U+FFFD
    private readonly onBadText?: () => void,
  ) {
    this.decoder = new TextDecoder('utf-8', { fatal: !!onBadText });
  }

  // bytes received that are not a whole line yet
  get pending(): number {
    return this.size;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    while (!this.stopped) {
      if (this.bytesLeft > 0) {
        if (start >= chunk.length) return;
        const end = Math.min(chunk.length, start + this.bytesLeft);
        this.bytesLeft -= end - start;
        this.onBytes!(this.bytesStream, chunk.subarray(start, end));
        start = end;
        continue;
      }
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (this.size + (end - start) > this.maxBytes) {
        this.stopped = true;
        this.parts = [];
        this.size = 0;
        this.onTooLong();
        return;
      }
      if (nl < 0) {
        if (end > start) {
          this.parts.push(chunk.subarray(start));
          this.size += end - start;
        }
        return;
      }
      let line: string;
      try {
        line = this.take(chunk.subarray(start, nl));
      } catch (e) {
        if (!this.onBadText) throw e;
        start = nl + 1;
        this.onBadText();
        continue;
      }
      start = nl + 1;
      const head = this.onBytes && line.charCodeAt(0) === 35 /* # */ ? BYTES_HEADER.exec(line) : null;
      if (head) {
        this.bytesStream = head[1];
        this.bytesLeft = Number(head[2]);
      } else if (line.trim()) this.onLine(line);
    }
  }

  private take(last: Uint8Array): string {
    if (!this.parts.length) return this.decoder.decode(last);
    const all = new Uint8Array(this.size + last.length);
    let o = 0;
    for (const p of this.parts) {
      all.set(p, o);
      o += p.length;
    }
    all.set(last, o);
    this.parts = [];
    this.size = 0;
    return this.decoder.decode(all);
  }

  stop(): void {
    this.stopped = true;
    this.parts = [];
    this.size = 0;
    this.bytesLeft = 0;
  }
}

// A bytes frame's stream name: what a header line can carry unambiguously.
export const BYTES_STREAM = /^[\w.-]{1,64}$/;
const BYTES_HEADER = /^#([\w.-]{1,64}) (\d{1,15})$/;
// The line before `length` bytes of stream `stream` (LineFramer's onBytes).
export const bytesFrameHeader = (stream: string, length: number) => `#${stream} ${length}\n`;

export const encodeLine = (frame: RpcResponse | RpcNotification | object) => JSON.stringify(frame) + '\n';
