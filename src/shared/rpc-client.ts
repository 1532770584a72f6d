import { BerthError, ERROR_KINDS, type ErrorKind } from './errors';
import type { BerthEvent } from './events';
import { METHOD_NAMES } from './method-names';
import type { BerthApi, MethodName, ParamsOf, ResultOf } from './methods';
import type { RpcErrorBody, RpcRequest } from './rpc';
import { parseIncoming } from './rpc-frames';

// Transport-free JSON-RPC client: the unix socket (CLI, main, web mode) and
// the WebSocket (renderer in a browser) both feed frames into it.
export class RpcSession {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners = new Set<(e: BerthEvent) => void>();
  private token: string | undefined;
  private closedError: BerthError | null = null;
  private serverSaid: BerthError | null = null;

  constructor(private readonly sendFrame: (frame: string) => void, token?: string, private readonly client?: 'gui' | 'cli') {
    this.token = token;
  }

  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const req: RpcRequest = { jsonrpc: '2.0', id, method, params: params ?? {} };
    if (this.token !== undefined) {
      req.auth = this.token;
      if (this.client) req.client = this.client;
      this.token = undefined; // presented once per connection
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.sendFrame(JSON.stringify(req));
      } catch (e) {
        this.pending.delete(id);
        reject(new BerthError('unavailable', `cannot send to helper: ${(e as Error).message}`));
      }
    });
  }

  onEvent(cb: (e: BerthEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  // Feed one received frame (a JSON text).
  receive(frame: string): void {
    const msg = parseIncoming(frame);
    if (!msg) return;
    if (msg.kind === 'event') {
      for (const l of this.listeners) l(msg.event);
      return;
    }
    if (msg.id === null && msg.kind === 'error') {
      // the server says why it is about to close the connection (idle, too many clients)
      this.serverSaid = errorFromRpc(msg.error);
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.kind === 'error') p.reject(errorFromRpc(msg.error));
    else p.resolve(msg.result);
  }

  // The transport is gone: fail every call in flight and every later one.
  close(reason = 'connection to the helper closed'): void {
    this.closedError = this.serverSaid ?? new BerthError('unavailable', reason);
    for (const p of this.pending.values()) p.reject(this.closedError);
    this.pending.clear();
  }
}

export function errorFromRpc(e: RpcErrorBody): BerthError {
  const kind: ErrorKind = e.data && (ERROR_KINDS as readonly string[]).includes(e.data.kind) ? e.data.kind : 'internal';
  return new BerthError(kind, e.message, e.data?.details);
}

// One function per contract method, built from the method list.
export function makeApi(call: <M extends MethodName>(m: M, p: ParamsOf<M>) => Promise<ResultOf<M>>): BerthApi {
  return Object.fromEntries(METHOD_NAMES.map((m) => [m, (p: never) => call(m, p)])) as unknown as BerthApi;
}
