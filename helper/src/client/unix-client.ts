// node:fs, not node:fs/promises: the latter loads its own module graph
// (readline, streams, dir, watchers), ~1-2 ms of every CLI command's CPU
// (docs/architecture.md#the-cli-start)
import { closeSync, constants, lstat as lstatCb, openSync, readFileSync, type Stats } from 'node:fs';
import { BerthError } from '../../../src/shared/errors';
import { tokenPathFor } from '../../../src/shared/rpc';
import type { BerthEvent } from '../../../src/shared/events';
import { RpcSession, makeApi } from '../../../src/shared/rpc-client';
import { LineFramer } from '../../../src/shared/rpc-frames';
import type { BerthApi, MethodName, ParamsOf, ResultOf } from '../../../src/shared/methods';
import { openSocket, type StreamSocket } from './socket';

// not node:util's promisify: on Bun node:util is one more module to build at start (docs/architecture.md#the-cli-start)
const lstat = (p: string) => new Promise<Stats>((resolve, reject) => lstatCb(p, (e, st) => (e ? reject(e) : resolve(st))));

export const DEFAULT_SOCKET = '/run/berth/berth.sock';
// Answers can be large (host.inspect on a host with 50,000 rules); the
// bound only keeps a broken peer from growing the client without end.
const MAX_RESPONSE_BYTES = 256 << 20;
export const resolveSocket = (explicit?: string) => explicit || process.env.BERTH_SOCKET || DEFAULT_SOCKET;

export interface BerthClient {
  api: BerthApi;
  call<M extends MethodName>(m: M, p: ParamsOf<M>): Promise<ResultOf<M>>;
  onEvent(cb: (e: BerthEvent) => void): () => void;
  // bytes frames (`berth nat ls`'s output): a callback that returns a promise
  // (stdout is full) pauses reading the socket until it settles, so a slow
  // reader slows the helper instead of filling this process
  onBytes(cb: (stream: string, bytes: Uint8Array) => Promise<void> | void): () => void;
  onClose(cb: () => void): void;
  close(): void;
}

// Connect to a helper's unix socket and present the token from its token file.
// `client` says what this connection is (the app or the CLI) for the helper's activity record.
export async function connectHelper(socketPath: string, opts: { token?: string; client?: 'gui' | 'cli' } = {}): Promise<BerthClient> {
  let token = opts.token;
  if (token === undefined) {
    try {
      token = await readToken(socketPath);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw noHelper(socketPath);
      if (code === 'EACCES')
        throw new BerthError('unauthorized', `cannot read ${tokenPathFor(socketPath)}: the helper belongs to another user`);
      throw e;
    }
  }
  // opened below, after the session and framer that write to it and stop it
  let sock: StreamSocket;
  const session = new RpcSession((frame) => sock.write(frame + '\n'), token, opts.client ?? 'cli');
  const closeCbs: (() => void)[] = [];
  let tooLong = false;
  const bytesCbs = new Set<(stream: string, bytes: Uint8Array) => Promise<void> | void>();
  let waits = 0;
  const resume = () => {
    if (--waits === 0) sock.resume();
  };
  const onBytes = (stream: string, bytes: Uint8Array) => {
    for (const cb of bytesCbs) {
      const wait = cb(stream, bytes);
      if (!wait) continue;
      if (waits++ === 0) sock.pause();
      wait.then(resume, resume);
    }
  };
  const framer = new LineFramer(MAX_RESPONSE_BYTES, (line) => session.receive(line), () => {
    tooLong = true;
    sock.destroy();
  }, onBytes);
  sock = await openSocket(socketPath, {
    data: (chunk) => framer.push(chunk),
    close: () => {
      // a call still waiting lost its answer: the helper stopped or dropped this
      // connection; what a streaming command (nat ls) printed so far is incomplete
      session.close(tooLong ? `the helper sent a frame larger than ${MAX_RESPONSE_BYTES} bytes` : 'the connection to the helper closed before its answer (the helper stopped or dropped this client; any output above is incomplete)');
      for (const cb of closeCbs) cb();
    },
  }).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? noHelper(socketPath) : e;
  });
  const call = <M extends MethodName>(m: M, p: ParamsOf<M>) => session.call(m, p);
  return {
    api: makeApi(call),
    call,
    onEvent: (cb) => session.onEvent(cb),
    onBytes: (cb) => (bytesCbs.add(cb), () => void bytesCbs.delete(cb)),
    onClose: (cb) => closeCbs.push(cb),
    close: () => sock.end(),
  };
}

// The token file is written by a running helper. A socket without one is
// systemd's (socket activation, docs/install.md): a connection starts the
// helper, which then writes the token; wait for it, bounded.
export async function readToken(socketPath: string): Promise<string> {
  try {
    return await tokenIn(socketPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !(await lstat(socketPath).catch(() => null))?.isSocket()) throw e;
  }
  // nobody listens (a helper that died left its socket): no helper, at once
  const listening = await openSocket(socketPath, { data: () => {}, close: () => {} }).then((s) => (s.end(), true), () => false);
  if (!listening) throw Object.assign(new Error('no token'), { code: 'ENOENT' });
  for (let i = 0; ; i++) {
    try {
      return await tokenIn(socketPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || i >= 300) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// The helper creates the token file (O_EXCL), then writes it: an empty one
// is being written, read as not there yet (a socket-activated helper's first
// client polls for it while it starts; it used to send an empty token).
// Read synchronously: a 65-byte file, and on Bun an asynchronous read starts
// its thread pool (three threads) for it, ~0.15 ms of every command's CPU
// (docs/architecture.md#the-cli-start). O_NONBLOCK: something else at that
// path (a FIFO) reads as empty instead of blocking the caller (the app's
// main process) for ever.
async function tokenIn(socketPath: string): Promise<string> {
  const fd = openSync(tokenPathFor(socketPath), constants.O_RDONLY | constants.O_NONBLOCK);
  let t: string;
  try {
    t = readFileSync(fd, 'utf8').trim();
  } finally {
    closeSync(fd);
  }
  if (!t) throw Object.assign(new Error('the token file is empty'), { code: 'ENOENT' });
  return t;
}

function noHelper(socketPath: string) {
  return new BerthError(
    'unavailable',
    `no Berth helper is running at ${socketPath} (start one with: sudo berth helper, or set BERTH_SOCKET)`,
  );
}
