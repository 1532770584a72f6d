import { describe, expect, it } from 'vitest';
import { rawClient, requestLine as req } from '../../helper/src/testing/raw-rpc-client';
import { helperRig } from './helper-rig';

// The real helper against an unprivileged client that pipelines without
// reading, calls methods in the wrong state, leaves mid-request or opens
// every connection it may (docs/architecture.md "What a client can hold",
// "Deadlines"): each gets an answer, an error or loses its own connection;
// the helper stays up and serves everyone else.
describe('the real helper: what one client can hold', () => {
  const rig = helperRig();
  const { authed, served } = rig;

  it('20,000 pipelined requests and no reading: the helper stops reading them (no drop, nothing buffered for them); all answered once read', async () => {
    const c = await authed();
    c.sock.pause();
    const n = 20_000; // their answers: tens of MB, past the 16 MiB a connection may leave unread
    c.write(Array.from({ length: n }, (_, i) => req(10 + i, 'network.list')).join(''));
    // the helper reads no further: what this client wrote stays in its own buffer
    let last = -1;
    for (let stable = 0; stable < 10; await new Promise((r) => setTimeout(r, 200))) {
      stable = c.sock.writableLength === last ? stable + 1 : 0;
      last = c.sock.writableLength;
    }
    expect(c.sock.writableLength).toBeGreaterThan(0);
    await served();
    c.sock.resume();
    await c.until(() => c.frames.length === 1 + n, 'an answer to every request', 240_000);
    expect(c.frames.slice(1).every((f, i) => f.id === 10 + i && Array.isArray(f.result))).toBe(true);
    expect(c.isOpen()).toBe(true);
    c.sock.destroy();
  }, 300_000);

  it('methods in the wrong state: each a clear error, the connection kept', async () => {
    const c = await authed();
    const session = 'ab'.repeat(16);
    const calls: [string, unknown, string][] = [
      ['exec.input', { session, data: 'aGk=' }, 'not_found'], // no such session (or another connection's)
      ['exec.resize', { session, cols: 80, rows: 24 }, 'not_found'],
      ['container.wait', { name: 'nobody' }, 'not_found'],
      ['container.attach', { name: 'nobody' }, 'not_found'],
      ['container.logs', { name: 'nobody', follow: true }, 'not_found'],
      ['container.stop', { name: 'nobody', timeout: 3600 }, 'not_found'],
      ['network.remove', { name: 'bridge' }, ''], // a predefined network: refused
    ];
    calls.forEach(([m, p], i) => c.write(req(1 + i, m, p)));
    await c.until(() => c.frames.length === 1 + calls.length, 'an answer to each', 60_000);
    for (const [i, [m, , kind]] of calls.entries()) {
      const f = c.frames.find((x) => x.id === 1 + i);
      expect(f.error, m).toBeDefined();
      if (kind) expect(f.error.data.kind, m).toBe(kind);
      expect(f.error.message.split('\n'), m).toHaveLength(1);
    }
    expect(c.isOpen()).toBe(true);
    c.sock.destroy();
    await served();
  }, 120_000);

  it('clients that leave mid-request and a full house of connections: refused with a clear error, served again once they go', async () => {
    for (let i = 0; i < 5; i++) {
      const c = await authed();
      c.write(req(1, 'host.inspect') + req(2, 'cleanup.plan') + req(3, 'nat.query'));
      c.sock.destroy();
    }
    const held = [];
    for (let i = 0; i < 128; i++) held.push(await rawClient(rig.h.socket));
    const extra = await rawClient(rig.h.socket);
    await extra.closed(30_000);
    expect(extra.frames[0].error.message).toMatch(/at most 128 connections/);
    for (const c of held) c.sock.destroy();
    for (const end = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
      if ((await rig.h.berth(['network', 'ls'])).code === 0) break;
      if (Date.now() > end) throw new Error('timed out waiting for the helper to serve again');
    }
    await served();
  }, 180_000);
});
