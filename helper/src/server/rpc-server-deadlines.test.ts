import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../../src/shared/method-names';
import { authedClient, rawClient, requestLine as req } from '../testing/raw-rpc-client';
import { deadlineOf, METHOD_CLASS } from './deadlines';
import { RpcServer, type CallContext, type Handlers } from './rpc-server';

// Deadlines (server/deadlines.ts), a caller that leaves, and a client that
// pipelines requests without reading: what each holds of the helper is
// read from the server's own counters, never from how long something took.
const dir = mkdtempSync(join(tmpdir(), 'berth-deadlines-'));
let server: RpcServer;
let socketPath: string;
let token: string;
const logs: string[] = [];
// a hanging handler's way out, by its request's `params.key`
const release = new Map<string, () => void>();
const signals = new Map<string, AbortSignal>();
const hang = async (p: unknown, ctx: CallContext) => {
  const key = (p as { name: string }).name;
  signals.set(key, ctx.signal);
  await new Promise<void>((r) => release.set(key, r));
  return { done: key };
};
let bigCalls = 0;
const handlers = {
  ...Object.fromEntries(METHOD_NAMES.map((m) => [m, async (p: unknown) => ({ echo: m, p })])),
  'network.inspect': hang, // a read
  'network.remove': hang, // a change
  'container.wait': hang, // a stream: no deadline
  'container.list': async () => (bigCalls++, [{ pad: 'x'.repeat(8 * 1024) }]),
} as unknown as Handlers;

beforeAll(async () => {
  socketPath = join(dir, 's.sock');
  // reads and changes time out at once; inspect (othersServed) never in a test's life
  // (lineMs: a caller that went away is seen at once by a failed write, else after lineMs)
  const limits = { readMs: 100, changeMs: 100, inspectMs: 3_600_000, maxOverdue: 2, lineMs: 2000 };
  server = new RpcServer({ socketPath, ownerUid: process.getuid!(), ownerGid: process.getgid!(), handlers, log: (m) => logs.push(m), limits });
  await server.listen();
  token = readFileSync(`${socketPath}.token`, 'utf8').trim();
});
afterAll(async () => {
  for (const r of release.values()) r();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const authed = () => authedClient(socketPath, token);
const byId = (c: Awaited<ReturnType<typeof rawClient>>, id: number) => c.until(() => c.frames.some((f) => f.id === id), `the answer to ${id}`, 30_000).then(() => c.frames.find((f) => f.id === id));
async function until(cond: () => boolean, what: string) {
  for (const end = Date.now() + 30_000; !cond(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}
async function othersServed() {
  const d = await authed();
  d.write(req(1, 'host.inspect'));
  expect((await byId(d, 1)).result.echo).toBe('host.inspect');
  d.sock.destroy();
}

describe('deadlines per method class', () => {
  it('every method has a class; follow, stop timeouts and streams are told apart', () => {
    for (const m of METHOD_NAMES) expect(METHOD_CLASS[m]).toBeDefined();
    const l = { readMs: 1, inspectMs: 2, changeMs: 3 };
    expect(deadlineOf('container.logs', { follow: true }, l)).toEqual({ cls: 'stream', ms: null });
    expect(deadlineOf('container.logs', { follow: false }, l)).toEqual({ cls: 'inspect', ms: 2 });
    expect(deadlineOf('container.stop', { name: 'x', timeout: 30 }, l)).toEqual({ cls: 'change', ms: 30_003 });
    expect(deadlineOf('container.wait', { name: 'x' }, l).ms).toBeNull();
    expect(deadlineOf('events.subscribe', {}, l).ms).toBe(1);
  });

  it('a read that hangs: answered `timeout` naming the method and the deadline; its signal aborts; the connection goes on', async () => {
    const c = await authed();
    c.write(req(1, 'network.inspect', { name: 'r1' }));
    const e = await byId(c, 1);
    expect(e.error).toMatchObject({ code: -32008, data: { kind: 'timeout' } });
    expect(e.error.message).toBe('timeout: network.inspect did not finish within 0.1 s; the read was abandoned');
    expect(signals.get('r1')!.aborted).toBe(true);
    expect(server.overdue.read).toBe(1);
    c.write(req(2, 'system.info'));
    expect((await byId(c, 2)).result.echo).toBe('system.info');
    release.get('r1')!();
    await until(() => server.overdue.read === 0, 'the late read to end');
    expect(c.frames.filter((f) => f.id === 1)).toHaveLength(1); // its late answer is not sent
    c.sock.destroy();
  });

  it('a change that hangs: answered `timeout`, not cut short; its end is logged; past maxOverdue new changes are refused at once', async () => {
    const c = await authed();
    c.write(req(1, 'network.remove', { name: 'c1' }));
    c.write(req(2, 'network.remove', { name: 'c2' }));
    for (const id of [1, 2]) expect((await byId(c, id)).error.message).toMatch(/^timeout: network\.remove did not finish within 0.1 s; the change goes on in the helper and is either completed or undone/);
    expect(server.overdue.change).toBe(2);
    c.write(req(3, 'network.remove', { name: 'c3' }));
    const refused = await byId(c, 3);
    expect(refused.error).toMatchObject({ data: { kind: 'unavailable' } });
    expect(refused.error.message).toMatch(/2 earlier requests of its kind still run past their deadline/);
    expect(release.has('c3')).toBe(false); // never started
    await othersServed(); // another class is still served
    release.get('c1')!();
    release.get('c2')!();
    await until(() => server.overdue.change === 0, 'both late changes to end');
    expect(logs.filter((l) => l === 'network.remove ended successfully after its 0.1 s deadline')).toHaveLength(2);
    c.sock.destroy();
  });

  it('a stream has no deadline: container.wait is answered when it ends, not before', async () => {
    const c = await authed();
    c.write(req(1, 'container.wait', { name: 'w1' }));
    await until(() => release.has('w1'), 'the wait to start');
    // a read's deadline passing on the same connection does not end the wait
    c.write(req(2, 'network.inspect', { name: 'r2' }));
    expect((await byId(c, 2)).error.data.kind).toBe('timeout');
    expect(c.frames.some((f) => f.id === 1)).toBe(false);
    expect(signals.get('w1')!.aborted).toBe(false);
    release.get('w1')!();
    expect((await byId(c, 1)).result).toEqual({ done: 'w1' });
    release.get('r2')!();
    c.sock.destroy();
  });

  it('a caller that leaves: the signal of each of its calls aborts (a read not started yet is not started)', async () => {
    const c = await authed();
    c.write(req(1, 'container.wait', { name: 'w2' }));
    await until(() => release.has('w2'), 'the wait to start');
    c.sock.destroy();
    await until(() => signals.get('w2')!.aborted, 'the wait\'s signal to abort');
    expect(signals.get('w2')!.reason.message).toBe('the caller left');
    release.get('w2')!();
  });
});

describe('backpressure on output bytes', () => {
  it('a client that pipelines requests and reads nothing is not read further (not buffered, not dropped); once it reads, every request is answered', async () => {
    const c = await authed();
    c.sock.pause(); // reads nothing
    const n = 4000; // each answer 8 KiB: 32 MiB if all were built, past the 16 MiB a connection may leave unread
    const before = bigCalls;
    c.write(Array.from({ length: n }, (_, i) => req(10 + i, 'container.list')).join(''));
    // the helper stops: the number of answers it built stops growing far below n
    let seen = -1;
    for (let stable = 0; stable < 10; await new Promise((r) => setTimeout(r, 100))) {
      stable = bigCalls === seen ? stable + 1 : 0;
      seen = bigCalls;
    }
    expect(bigCalls - before).toBeLessThan(n / 4);
    expect(server.held.unsentBytes).toBeLessThan(4 * 1024 * 1024);
    c.sock.resume();
    await c.until(() => c.frames.length === 1 + n, 'an answer to every request', 120_000);
    expect(c.frames.slice(1).map((f) => f.id)).toEqual(Array.from({ length: n }, (_, i) => 10 + i));
    expect(c.frames.slice(1).every((f) => Array.isArray(f.result))).toBe(true);
    expect(c.isOpen()).toBe(true);
    c.sock.destroy();
  }, 150_000);

  it('a line the helper stopped reading (maxInFlight calls run) is not the writer\'s fault: no "line not finished" past lineMs', async () => {
    const c = await authed();
    const max = server.limits.maxInFlight;
    const waits = Array.from({ length: max }, (_, i) => req(100 + i, 'container.wait', { name: `p${i}` })).join('');
    c.write(waits + req(200, 'system.info') + '{"jsonrpc":"2.0","id":201,"meth');
    await until(() => release.has(`p${max - 1}`), 'every wait to start');
    // well past lineMs (2 s) with the line unfinished while the helper does not read
    const from = Date.now();
    await until(() => Date.now() - from > 3 * server.limits.lineMs, 'three times lineMs to pass');
    expect(c.isOpen()).toBe(true);
    expect(c.frames).toHaveLength(1);
    release.get('p0')!();
    expect((await byId(c, 200)).result.echo).toBe('system.info');
    c.write('od":"system.info"}\n');
    expect((await byId(c, 201)).result.echo).toBe('system.info');
    for (let i = 1; i < max; i++) release.get(`p${i}`)!();
    await c.until(() => c.frames.length === 1 + max + 2, 'every wait to be answered', 30_000);
    c.sock.destroy();
  }, 60_000);
});
