import { describe, expect, it } from 'vitest';
import { DEFAULT_EPHEMERAL_RANGE, parseEphemeralRange, PortAllocator } from './allocator';
import type { PortRequest } from './spec';
import { errorOf } from '../testing/berth-error';

const req = (hostIp: string, start: number, end = start, proto: PortRequest['proto'] = 'tcp'): PortRequest => ({
  hostIp,
  hostPortStart: start,
  hostPortEnd: end,
  containerPort: 80,
  proto,
});


describe('parseEphemeralRange', () => {
  it('reads ip_local_port_range content', () => {
    expect(parseEphemeralRange('32768\t60999\n')).toEqual({ start: 32768, end: 60999 });
    expect(parseEphemeralRange('1024 2048')).toEqual({ start: 1024, end: 2048 });
  });
  it.each([undefined, '', 'garbage', '60999\t32768', '0\t100', '1\t70000'])('falls back on %j', (text) => {
    expect(parseEphemeralRange(text)).toEqual(DEFAULT_EPHEMERAL_RANGE);
  });
});

describe('PortAllocator', () => {
  it('hands out ephemeral ports sequentially from the range start, per proto', () => {
    const a = new PortAllocator({ start: 40000, end: 40002 });
    expect(a.allocate(req('', 0), 'c1')).toEqual({ hostIp: '0.0.0.0', hostPort: 40000, proto: 'tcp' });
    expect(a.allocate(req('0.0.0.0', 0), 'c1').hostPort).toBe(40001);
    expect(a.allocate(req('0.0.0.0', 0, 0, 'udp'), 'c1').hostPort).toBe(40000);
  });

  it('does not reuse a released port until the cursor wraps', () => {
    const a = new PortAllocator({ start: 40000, end: 40002 });
    const p0 = a.allocate(req('', 0), 'c').hostPort;
    a.allocate(req('', 0), 'c');
    a.release('0.0.0.0', p0, 'tcp');
    expect(a.allocate(req('', 0), 'c').hostPort).toBe(40002);
    expect(a.allocate(req('', 0), 'c').hostPort).toBe(40000); // wrapped
    const e = errorOf(() => a.allocate(req('', 0), 'c'));
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe('all ports are allocated');
  });

  it('refuses a taken explicit port with Docker\'s message and names the owner in details', () => {
    const a = new PortAllocator();
    a.allocate(req('0.0.0.0', 8080), 'web');
    const e = errorOf(() => a.allocate(req('0.0.0.0', 8080), 'other'));
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe('Bind for 0.0.0.0:8080 failed: port is already allocated');
    expect(e.details).toMatchObject({ owner: 'web', hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp' });
    // another proto is another port
    expect(a.allocate(req('0.0.0.0', 8080, 8080, 'udp'), 'other').hostPort).toBe(8080);
  });

  it('treats 0.0.0.0 as overlapping every IPv4 address and :: every IPv6 address', () => {
    const a = new PortAllocator();
    a.allocate(req('10.0.0.1', 8080), 'a');
    expect(errorOf(() => a.allocate(req('0.0.0.0', 8080), 'b')).message).toBe(
      'Bind for 0.0.0.0:8080 failed: port is already allocated',
    );
    expect(a.allocate(req('10.0.0.2', 8080), 'b').hostIp).toBe('10.0.0.2');
    expect(a.allocate(req('::', 8080), 'c').hostIp).toBe('::'); // v6 wildcard does not cover IPv4
    expect(errorOf(() => a.allocate(req('::1', 8080), 'd')).message).toBe('Bind for [::1]:8080 failed: port is already allocated');
    expect(a.holderOf('[0:0::1]', 8080, 'tcp')).toEqual({ hostIp: '::', owner: 'c' });

    const b = new PortAllocator();
    b.allocate(req('0.0.0.0', 9090), 'a');
    expect(errorOf(() => b.allocate(req('127.0.0.1', 9090), 'b')).details).toMatchObject({ owner: 'a', hostIp: '0.0.0.0' });
  });

  it('picks the first free port of an explicit range', () => {
    const a = new PortAllocator();
    a.allocate(req('', 8000), 'x');
    expect(a.allocate(req('', 8000, 8002), 'y').hostPort).toBe(8001);
    expect(a.allocate(req('', 8000, 8002), 'y').hostPort).toBe(8002);
    a.release('0.0.0.0', 8001, 'tcp');
    expect(a.allocate(req('', 8000, 8002), 'y').hostPort).toBe(8001);
    const e = errorOf(() => a.allocate(req('', 8000, 8002), 'y'));
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe('all ports are allocated (0.0.0.0:8000-8002/tcp)');
  });

  it('gives a dual-stack group one port free on both addresses', () => {
    const a = new PortAllocator({ start: 40000, end: 40010 });
    a.allocate(req('::', 40000), 'x');
    const got = a.allocateSame([req('0.0.0.0', 0), req('::', 0)], 'y');
    expect(got).toEqual([
      { hostIp: '0.0.0.0', hostPort: 40001, proto: 'tcp' },
      { hostIp: '::', hostPort: 40001, proto: 'tcp' },
    ]);
    expect(() => a.allocateSame([req('0.0.0.0', 0), req('::', 1)], 'y')).toThrow(/differ/);
  });

  it('restores known bindings with reserve, idempotently for the same owner', () => {
    const a = new PortAllocator();
    a.reserve({ hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp' }, 'web');
    a.reserve({ hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp' }, 'web');
    expect(a.ownerOf('0.0.0.0', 8080, 'tcp')).toBe('web');
    expect(() => a.reserve({ hostIp: '127.0.0.1', hostPort: 8080, proto: 'tcp' }, 'db')).toThrow(
      'Bind for 127.0.0.1:8080 failed: port is already allocated',
    );
  });

  it('releases by owner and lists what is held', () => {
    const a = new PortAllocator();
    a.allocate(req('', 8080), 'web');
    a.allocate(req('::', 8080), 'web');
    a.allocate(req('', 5353, 5353, 'udp'), 'dns');
    expect(a.list().map((b) => `${b.owner} ${b.hostIp} ${b.hostPort}/${b.proto}`)).toEqual([
      'dns 0.0.0.0 5353/udp',
      'web 0.0.0.0 8080/tcp',
      'web :: 8080/tcp',
    ]);
    expect(a.releaseOwner('web')).toHaveLength(2);
    expect(a.isFree('0.0.0.0', 8080, 'tcp')).toBe(true);
    expect(a.release('0.0.0.0', 8080, 'tcp')).toBe(false);
  });

  it.each([
    [req('', 70000), 'invalid port: 70000 (ports are 1-65535)'],
    [req('', 9000, 8000), 'invalid range: 9000-8000 (start is above end)'],
    [req('nope', 80), 'invalid IP address: nope'],
  ])('rejects bad input %#', (r, msg) => {
    const e = errorOf(() => new PortAllocator().allocate(r, 'x'));
    expect(e.kind).toBe('invalid_argument');
    expect(e.message).toBe(msg);
  });
});
