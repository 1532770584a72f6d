import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { hasLoopbackIPv6, socketCleanups } from '../testing/sockets';
import { BerthError } from '../../../src/shared/errors';
import { type Reservation, reserveHostPort } from './reservation';

// Real sockets, loopback only; port 0 lets the kernel pick free high ports so
// parallel test runs do not collide.

const cleanups = socketCleanups();
const hasIPv6 = hasLoopbackIPv6;

async function reserve(hostIp: string, hostPort: number, proto: 'tcp' | 'udp' | 'sctp'): Promise<Reservation> {
  const r = await reserveHostPort({ hostIp, hostPort, proto });
  cleanups.push(() => r.release());
  return r;
}

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host, port }, () => resolve(s));
  });
}
const closeServer = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

async function bindError(p: Promise<unknown>): Promise<BerthError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BerthError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const comm = readFileSync('/proc/self/comm', 'utf8').trim();

describe('reserveHostPort', () => {
  it('holds a TCP port until released', async () => {
    const r = await reserveHostPort({ hostIp: '127.0.0.1', hostPort: 0, proto: 'tcp' });
    expect(r.hostPort).toBeGreaterThan(1023);
    expect(r.tcp?.listening).toBe(true);
    await expect(listen('127.0.0.1', r.hostPort)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await r.release();
    await r.release(); // twice is fine
    expect(r.isReleased).toBe(true);
    await closeServer(await listen('127.0.0.1', r.hostPort));
  });

  it('refuses a TCP port another process holds and names the holder', async () => {
    const other = await listen('127.0.0.1', 0);
    cleanups.push(() => closeServer(other));
    const port = (other.address() as { port: number }).port;
    const e = await bindError(reserveHostPort({ hostIp: '127.0.0.1', hostPort: port, proto: 'tcp' }));
    expect(e.kind).toBe('conflict');
    expect(e.message).toBe(`Bind for 127.0.0.1:${port} failed: port is already allocated (held by ${comm} (pid ${process.pid}))`);
    expect(e.details).toMatchObject({ hostIp: '127.0.0.1', hostPort: port, proto: 'tcp', code: 'EADDRINUSE' });
  });

  it('holds and refuses UDP ports', async () => {
    const r = await reserve('127.0.0.1', 0, 'udp');
    expect(r.udp).toBeDefined();
    const e = await bindError(reserveHostPort({ hostIp: '127.0.0.1', hostPort: r.hostPort, proto: 'udp' }));
    expect(e.kind).toBe('conflict');
    expect(e.message).toMatch(new RegExp(`^Bind for 127\\.0\\.0\\.1:${r.hostPort} failed: port is already allocated \\(held by .* \\(pid ${process.pid}\\)\\)$`));
    // TCP and UDP are separate ports
    await reserve('127.0.0.1', r.hostPort, 'tcp');
  });

  it('closes connections while no proxy is attached', async () => {
    const r = await reserve('127.0.0.1', 0, 'tcp');
    const closed = await new Promise<boolean>((resolve) => {
      const c = connect({ host: '127.0.0.1', port: r.hostPort });
      c.on('error', () => resolve(true));
      c.on('close', () => resolve(true));
      c.resume();
    });
    expect(closed).toBe(true);
    // and a stray datagram is dropped without an error
    const u = await reserve('127.0.0.1', 0, 'udp');
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.send('x', u.hostPort, '127.0.0.1', () => resolve()));
    s.close();
  });

  it('reports an address that is not on this host as invalid', async () => {
    const e = await bindError(reserveHostPort({ hostIp: '192.0.2.1', hostPort: 0, proto: 'tcp' }));
    expect(e.kind).toBe('invalid_argument');
    expect(e.message).toBe('Bind for 192.0.2.1:0 failed: 192.0.2.1 is not an address of this host');
    await expect(reserveHostPort({ hostIp: 'nope', hostPort: 1, proto: 'tcp' })).rejects.toThrow('invalid IP address: nope');
  });

  it('does not bind SCTP (Node has no SCTP sockets)', async () => {
    const r = await reserve('127.0.0.1', 40123, 'sctp');
    expect(r.tcp).toBeUndefined();
    expect(r.udp).toBeUndefined();
    expect(r.describe()).toBe('127.0.0.1:40123/sctp');
  });

  it.skipIf(!hasIPv6)('binds IPv6 addresses, v6-only', async () => {
    const r = await reserve('[::1]', 0, 'tcp');
    expect(r.hostIp).toBe('::1');
    expect(r.describe()).toBe(`[::1]:${r.hostPort}/tcp`);
    const e = await bindError(reserveHostPort({ hostIp: '::1', hostPort: r.hostPort, proto: 'tcp' }));
    expect(e.message).toMatch(new RegExp(`^Bind for \\[::1\\]:${r.hostPort} failed: port is already allocated`));
    // v6-only: the same port on IPv4 loopback is still free
    await reserve('127.0.0.1', r.hostPort, 'tcp');
    const u = await reserve('::1', 0, 'udp');
    expect(u.udp?.address().family).toBe('IPv6');
  });
});
