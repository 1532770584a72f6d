import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../../src/shared/method-names';
import { authedClient, rawClient, requestLine as req } from '../testing/raw-rpc-client';
import { RpcServer, type Handlers } from './rpc-server';

// Broken or hostile framing, each against a server that must answer it with
// an error or drop that one connection, and go on serving everyone else.
const dir = mkdtempSync(join(tmpdir(), 'berth-hostile-'));
let server: RpcServer;
let socketPath: string;
let token: string;
const logs: string[] = [];
const handlers = {
  ...Object.fromEntries(METHOD_NAMES.map((m) => [m, async (p: unknown) => ({ echo: m, p })])),
  'container.wait': async () => new Promise((r) => setTimeout(() => r({ exitCode: 0 }), 50)),
} as unknown as Handlers;

beforeAll(async () => {
  socketPath = join(dir, 's.sock');
  server = new RpcServer({ socketPath, ownerUid: process.getuid!(), ownerGid: process.getgid!(), handlers, log: (m) => logs.push(m) });
  await server.listen();
  token = readFileSync(`${socketPath}.token`, 'utf8').trim();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const authed = () => authedClient(socketPath, token);
// another client is served: the server is up and not stuck on the hostile one
async function othersServed() {
  const d = await authed();
  d.write(req(1, 'network.list'));
  expect((await d.frame(1)).result.echo).toBe('network.list');
  d.sock.destroy();
}

describe('RpcServer: hostile framing', () => {
  it('a line that is not valid UTF-8: a parse error; after the token the connection is kept, before it closed', async () => {
    const bad = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"network.create","params":{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}\n')]);
    const c = await authed();
    c.sock.write(bad);
    const e = await c.frame(1);
    expect(e.error).toMatchObject({ code: -32700, message: 'parse error: the request is not valid UTF-8' });
    // a character split across writes is still whole
    const name = 'café';
    const line = Buffer.from(req(2, 'network.inspect', { name }));
    const at = line.indexOf(Buffer.from('é')) + 1;
    c.sock.write(line.subarray(0, at));
    await new Promise((r) => setImmediate(r));
    c.sock.write(line.subarray(at));
    expect((await c.frame(2)).result.p).toEqual({ name });
    const before = await rawClient(socketPath);
    before.sock.write(bad);
    await before.closed();
    expect(before.frames[0].error.code).toBe(-32700);
    await othersServed();
  });

  it('deeply nested JSON in params and id: an answer or an error, never a crash', async () => {
    const c = await authed();
    const depth = 400_000; // within the 1 MiB line
    c.write(`{"jsonrpc":"2.0","id":1,"method":"network.list","params":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}\n`);
    c.write(`{"jsonrpc":"2.0","id":${'['.repeat(depth)}${']'.repeat(depth)},"method":"network.list"}\n`);
    c.write(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}\n`);
    await c.until(() => c.frames.length === 4, 'three answers', 60_000);
    for (const f of c.frames.slice(1)) expect(f.result ?? f.error).toBeDefined();
    expect(c.frames.slice(2).map((f) => f.error?.code)).toEqual([-32600, -32600]);
    expect(c.isOpen()).toBe(true);
    await othersServed();
  }, 90_000);

  it('5,000 pipelined requests in one write: each answered once, in order of id; others served meanwhile', async () => {
    const c = await authed();
    const n = 5000;
    c.write(Array.from({ length: n }, (_, i) => req(i + 1, 'network.list')).join(''));
    await othersServed();
    await c.until(() => c.frames.length === n + 1, 'every answer', 60_000);
    expect(c.frames.slice(1).map((f) => f.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(server.held.answers).toBe(0);
  }, 90_000);

  it('half-close: a client that shuts its side after its requests gets every answer, then the end', async () => {
    const c = await authed();
    c.write(req(1, 'network.list') + req(2, 'container.wait', { name: 'c' }) + req(3, 'system.info') + '{"unfinished":');
    c.sock.end();
    await c.closed();
    expect(c.frames.slice(1).map((f) => f.id).sort()).toEqual([1, 2, 3]);
    expect(c.frames[2].id === 2 || c.frames[3].id === 2).toBe(true);
    await othersServed();
  });

  it('a line that never ends, sent in pieces past the limit: refused and closed; others served', async () => {
    const c = await authed();
    const piece = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 20 && c.isOpen(); i++) c.write(piece);
    await c.closed();
    expect(c.frames[1].error.message).toMatch(/larger than/);
    await othersServed();
  });
});
