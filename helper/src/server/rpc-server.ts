import { lchownSync, lstatSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { createFresh, ensureSafeDir } from '../kernel/safe-files';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { BerthError } from '../../../src/shared/errors';
import type { BerthEvent } from '../../../src/shared/events';
import type { ClientKind } from '../../../src/shared/activity';
import { doerOf, runAs } from './actor';
import { FrameOutput } from './frame-output';
import { OutputBudget } from './output-budget';
import { DEADLINES, deadlineOf, type DeadlineLimits, type MethodClass } from './deadlines';
import { isMethodName, MAX_REQUEST_BYTES, methods, type MethodHandlers } from '../../../src/shared/methods';
import { tokenPathFor, type RpcResponse } from '../../../src/shared/rpc';
import {
  encodeLine, errorFrame, eventFrame, INVALID_REQUEST, LineFramer, methodNotFound, PARSE_ERROR, parseRequest, resultFrame, type RpcCall,
} from '../../../src/shared/rpc-frames';

export interface CallContext {
  notify(e: BerthEvent): void; // to this connection only
  // bytes to this connection only, as they are (a bytes frame, rpc-frames.ts LineFramer)
  sendBytes(stream: string, parts: readonly Uint8Array[]): void; // one frame of these bytes
  subscribe(): void; // this connection receives every engine event from now on
  closed: Promise<void>;
  // resolves once what was sent to this connection is down to a little (or it
  // closed): a streaming handler waits on it so a slow reader slows the source
  drained(): Promise<void>;
  // this call's: aborted when its caller left or its deadline passed
  // (server/deadlines.ts); a read may stop on it, a change never does
  signal: AbortSignal;
}
export type Handlers = MethodHandlers<CallContext>;

export interface RpcServerOptions {
  socketPath: string;
  ownerUid: number;
  ownerGid: number;
  handlers: Handlers;
  log: (msg: string) => void;
  limits?: Partial<RpcLimits>;
  // a listening socket handed over by systemd (socket activation, fd 3): the
  // socket file and its mode are the unit's; the helper adds only the token
  inheritedFd?: number;
}

// What one client may hold of the helper. A connection must present the
// token within `authMs`; a line must be finished within `lineMs`. An
// authenticated connection with no request for `idleMs` is closed unless
// it waits for an answer (container.wait) or subscribed to events: the
// app's event stream is quiet for hours and stays open as long as its peer
// does (the kernel tells the helper when a peer goes away). A request is
// answered `timeout` past its class's deadline (server/deadlines.ts).
export interface RpcLimits extends DeadlineLimits {
  maxConnections: number;
  maxInFlight: number; // per connection; reading pauses beyond it
  authMs: number;
  lineMs: number;
  idleMs: number;
  maxLineBytes: number;
  // unread output a connection may hold in the helper before it is dropped;
  // streams wait at drainBytes (drained()), so only a reader that stopped
  // reading while events keep coming reaches the cap
  maxBacklogBytes: number;
  drainBytes: number;
  stallMs: number; // an answer waits this long for a reader that stopped reading it (server/frame-output.ts)
  // answers one connection may leave waiting for it to read; more are refused with an error
  maxHeldAnswers: number;
  // the same over all connections, and their unsent output: past either the
  // connection furthest behind is dropped (server/output-budget.ts)
  maxTotalHeldAnswers: number;
  maxTotalBacklogBytes: number;
  // requests of one class answered `timeout` whose work still runs: past it,
  // new ones of that class are refused at once (they would queue behind them)
  maxOverdue: number;
}
export const RPC_LIMITS: RpcLimits = {
  maxConnections: 128,
  maxInFlight: 32,
  authMs: 10_000,
  lineMs: 30_000,
  idleMs: 15 * 60_000,
  maxLineBytes: MAX_REQUEST_BYTES,
  maxBacklogBytes: 16 * 1024 * 1024,
  drainBytes: 1024 * 1024,
  stallMs: 60_000,
  maxHeldAnswers: 4,
  maxTotalHeldAnswers: 8,
  maxTotalBacklogBytes: 64 * 1024 * 1024,
  ...DEADLINES,
  maxOverdue: 16,
};

// JSON-RPC 2.0, one JSON object per line, on a unix socket only its owner
// can open. The first request of a connection must carry the token from the
// token file (mode 0600, owned by the same user). Nothing a client sends can
// end the helper: every line is parsed, checked and answered inside its own
// error boundary, and what a client can hold is bounded (RpcLimits).
export class RpcServer {
  private server: net.Server;
  private readonly token = randomBytes(32).toString('hex');
  private subscribers = new Set<(e: BerthEvent) => void>();
  private connections = new Set<net.Socket>();
  readonly limits: RpcLimits;
  private readonly budget: OutputBudget;
  // per class, requests past their deadline whose work has not ended yet
  private readonly overdueBy: Record<MethodClass, number> = { read: 0, inspect: 0, change: 0, stream: 0 };

  constructor(private readonly o: RpcServerOptions) {
    this.limits = { ...RPC_LIMITS, ...o.limits };
    this.budget = new OutputBudget(this.limits, o.log);
    // half-open: a client that sends its requests and then shuts its side
    // (`printf ... | socat`) still gets its answers (serve(), 'end')
    this.server = net.createServer({ allowHalfOpen: true }, (sock) => {
      try {
        this.serve(sock);
      } catch (e) {
        this.o.log(`connection setup failed: ${(e as Error).stack ?? e}`);
        sock.destroy();
      }
    });
  }

  // The socket directory may be the owner's (or sticky, like /tmp) but no
  // one else's. The token file is created fresh (a planted symlink is
  // replaced, never followed) and chowned through its descriptor; the
  // socket is bound and chowned in a private directory, then renamed into
  // place, so no path the owner can swap is ever chowned.
  async listen(): Promise<void> {
    if (this.o.inheritedFd !== undefined) {
      createFresh(tokenPathFor(this.o.socketPath), this.token + '\n', { mode: 0o600, uid: this.o.ownerUid, gid: this.o.ownerGid });
      const fd = this.o.inheritedFd;
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen({ fd }, resolve);
      });
      return;
    }
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
    const done = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.connections) s.destroy(); // subscribers would hold the server open for ever
    await done;
    // an inherited socket stays: systemd listens on it and starts the next helper
    const own = this.o.inheritedFd === undefined ? [this.o.socketPath] : [];
    for (const p of [...own, tokenPathFor(this.o.socketPath)]) {
      try {
        unlinkSync(p);
      } catch {
        /* gone */
      }
    }
  }

  private serve(sock: net.Socket): void {
    const L = this.limits;
    let onClose: () => void = () => {};
    const closed = new Promise<void>((r) => (onClose = r));
    const left = new AbortController(); // the caller left: its reads need not go on
    // each running call's own signal, aborted when it passes its deadline or
    // the caller leaves (not AbortSignal.any over left: in Node 20-22 each
    // signal it makes stays referenced by the long-lived one until it aborts,
    // a leak per request on a connection open for hours)
    const running = new Set<CallAbort>();
    const out = new FrameOutput(sock, L, this.o.log, this.budget);
    const send = (frame: object, big = false) => out.send(frame, big);
    const sendBytes = (stream: string, parts: readonly Uint8Array[]) => out.sendBytes(stream, parts);
    const drained = () => out.drained();
    const refuse = (frame: RpcResponse) => {
      send(frame);
      framer.stop();
      out.end();
      setTimeout(() => sock.destroy(), 1000).unref();
    };
    sock.on('error', () => {});
    if (this.connections.size >= L.maxConnections) {
      sock.end(encodeLine(errorFrame(null, new BerthError('unavailable', `the helper serves at most ${L.maxConnections} connections; close some clients (berth ui, scripts) and retry`))));
      setTimeout(() => sock.destroy(), 1000).unref();
      return;
    }
    this.connections.add(sock);

    let authed = false;
    let client: ClientKind = 'cli';
    let subscribed = false;
    let inFlight = 0;
    const notify = (e: BerthEvent) => send(eventFrame(e));
    const ctx: CallContext = {
      notify,
      sendBytes,
      subscribe: () => {
        subscribed = true;
        this.subscribers.add(notify);
      },
      closed,
      drained,
      signal: left.signal,
    };
    const timers = new Set<NodeJS.Timeout>();
    const after = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      t.unref();
      timers.add(t);
      return t;
    };
    const authTimer = after(L.authMs, () => {
      if (!authed) refuse(errorFrame(null, new BerthError('unauthorized', `no token within ${L.authMs / 1000} s`)));
    });
    let lineTimer: NodeJS.Timeout | null = null;
    let idleTimer: NodeJS.Timeout | null = null;
    const armIdle = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = after(L.idleMs, () => {
        if (subscribed || inFlight > 0) return armIdle();
        refuse(errorFrame(null, new BerthError('unavailable', `closed after ${Math.round(L.idleMs / 1000)} s without a request`)));
      });
    };

    const framer = new LineFramer(
      L.maxLineBytes,
      (line) => {
        try {
          onLine(line);
        } catch (e) {
          // a bug in the server itself: this request fails, the helper carries on
          this.o.log(`request failed: ${(e as Error).stack ?? e}`);
          send(errorFrame(null, e));
        }
      },
      () => refuse(errorFrame(null, new BerthError('invalid_argument', `request larger than ${L.maxLineBytes} bytes`), INVALID_REQUEST)),
      undefined,
      () => {
        const frame = errorFrame(null, new BerthError('invalid_argument', 'parse error: the request is not valid UTF-8'), PARSE_ERROR);
        if (authed) send(frame);
        else refuse(frame); // before the token: answered, then closed
      },
    );

    const onLine = (line: string) => {
      const parsed = parseRequest(line);
      if ('reply' in parsed) {
        // before the token, nothing but a valid first request is answered twice
        if (!authed) refuse(parsed.reply);
        else send(parsed.reply);
        return;
      }
      const call = parsed.call;
      if (!authed) {
        if (typeof call.auth !== 'string' || !sameToken(call.auth, this.token)) {
          refuse(errorFrame(call.id, new BerthError('unauthorized', 'missing or wrong token')));
          return;
        }
        authed = true;
        if (call.client === 'gui') client = 'gui';
        clearTimeout(authTimer);
        timers.delete(authTimer);
      }
      armIdle();
      waiting.push(call);
      pump();
    };
    // Backpressure: at most maxInFlight calls run; the rest of what one read
    // brought waits here and the socket is not read until they have started.
    // While the client has more than drainBytes of output unread, nothing new
    // starts and its socket is not read either: a client that pipelines
    // requests and reads no answers stops itself instead of filling the helper.
    const waiting: RpcCall[] = [];
    let untilDrained = false;
    const pump = () => {
      while (inFlight < L.maxInFlight && waiting.length && !out.behind) {
        const call = waiting.shift()!;
        inFlight++;
        void this.dispatch(call, ctx, client, running)
          .catch((e) => errorFrame(call.id, e))
          .then((frame) => {
            inFlight--;
            send(frame, true);
            pump();
            endIfAnswered();
          });
      }
      if (out.behind && !untilDrained && !sock.destroyed) {
        untilDrained = true;
        void out.drained().then(() => {
          untilDrained = false;
          pump();
        });
      }
      if (waiting.length || out.behind) pauseReading();
      else if (readingPaused && !sock.destroyed) {
        readingPaused = false;
        sock.resume();
        checkLine();
      }
    };

    // A line must not stay unfinished for ever (a slow or stuck writer), but
    // while the helper does not read (pump) the writer is not the slow one:
    // its clock starts again when reading resumes.
    let readingPaused = false;
    const stopLineClock = () => {
      if (!lineTimer) return;
      clearTimeout(lineTimer);
      timers.delete(lineTimer);
      lineTimer = null;
    };
    const checkLine = () => {
      if (framer.pending && !lineTimer && !readingPaused)
        lineTimer = after(L.lineMs, () => refuse(errorFrame(null, new BerthError('invalid_argument', `request line not finished within ${L.lineMs / 1000} s`), INVALID_REQUEST)));
      else if (!framer.pending) stopLineClock();
    };
    const pauseReading = () => {
      readingPaused = true;
      sock.pause();
      stopLineClock();
    };
    sock.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      checkLine();
    });
    // The client shut its side: no more requests. What it asked is answered,
    // then the connection ends; a call that keeps running (container.wait)
    // holds it at most lineMs, since a client that went away entirely looks
    // the same until a write fails.
    let inputEnded = false;
    const endIfAnswered = () => {
      if (inputEnded && inFlight === 0 && !waiting.length) out.end();
    };
    sock.on('end', () => {
      inputEnded = true;
      framer.stop(); // an unfinished last line is not a request
      if (lineTimer) clearTimeout(lineTimer);
      after(L.lineMs, () => sock.destroy());
      endIfAnswered();
    });
    sock.on('close', () => {
      for (const t of timers) clearTimeout(t);
      framer.stop();
      waiting.length = 0;
      this.connections.delete(sock);
      this.subscribers.delete(notify);
      left.abort(new BerthError('unavailable', 'the caller left'));
      for (const c of running) c.abort(left.signal.reason);
      onClose();
    });
  }

  private async dispatch(call: RpcCall, ctx: CallContext, client: ClientKind, running: Set<CallAbort>): Promise<RpcResponse> {
    const { id, method } = call;
    if (!isMethodName(method)) return methodNotFound(id, method);
    const parsed = methods[method].params.safeParse(call.params ?? {});
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      const where = i.path.length ? `${i.path.join('.')}: ` : '';
      return errorFrame(id, new BerthError('invalid_argument', `${where}${i.message}`));
    }
    const { cls, ms } = deadlineOf(method, parsed.data, this.limits);
    if (ms !== null && this.overdueBy[cls] >= this.limits.maxOverdue)
      return errorFrame(id, new BerthError('unavailable', `refused ${method}: ${this.overdueBy[cls]} earlier requests of its kind still run past their deadline; retry later`));
    const own = new CallAbort();
    if (ctx.signal.aborted) own.abort(ctx.signal.reason);
    running.add(own);
    const callCtx: CallContext = {
      notify: ctx.notify, sendBytes: ctx.sendBytes, subscribe: ctx.subscribe, closed: ctx.closed, drained: ctx.drained,
      get signal() {
        return own.signal;
      },
    };
    // the events the call causes are recorded as done by this client (server/actor.ts)
    const handler = this.o.handlers[method] as (p: unknown, c: CallContext) => Promise<unknown>;
    const work = this.answer(id, method, () => runAs(doerOf(method, client), () => handler(parsed.data, callCtx)), () => running.delete(own));
    if (ms === null) return await work;
    // Past its deadline the caller is answered; the work is not cut short. A
    // read stops where it looks at its signal; a change goes on in the
    // engine's queue, which commits it or undoes it as for any caller
    // (docs/architecture.md, "Deadlines").
    return await new Promise<RpcResponse>((resolve) => {
      let late = false;
      const secs = ms / 1000;
      const timer = setTimeout(() => {
        late = true;
        own.abort(new BerthError('timeout', `${method} passed its deadline`));
        this.overdueBy[cls]++;
        const what = cls === 'change'
          ? 'the change goes on in the helper and is either completed or undone (its events and berth activity say which)'
          : 'the read was abandoned';
        resolve(errorFrame(id, new BerthError('timeout', `timeout: ${method} did not finish within ${secs} s; ${what}`)));
      }, ms);
      void work.then((f) => {
        if (!late) {
          clearTimeout(timer);
          return resolve(f);
        }
        this.overdueBy[cls]--;
        this.o.log(`${method} ended ${'error' in f ? `with an error (${f.error.message})` : 'successfully'} after its ${secs} s deadline`);
      });
    });
  }

  private async answer(id: RpcCall['id'], method: string, fn: () => Promise<unknown>, done: () => void): Promise<RpcResponse> {
    try {
      return resultFrame(id, await fn());
    } catch (e) {
      if (!(e instanceof BerthError)) this.o.log(`${method} failed: ${(e as Error).stack ?? e}`);
      return errorFrame(id, e);
    } finally {
      done();
    }
  }

  // requests answered `timeout` whose work still runs, per class
  get overdue(): Readonly<Record<MethodClass, number>> {
    return this.overdueBy;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  // what the helper holds for readers that are behind, over all connections
  get held(): { answers: number; unsentBytes: number } {
    return { answers: this.budget.heldAnswers, unsentBytes: this.budget.unsentBytes };
  }
}

// A call's signal, made only when its handler asks for it (most never do:
// an AbortController per request was a third of a small request's CPU).
class CallAbort {
  private ac: AbortController | null = null;
  private reason: unknown;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.aborted) this.ac.abort(this.reason);
    }
    return this.ac.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.ac?.abort(reason);
  }
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
