import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../../src/shared/method-names';
import { rawClient } from '../testing/raw-rpc-client';
import { RpcServer, type Handlers, type RpcLimits } from './rpc-server';

// Several clients that each ask for a big answer and stop reading: what the
// helper holds for them is bounded per connection and over all of them
// (server/output-budget.ts), counted by the server's own counters.
const dir = mkdtempSync(join(tmpdir(), 'berth-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const calls = { plan: 0 };
const handlers = {
  ...Object.fromEntries(METHOD_NAMES.map((m) => [m, async () => ({ echo: m })])),
  // a fresh ~10 MB answer per call, as cleanup.plan at 10,000 rules
  'cleanup.plan': async () => {
    calls.plan++;
    return { rules: Array.from({ length: 10_000 }, (_, i) => ({ i, text: `-A CHAIN-${i} ${'x'.repeat(1000)}` })) };
  },
} as unknown as Handlers;

const servers: RpcServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});
let n = 0;
async function start(limits: Partial<RpcLimits>) {
  const socketPath = join(dir, `s${n++}.sock`);
  const logs: string[] = [];
  const server = new RpcServer({ socketPath, ownerUid: process.getuid!(), ownerGid: process.getgid!(), handlers, log: (m) => logs.push(m), limits });
  await server.listen();
  servers.push(server);
  return { server, socketPath, token: readFileSync(`${socketPath}.token`, 'utf8').trim(), logs };
}
const req = (id: number, method: string, auth?: string) => JSON.stringify({ jsonrpc: '2.0', id, method, params: {}, auth }) + '\n';

// a client that authenticates, then stops reading and asks for `count` big answers
async function stalled(s: Awaited<ReturnType<typeof start>>, count: number) {
  const c = await rawClient(s.socketPath);
  c.write(req(0, 'system.info', s.token));
  await c.frame(0);
  c.sock.pause();
  c.write(Array.from({ length: count }, (_, i) => req(i + 1, 'cleanup.plan')).join(''));
  return c;
}

describe('OutputBudget: readers that stop reading', () => {
  it('one connection: answers beyond maxHeldAnswers are refused with an error; the held ones arrive whole', async () => {
    const s = await start({ maxHeldAnswers: 2 });
    calls.plan = 0;
    const c = await stalled(s, 5);
    await c.until(() => calls.plan === 5, 'all five calls to run');
    await c.until(() => s.server.held.answers === 2, 'two answers held');
    expect(s.server.held.unsentBytes).toBeLessThan(s.server.limits.drainBytes + 1024 * 1024);
    // requests sent while the reader is behind are not read until it reads (backpressure), then answered
    c.write(Array.from({ length: 10 }, (_, i) => req(10 + i, 'system.info')).join('') + '{bad json\n');
    expect(s.server.held.answers).toBe(2);
    c.sock.resume();
    await c.until(() => c.frames.length === 17, 'two answers, three refusals, ten small answers and a parse error', 60_000);
    expect(c.frames.filter((f) => f.result?.echo === 'system.info')).toHaveLength(11);
    expect(c.frames.filter((f) => f.error?.code === -32700)).toHaveLength(1);
    const got = c.frames.slice(1).filter((f) => f.id === null || f.id < 10);
    expect(got.filter((f) => f.result).map((f) => f.result.rules.length)).toEqual([10_000, 10_000]);
    expect(got.filter((f) => f.error?.data.kind === 'unavailable').map((f) => f.id)).toEqual([3, 4, 5]);
    expect(got.find((f) => f.id === 3).error.message).toMatch(/wait to be read/);
    expect(s.server.held).toEqual({ answers: 0, unsentBytes: 0 });
    c.sock.destroy();
  }, 90_000);

  it('many connections: past maxTotalHeldAnswers the longest stalled is dropped; the held total stays bounded; others are served', async () => {
    const s = await start({ maxHeldAnswers: 2, maxTotalHeldAnswers: 4 });
    calls.plan = 0;
    const clients = [];
    // one after another: each is held before the next asks, so the oldest are the ones dropped
    for (let i = 0; i < 6; i++) {
      clients.push(await stalled(s, 1));
      await clients[i].until(() => calls.plan === i + 1 && s.server.held.answers === Math.min(i + 1, 4), `answer ${i + 1} held`);
      expect(s.server.held.answers).toBeLessThanOrEqual(4);
      expect(s.server.held.unsentBytes).toBeLessThanOrEqual(4 * (s.server.limits.drainBytes + 1024 * 1024));
    }
    expect(s.logs.filter((l) => l.includes('memory pressure'))).toHaveLength(2);
    for (const c of clients) c.sock.resume();
    await clients[0].closed();
    await clients[1].closed();
    for (const c of clients.slice(2)) {
      await c.until(() => c.frames.length === 2, 'the held answer', 60_000);
      expect(c.frames[1].result.rules).toHaveLength(10_000);
    }
    const other = await rawClient(s.socketPath);
    other.write(req(1, 'system.info', s.token));
    expect((await other.frame(0)).result).toEqual({ echo: 'system.info' });
    expect(s.server.held.answers).toBe(0);
    for (const c of clients) c.sock.destroy();
  }, 90_000);

  it('a connection that is dropped or leaves gives back what it held', async () => {
    const s = await start({});
    calls.plan = 0;
    const c = await stalled(s, 3);
    await c.until(() => calls.plan === 3 && s.server.held.answers === 3, 'three answers held');
    c.sock.destroy();
    const other = await rawClient(s.socketPath);
    other.write(req(1, 'system.info', s.token));
    await other.frame(0);
    await other.until(() => s.server.held.answers === 0, 'the answers let go');
    expect(s.server.held.unsentBytes).toBe(0);
  }, 60_000);
});
