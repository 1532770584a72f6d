import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BerthError } from '../../../src/shared/errors';
import { METHOD_NAMES } from '../../../src/shared/method-names';
import net from 'node:net';
import { LineFramer } from '../../../src/shared/rpc-frames';
import { rawClient, requestLine as req } from '../testing/raw-rpc-client';
import { malformedLine, prng } from '../testing/rpc-fuzz';
import { RpcServer, type CallContext, type Handlers, type RpcLimits } from './rpc-server';

// loosely typed: these handlers answer anything, the contract is not what is tested here
type Handler = (params: never, ctx: CallContext) => Promise<unknown>;

// The RPC layer alone, on a socket in a temp dir, with handlers that only
// echo: what any client can send, and what the server does with it.
const dir = mkdtempSync(join(tmpdir(), 'berth-rpc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let released: (() => void) | null = null;
const streamed = { events: 0 };
const big = { elements: 20_000, encoded: 0, bytesSent: 0, beforeBytes: null as Promise<void> | null }; // ~20 MB of JSON
const gate = { running: 0, max: 0, open: [] as ((v: unknown) => void)[] };
const handlers = {
  ...Object.fromEntries(METHOD_NAMES.map((m) => [m, (async () => ({ echo: m })) as Handler])),
  'events.subscribe': (async (_p: never, ctx: CallContext) => {
    ctx.subscribe();
    return { subscribed: true };
  }) as Handler,
  'container.wait': (async () => new Promise((r) => (released = () => r({ exitCode: 0 })))) as Handler,
  'container.logs': (async () => {
    gate.running++;
    gate.max = Math.max(gate.max, gate.running);
    await new Promise((r) => gate.open.push(r));
    gate.running--;
    return { done: true };
  }) as Handler,
  // a stream as exec and logs -f send it: one 64 KiB event after another
  // until the caller leaves, each after drained()
  'host.inspect': (async (_p: never, ctx: CallContext) => {
    let open = true;
    void ctx.closed.then(() => (open = false));
    while (open) {
      ctx.notify({ type: 'log', container: 'c', stream: 'stdout', data: 'x'.repeat(65536) } as never);
      streamed.events++;
      await ctx.drained();
      await new Promise((r) => setImmediate(r));
    }
    return {};
  }) as Handler,
  // a big answer, as host.inspect's at tens of thousands of rules: each
  // element counts when it is encoded (JSON.stringify calls its toJSON)
  'cleanup.plan': (async () => ({
    rules: Array.from({ length: big.elements }, (_, i) => ({ toJSON: () => (big.encoded++, { i, text: `-A CHAIN-${i} ${'x'.repeat(1000)}` }) })),
  })) as Handler,
  // bytes frames, as nat.text sends its output
  'nat.text': (async (_p: never, ctx: CallContext) => {
    await big.beforeBytes;
    ctx.sendBytes('out', [Buffer.from('hel'), Buffer.from('lo')]);
    big.bytesSent++;
    return { done: true };
  }) as Handler,
  'network.inspect': (async () => {
    throw new TypeError('a bug');
  }) as Handler,
  'network.remove': (async () => {
    throw new BerthError('not_found', 'network x not found');
  }) as Handler,
} as unknown as Handlers;

let n = 0;
const servers: RpcServer[] = [];
async function start(limits: Partial<RpcLimits> = {}) {
  const socketPath = join(dir, `s${n++}.sock`);
  const logs: string[] = [];
  const server = new RpcServer({ socketPath, ownerUid: process.getuid!(), ownerGid: process.getgid!(), handlers, log: (m) => logs.push(m), limits });
  await server.listen();
  servers.push(server);
  const token = readFileSync(`${socketPath}.token`, 'utf8').trim();
  return { server, socketPath, token, logs };
}
afterEach(async () => {
  released?.();
  while (servers.length) await servers.pop()!.close();
});

const waitFor = async (cond: () => boolean, what: string, ms = 10_000) => {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
};

describe('RpcServer: what a client can send', () => {
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    s = await start();
    servers.length = 0; // shared by this block
  });
  afterAll(() => s.server.close());

  it('answers every line that is not a request object with an error, and keeps serving', async () => {
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'system.info', {}, s.token));
    expect((await c.frame(0)).result).toEqual({ echo: 'system.info' });
    const bad: [string, number][] = [
      ['null', -32600], ['42', -32600], ['"x"', -32600], ['true', -32600], ['[]', -32600],
      [JSON.stringify([{ jsonrpc: '2.0', id: 9, method: 'network.list' }]), -32600],
      ['{}', -32600], ['{"id":3}', -32600], ['{"jsonrpc":"2.0","id":4,"method":5}', -32600],
      ['{"jsonrpc":"2.0","id":{"a":1},"method":"network.list"}', -32600],
      ['{not json', -32700], ['\u0000\u0001', -32700],
      [JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'no.such' }), -32601],
      [JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'network.create', params: { name: 7 } }), -32602],
      [JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'network.list', params: [1] }), -32602],
    ];
    for (const [line] of bad) c.write(line + '\n');
    for (const [i, [line, code]] of bad.entries()) expect((await c.frame(1 + i)).error?.code, line).toBe(code);
    c.write(req(8, 'network.list'));
    expect(await c.frame(1 + bad.length)).toEqual({ jsonrpc: '2.0', id: 8, result: { echo: 'network.list' } });
    expect(c.isOpen()).toBe(true);
  });

  it('a handler that throws fails its request only; Berth errors keep their kind', async () => {
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'network.inspect', { name: 'x' }, s.token));
    c.write(req(2, 'network.remove', { name: 'x' }));
    c.write(req(3, 'network.list'));
    expect((await c.frame(0)).error).toMatchObject({ code: -32603, message: 'a bug', data: { kind: 'internal' } });
    expect((await c.frame(1)).error).toMatchObject({ code: -32004, data: { kind: 'not_found' } });
    expect((await c.frame(2)).result).toEqual({ echo: 'network.list' });
    expect(s.logs.some((l) => l.includes('network.inspect failed'))).toBe(true);
  });

  it('before the token, a bad line or a wrong token closes the connection', async () => {
    for (const first of ['null\n', '[1]\n', '{"jsonrpc":"2.0","id":1,"method":"network.list"}\n', req(1, 'network.list', {}, 'wrong')]) {
      const c = await rawClient(s.socketPath);
      c.write(first);
      expect((await c.frame(0)).error, first).toBeDefined();
      await c.closed();
    }
  });

  it('a line longer than the limit is refused and the connection closed; others are served', async () => {
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'system.info', {}, s.token));
    await c.frame(0);
    c.write('{"x":"' + 'y'.repeat(1 << 20));
    expect((await c.frame(1)).error.message).toMatch(/larger than 1048576 bytes/);
    await c.closed();
    const d = await rawClient(s.socketPath);
    d.write(req(1, 'system.info', {}, s.token));
    expect((await d.frame(0)).result).toBeDefined();
  });

  it('fuzz: 10,000 random malformed lines each get an error, and the server keeps serving', async () => {
    const c = await rawClient(s.socketPath);
    c.write(req(0, 'system.info', {}, s.token));
    await c.frame(0);
    const rnd = prng(0xbe27);
    const lines = Array.from({ length: 10_000 }, () => malformedLine(rnd));
    c.write(lines.join('\n') + '\n');
    await c.until(() => c.frames.length >= 1 + lines.length, 'an answer to every line', 60_000);
    const answers = c.frames.slice(1);
    expect(answers.filter((f) => !(f.error && typeof f.error.code === 'number'))).toEqual([]);
    c.write(req(1, 'network.list'));
    expect((await c.frame(1 + lines.length)).result).toEqual({ echo: 'network.list' });
  }, 90_000);
});

describe('RpcServer: what a client can hold', () => {
  it('a connection that never authenticates is closed', async () => {
    const s = await start({ authMs: 100 });
    const c = await rawClient(s.socketPath);
    await c.closed();
    expect(c.frames[0].error).toMatchObject({ data: { kind: 'unauthorized' }, message: 'no token within 0.1 s' });
  });

  it('a line that never ends is not waited for', async () => {
    const s = await start({ lineMs: 100 });
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'system.info', {}, s.token));
    await c.frame(0);
    c.write('{"jsonrpc":"2.0","id":2,');
    await c.closed();
    expect(c.frames[1].error.message).toMatch(/not finished within/);
  });

  it('an idle authenticated connection is closed; a subscriber and a caller waiting for an answer are kept', async () => {
    const s = await start({ idleMs: 150 });
    const idle = await rawClient(s.socketPath);
    const sub = await rawClient(s.socketPath);
    const waiter = await rawClient(s.socketPath);
    idle.write(req(1, 'system.info', {}, s.token));
    sub.write(req(1, 'events.subscribe', {}, s.token));
    waiter.write(req(1, 'container.wait', { name: 'c' }, s.token));
    await idle.closed();
    expect(idle.frames[1].error.message).toMatch(/without a request/);
    // a second idle connection opened now is closed a whole period later: the others lived through it
    const later = await rawClient(s.socketPath);
    later.write(req(1, 'system.info', {}, s.token));
    await later.closed();
    expect(sub.isOpen()).toBe(true);
    expect(waiter.isOpen()).toBe(true);
    s.server.broadcast({ type: 'network.created', id: 'n', name: 'red' } as never);
    expect((await sub.frame(1)).params).toMatchObject({ type: 'network.created' });
    released!();
    expect((await waiter.frame(0)).result).toEqual({ exitCode: 0 });
  });

  it('at most maxInFlight calls of one connection run at once; the others wait their turn', async () => {
    const s = await start({ maxInFlight: 3 });
    const c = await rawClient(s.socketPath);
    c.write(req(0, 'system.info', {}, s.token) + Array.from({ length: 20 }, (_, i) => req(i + 1, 'container.logs', { name: 'c' })).join(''));
    await c.frame(0);
    let answered = 0;
    while (answered < 20) {
      await c.until(() => gate.open.length > 0, 'a call to start');
      gate.open.splice(0).forEach((r) => r(null));
      await c.until(() => c.frames.length > answered + 1, 'an answer');
      answered = c.frames.length - 1;
    }
    expect(gate.max).toBe(3);
    expect(c.frames.slice(1).every((f) => f.result?.done)).toBe(true);
  });

  it('a stream waits for a slow reader instead of filling the helper; it flows again when the reader reads', async () => {
    const s = await start();
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'host.inspect', {}, s.token));
    c.sock.pause(); // the reader stops reading
    streamed.events = 0;
    // the stream stops once the socket and the helper's 1 MiB are full
    let last = -1;
    while (last !== streamed.events) {
      last = streamed.events;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(streamed.events * 65536).toBeLessThan(32 * 1024 * 1024);
    expect(c.isOpen()).toBe(true);
    c.sock.resume();
    await c.until(() => streamed.events > last + 100, 'the stream to flow again once read', 60_000);
    c.sock.destroy();
  }, 90_000);

  it('a connection that stops reading while a stream keeps sending is dropped at the cap; others are served', async () => {
    // drained() never waits here: the stream behaves as a broadcast of events does
    const s = await start({ maxBacklogBytes: 4 * 1024 * 1024, drainBytes: Number.MAX_SAFE_INTEGER });
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'host.inspect', {}, s.token));
    c.sock.pause();
    await c.until(() => s.logs.some((l) => l.includes('dropped a client')), 'the server to drop the client that stopped reading', 60_000);
    const d = await rawClient(s.socketPath);
    d.write(req(1, 'system.info', {}, s.token));
    expect((await d.frame(0)).result).toEqual({ echo: 'system.info' });
  }, 90_000);

  it('a big answer arrives whole; events sent while it is written come as lines of their own', async () => {
    const s = await start();
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'events.subscribe', {}, s.token));
    await c.frame(0);
    big.encoded = 0;
    c.write(req(2, 'cleanup.plan'));
    // every frame the client parsed is a whole line: rawClient's JSON.parse would throw on a mixed one
    let sent = 0;
    const events = setInterval(() => (s.server.broadcast({ type: 'network.created', network: `n${sent++}` } as never)), 1);
    await c.until(() => c.frames.some((f) => f.id === 2), 'the answer', 60_000);
    await new Promise((r) => setTimeout(r, 20));
    clearInterval(events);
    await c.until(() => c.frames.length === 2 + sent, 'every event');
    const answer = c.frames.find((f) => f.id === 2);
    expect(answer.result.rules).toHaveLength(big.elements);
    expect(answer.result.rules.every((r: { i: number; text: string }, i: number) => r.i === i && r.text === `-A CHAIN-${i} ${'x'.repeat(1000)}`)).toBe(true);
    expect(c.frames.filter((f) => f.method).map((f) => f.params.network)).toEqual(Array.from({ length: sent }, (_, i) => `n${i}`));
    expect(big.encoded).toBe(big.elements);
  }, 60_000);

  it('a reader that stops mid-answer gets the rest when it reads again; the helper encodes only what it can send meanwhile', async () => {
    const s = await start();
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'system.info', {}, s.token));
    await c.frame(0);
    c.sock.pause(); // the reader stops reading
    big.encoded = 0;
    c.write(req(2, 'cleanup.plan'));
    // started first: a test held off the CPU for 300 ms after the write saw its timer
    // before the request was read, and took 0 encoded for "stopped"
    await c.until(() => big.encoded > 0, 'the answer to start');
    let last = -1;
    while (last !== big.encoded) {
      last = big.encoded;
      await new Promise((r) => setTimeout(r, 300));
    }
    // about drainBytes (1 MiB) and the socket's buffers of a ~20 MB answer, not all of it
    expect(big.encoded).toBeGreaterThan(0);
    expect(big.encoded).toBeLessThan(big.elements / 2);
    c.sock.resume();
    expect((await c.until(() => c.frames.length > 1, 'the whole answer once read', 60_000), c.frames[1].result.rules)).toHaveLength(big.elements);
  }, 90_000);

  it('a client that leaves mid-answer: the helper stops encoding it and serves the others', async () => {
    const s = await start();
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'system.info', {}, s.token));
    await c.frame(0);
    c.sock.pause();
    big.encoded = 0;
    c.write(req(2, 'cleanup.plan'));
    await c.until(() => big.encoded > 0, 'the answer to start');
    c.sock.destroy();
    const d = await rawClient(s.socketPath);
    d.write(req(1, 'system.info', {}, s.token));
    expect((await d.frame(0)).result).toEqual({ echo: 'system.info' });
    const left = big.encoded;
    await new Promise((r) => setTimeout(r, 500));
    expect(big.encoded).toBe(left);
    expect(big.encoded).toBeLessThan(big.elements);
    expect(s.logs.filter((l) => !l.includes('dropped'))).toEqual([]);
  }, 60_000);

  it('a bytes frame sent while a big answer waits for its reader comes after that answer, whole', async () => {
    const s = await start();
    const sock = net.createConnection(s.socketPath);
    await new Promise((r) => sock.once('connect', r));
    const got: string[] = [];
    const framer = new LineFramer(Infinity, (line) => got.push(`line ${JSON.parse(line).id}`), () => {}, (stream, b) => got.push(`bytes ${stream} ${Buffer.from(b).toString()}`));
    sock.on('data', (d: Buffer) => framer.push(d));
    sock.write(req(1, 'system.info', {}, s.token));
    await waitFor(() => got.length === 1, 'the first answer');
    sock.pause();
    big.encoded = 0;
    big.bytesSent = 0;
    let open: () => void = () => {};
    big.beforeBytes = new Promise((r) => (open = r));
    // in one write: while the answer waits for its reader the helper reads no new request (backpressure)
    sock.write(req(2, 'cleanup.plan') + req(3, 'nat.text', { stream: 'out', format: 'raw' }));
    let last = -1;
    while (last !== big.encoded) {
      last = big.encoded;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(big.encoded).toBeLessThan(big.elements); // the answer waits for the reader
    open();
    big.beforeBytes = null;
    await waitFor(() => big.bytesSent === 1, 'the bytes sent (queued behind the answer)');
    sock.resume();
    await waitFor(() => got.length === 4, 'both answers and the bytes', 60_000);
    expect(got).toEqual(['line 1', 'line 2', 'bytes out hello', 'line 3']);
    sock.destroy();
  }, 90_000);

  it('a reader that reads nothing of an answer for stallMs is dropped', async () => {
    const s = await start({ stallMs: 500 });
    const c = await rawClient(s.socketPath);
    c.write(req(1, 'system.info', {}, s.token));
    await c.frame(0);
    c.sock.pause();
    c.write(req(2, 'cleanup.plan'));
    await c.until(() => s.logs.some((l) => l.includes('read nothing of an answer')), 'the server to drop the stalled reader', 30_000);
    c.sock.resume(); // a paused socket sees no end
    await c.closed();
  }, 60_000);

  it('connections beyond the cap are refused with a clear error', async () => {
    const s = await start({ maxConnections: 2 });
    const a = await rawClient(s.socketPath);
    const b = await rawClient(s.socketPath);
    const c = await rawClient(s.socketPath);
    await c.closed();
    expect(c.frames[0].error.message).toMatch(/at most 2 connections/);
    expect(a.isOpen() && b.isOpen()).toBe(true);
    // close() does not wait for live clients
    await s.server.close();
    servers.length = 0;
    await a.closed();
    await b.closed();
  });
});
