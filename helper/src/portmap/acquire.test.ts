import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../src/shared/errors';
import { acquireBindings, MAX_BIND_ATTEMPTS } from './acquire';
import { type HostBinding, PortAllocator } from './allocator';
import { Reservation } from './reservation';
import type { PortRequest } from './spec';

const req = (hostIp: string, start: number, end = start): PortRequest => ({
  hostIp,
  hostPortStart: start,
  hostPortEnd: end,
  containerPort: 80,
  proto: 'tcp',
});

// A fake kernel: ports in `busy` are held by "another process".
function fakeReserve(busy: Set<number>, calls: HostBinding[]) {
  return async (b: HostBinding) => {
    calls.push(b);
    if (busy.has(b.hostPort)) throw new BerthError('conflict', `Bind for ${b.hostIp}:${b.hostPort} failed: port is already allocated`);
    return new Reservation(b.hostIp, b.hostPort, b.proto);
  };
}

describe('acquireBindings', () => {
  it('moves on to the next ephemeral port when the kernel says busy, and frees the failed ones', async () => {
    const a = new PortAllocator({ start: 40000, end: 40010 });
    const calls: HostBinding[] = [];
    const got = await acquireBindings(a, [req('0.0.0.0', 0)], 'c', fakeReserve(new Set([40000, 40001]), calls));
    expect(got.map((r) => r.hostPort)).toEqual([40002]);
    expect(calls.map((c) => c.hostPort)).toEqual([40000, 40001, 40002]);
    expect(a.list().map((b) => b.hostPort)).toEqual([40002]);
  });

  it('fails an explicit port at once and leaves nothing allocated', async () => {
    const a = new PortAllocator();
    const calls: HostBinding[] = [];
    await expect(acquireBindings(a, [req('0.0.0.0', 8080)], 'c', fakeReserve(new Set([8080]), calls))).rejects.toThrow(
      'Bind for 0.0.0.0:8080 failed: port is already allocated',
    );
    expect(calls).toHaveLength(1);
    expect(a.list()).toEqual([]);
  });

  it('retries inside an explicit range', async () => {
    const a = new PortAllocator();
    const got = await acquireBindings(a, [req('127.0.0.1', 8000, 8005)], 'c', fakeReserve(new Set([8000, 8001]), []));
    expect(got[0].hostPort).toBe(8002);
  });

  it('gives up after the attempt limit', async () => {
    const a = new PortAllocator({ start: 40000, end: 40100 });
    const busy = new Set(Array.from({ length: 50 }, (_, i) => 40000 + i));
    const calls: HostBinding[] = [];
    await expect(acquireBindings(a, [req('0.0.0.0', 0)], 'c', fakeReserve(busy, calls))).rejects.toThrow(/already allocated/);
    expect(calls).toHaveLength(MAX_BIND_ATTEMPTS);
    expect(a.list()).toEqual([]);
  });

  it('binds a dual-stack group on one port and releases the half that bound when the other fails', async () => {
    const a = new PortAllocator({ start: 40000, end: 40010 });
    const released: number[] = [];
    const reserve = async (b: HostBinding) => {
      if (b.hostIp === '::' && b.hostPort === 40000) throw new BerthError('conflict', 'busy');
      const r = new Reservation(b.hostIp, b.hostPort, b.proto);
      const rel = r.release.bind(r);
      r.release = () => (released.push(b.hostPort), rel());
      return r;
    };
    const got = await acquireBindings(a, [req('0.0.0.0', 0), req('::', 0)], 'c', reserve);
    expect(got.map((r) => `${r.hostIp}:${r.hostPort}`)).toEqual(['0.0.0.0:40001', ':::40001']);
    expect(released).toEqual([40000]);
  });

  it('does not retry other errors', async () => {
    const a = new PortAllocator();
    const reserve = async () => {
      throw new BerthError('invalid_argument', 'not an address of this host');
    };
    await expect(acquireBindings(a, [req('10.9.9.9', 0)], 'c', reserve)).rejects.toThrow('not an address');
    expect(a.list()).toEqual([]);
  });
});
