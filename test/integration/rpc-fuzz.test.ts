import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawClient } from '../../helper/src/testing/raw-rpc-client';
import { malformedLine, prng } from '../../helper/src/testing/rpc-fuzz';
import { TestHost } from './harness';

// The real helper, attacked through its socket: nothing a client sends ends
// it or changes what it holds (the kernel and the store stay as they were).
describe('the helper survives any client', () => {
  let h: TestHost;
  let token: string;
  let store: string;
  let before: Awaited<ReturnType<TestHost['snapshot']>>;
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper();
    await h.berthOk(['network', 'create', '--subnet', '10.66.0.0/24', 'fz']);
    await h.berthOk(['run', '-d', '--name', 'fzc', '--network', 'fz', 'sleep', '600']);
    token = (await readFile(`${h.socket}.token`, 'utf8')).trim();
    before = await h.snapshot();
    store = await readFile(`${h.dataRoot}/state.json`, 'utf8');
  });
  afterAll(async () => h?.destroy());

  const unchanged = async () => {
    expect((await h.berth(['network', 'ls'])).code).toBe(0);
    expect(await h.snapshot()).toEqual(before);
    expect(await readFile(`${h.dataRoot}/state.json`, 'utf8')).toBe(store);
  };

  // Sends `lines`, returns every frame received until `count` arrived or the connection closed.
  async function exchange(lines: string[], count: number, timeoutMs = 60_000) {
    const c = await rawClient(h.socket);
    c.write(lines.join('\n') + '\n');
    await c.until(() => c.frames.length >= count || !c.isOpen(), `${count} answers from the helper`, timeoutMs);
    c.sock.destroy();
    return { frames: c.frames, closed: !c.isOpen() };
  }
  const auth = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'system.info', params: {}, auth: '' });
  const authed = () => auth.replace('"auth":""', `"auth":"${token}"`);

  it('null, non-objects and batches before the token: an error, the connection closed', async () => {
    for (const line of ['null', '1', '"x"', '[]', '[{"jsonrpc":"2.0","id":1,"method":"network.list"}]', '{"jsonrpc":"2.0"']) {
      const r = await exchange([line], 1);
      expect(r.frames[0]?.error?.code, line).toBeLessThan(0);
    }
    await unchanged();
  });

  it('null, non-objects and batches after the token: -32600/-32700 each, the connection kept', async () => {
    const lines = ['null', '1', '"x"', 'true', '[]', '[{"jsonrpc":"2.0","id":1,"method":"network.list"}]', '{}', '{"jsonrpc":"2.0"'];
    const r = await exchange([authed(), ...lines], 1 + lines.length);
    expect(r.closed).toBe(false);
    // the token's call is answered when it is done, the refused lines at once
    expect(r.frames.filter((f) => f.id === 0 && f.result)).toHaveLength(1);
    expect(r.frames.filter((f) => f.error).map((f) => f.error.code)).toEqual([-32600, -32600, -32600, -32600, -32600, -32600, -32600, -32700]);
    await unchanged();
  });

  it('fuzz: 10,000 random malformed lines are each answered with an error; helper up, state unchanged', async () => {
    const rnd = prng(0x5eed);
    const lines = Array.from({ length: 10_000 }, () => malformedLine(rnd));
    const r = await exchange([authed(), ...lines], 1 + lines.length, 120_000);
    expect(r.frames.length).toBe(1 + lines.length);
    expect(r.frames.filter((f) => !f.error)).toEqual([expect.objectContaining({ id: 0, result: expect.objectContaining({ pid: expect.any(Number) }) })]);
    await unchanged();
  });

  it('an unauthenticated connection that sends nothing is closed', async () => {
    const c = await rawClient(h.socket);
    await c.closed(30_000);
    expect(c.frames[0]?.error?.message).toMatch(/no token within 10 s/);
    await unchanged();
  });
});
