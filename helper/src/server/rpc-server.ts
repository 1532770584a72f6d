import { lchownSync, lstatSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { createFresh, ensureSafeDir } from '../kernel/safe-files';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { BerthError, RPC_CODES } from '../../../src/shared/errors';
import type { BerthEvent } from '../../../src/shared/events';
import { isMethodName, MAX_REQUEST_BYTES, methods, type MethodHandlers } from '../../../src/shared/methods';
import type { RpcResponse } from '../../../src/shared/rpc';
import { tokenPathFor } from '../client/unix-client';

export interface CallContext {
  notify(e: BerthEvent): void; // to this connection only
  subscribe(): void; // this connection receives every engine event from now on
  closed: Promise<void>;
}
export type Handlers = MethodHandlers<CallContext>;

export interface RpcServerOptions {
  socketPath: string;
  ownerUid: number;
  ownerGid: number;
  handlers: Handlers;
  log: (msg: string) => void;
}

// JSON-RPC 2.0, one JSON object per line, on a unix socket only its owner
// can open. The first request of a connection must carry the token from the
// token file (mode 0600, owned by the same user).
export class RpcServer {
  private server: net.Server;
  private readonly token = randomBytes(32).toString('hex');
  private subscribers = new Set<(e: BerthEvent) => void>();

  constructor(private readonly o: RpcServerOptions) {
    this.server = net.createServer((sock) => this.serve(sock));
  }

  // The socket directory may be the owner's (or sticky, like /tmp) but no
  // one else's. The token file is created fresh (a planted symlink is
  // replaced, never followed) and chowned through its descriptor; the
  // socket is bound and chowned in a private directory, then renamed into
  // place, so no path the owner can swap is ever chowned.
  async listen(): Promise<void> {
    const dir = dirname(this.o.socketPath);
    ensureSafeDir(dir, { trusted: [this.o.ownerUid], leafSticky: true, what: 'socket directory' }, 0o755);
    if (lstatOrNull(this.o.socketPath)) {
      if (await answers(this.o.socketPath)) throw new BerthError('conflict', `a helper already listens on ${this.o.socketPath}`);
      unlinkSync(this.o.socketPath);
    }
    createFresh(tokenPathFor(this.o.socketPath), this.token + '\n', { mode: 0o600, uid: this.o.ownerUid, gid: this.o.ownerGid });
    const priv = mkdtempSync(join(dir, '.berth-sock-'));
    const bound = join(priv, 's');
    const old = process.umask(0o177); // the socket is born 0600
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(bound, resolve);
      });
      lchownSync(bound, this.o.ownerUid, this.o.ownerGid);
      renameSync(bound, this.o.socketPath);
    } finally {
      process.umask(old);
      rmSync(priv, { recursive: true, force: true }); // root-only: nothing else can be in it
    }
  }

  broadcast(e: BerthEvent): void {
    for (const s of this.subscribers) s(e);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
    for (const p of [this.o.socketPath, tokenPathFor(this.o.socketPath)]) {
      try {
        unlinkSync(p);
      } catch {
        /* gone */
      }
    }
  }

  private serve(sock: net.Socket): void {
    let authed = false;
    let buf = '';
    let onClose: () => void = () => {};
    const closed = new Promise<void>((r) => (onClose = r));
    const send = (o: object) => {
      if (!sock.destroyed) sock.write(JSON.stringify(o) + '\n');
    };
    const notify = (e: BerthEvent) => send({ jsonrpc: '2.0', method: 'event', params: e });
    const ctx: CallContext = { notify, subscribe: () => this.subscribers.add(notify), closed };
    sock.setEncoding('utf8');
    sock.on('error', () => {});
    sock.on('close', () => {
      this.subscribers.delete(notify);
      onClose();
    });
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES && !buf.includes('\n')) {
        send(errorFrame(null, new BerthError('invalid_argument', `request larger than ${MAX_REQUEST_BYTES} bytes`)));
        sock.destroy();
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        if (line.length > MAX_REQUEST_BYTES) {
          send(errorFrame(null, new BerthError('invalid_argument', `request larger than ${MAX_REQUEST_BYTES} bytes`)));
          sock.destroy();
          return;
        }
        let req: { id?: unknown; method?: unknown; params?: unknown; auth?: unknown };
        try {
          req = JSON.parse(line);
        } catch {
          send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
          continue;
        }
        const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
        if (!authed) {
          if (typeof req.auth !== 'string' || !sameToken(req.auth, this.token)) {
            send(errorFrame(id, new BerthError('unauthorized', 'missing or wrong token')));
            sock.destroy();
            return;
          }
          authed = true;
        }
        void this.dispatch(id, req.method, req.params, ctx).then(send);
      }
    });
  }

  private async dispatch(id: string | number | null, method: unknown, params: unknown, ctx: CallContext): Promise<RpcResponse> {
    if (!isMethodName(method))
      return { jsonrpc: '2.0', id, error: { code: -32601, message: `unknown method ${String(method).slice(0, 64)}` } };
    const parsed = methods[method].params.safeParse(params ?? {});
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      const where = i.path.length ? `${i.path.join('.')}: ` : '';
      return errorFrame(id, new BerthError('invalid_argument', `${where}${i.message}`));
    }
    try {
      const result = await this.o.handlers[method](parsed.data as never, ctx);
      return { jsonrpc: '2.0', id: id ?? 0, result: result ?? null };
    } catch (e) {
      if (!(e instanceof BerthError)) this.o.log(`${method} failed: ${(e as Error).stack ?? e}`);
      return errorFrame(id, e);
    }
  }
}

function errorFrame(id: string | number | null, e: unknown): RpcResponse {
  const be = e instanceof BerthError ? e : new BerthError('internal', (e as Error)?.message ?? String(e));
  return { jsonrpc: '2.0', id, error: { code: RPC_CODES[be.kind], message: be.message, data: { kind: be.kind } } };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
