import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { hasLoopbackIPv6, socketCleanups } from '../testing/sockets';
import { startProxy } from './proxy';
import { type Reservation, reserveHostPort } from './reservation';

// Real sockets on loopback: a small server plays the container, the proxy
// carries traffic from a reserved port to it.

const cleanups = socketCleanups();
const hasIPv6 = hasLoopbackIPv6;

// TCP "container": echoes with a prefix, or replies after the client half-closes.
async function tcpServer(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { server, port: (server.address() as { port: number }).port, sockets };
}
const echo = (prefix = '') => (s: Socket) => {
  if (prefix) s.write(prefix);
  s.pipe(s);
};

async function reserve(hostIp: string, proto: 'tcp' | 'udp'): Promise<Reservation> {
  const r = await reserveHostPort({ hostIp, hostPort: 0, proto });
  cleanups.push(() => r.release());
  return r;
}

// Send `data`, half-close, collect everything until the proxy closes.
function exchange(port: number, data: Buffer | string, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = connect({ host, port, allowHalfOpen: true }, () => c.end(data));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks)));
    c.on('error', reject);
  });
}

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port }, () => s.close(() => resolve(true)));
  });

describe('TCP proxy', () => {
  it('carries 50 concurrent connections both ways, then stops and frees the port', async () => {
    const ctr = await tcpServer(echo());
    const res = await reserve('127.0.0.1', 'tcp');
    const proxy = startProxy(res, { ip: '127.0.0.1', port: ctr.port });

    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024 + i, i));
    const replies = await Promise.all(payloads.map((p) => exchange(res.hostPort, p)));
    replies.forEach((r, i) => expect(r.equals(payloads[i])).toBe(true));

    await expect.poll(() => proxy.activeConnections, { message: 'the proxy to see every connection closed' }).toBe(0);
    await proxy.stop();
    await res.release();
    expect(await portIsFree(res.hostPort)).toBe(true);
  });

  it('passes a half-close through: the container answers after the client finished sending', async () => {
    const ctr = await tcpServer((s) => {
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => s.end(`got ${n} bytes`));
    });
    const res = await reserve('127.0.0.1', 'tcp');
    startProxy(res, { ip: '127.0.0.1', port: ctr.port });
    expect((await exchange(res.hostPort, 'x'.repeat(100_000))).toString()).toBe('got 100000 bytes');
  });

  it('closes the client when the container refuses', async () => {
    const gone = await tcpServer(() => {});
    const port = gone.port;
    await new Promise<void>((resolve) => gone.server.close(() => resolve()));
    const res = await reserve('127.0.0.1', 'tcp');
    const proxy = startProxy(res, { ip: '127.0.0.1', port });
    const outcome = await new Promise<string>((resolve) => {
      const c = connect({ host: '127.0.0.1', port: res.hostPort });
      c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      c.on('close', () => resolve('closed'));
      c.resume();
    });
    expect(['closed', 'ECONNRESET']).toContain(outcome);
    await expect.poll(() => proxy.activeConnections, { message: 'the proxy to drop the refused connection' }).toBe(0);
  });

  it('retargets new connections; stop() closes open ones', async () => {
    const a = await tcpServer(echo('A:'));
    const b = await tcpServer(echo('B:'));
    const res = await reserve('127.0.0.1', 'tcp');
    const proxy = startProxy(res, { ip: '127.0.0.1', port: a.port });
    expect((await exchange(res.hostPort, 'hi')).toString()).toBe('A:hi');

    // an open connection to A survives the retarget
    const open = connect({ host: '127.0.0.1', port: res.hostPort });
    const openClosed = new Promise<void>((resolve) => open.on('close', () => resolve()));
    open.on('error', () => {});
    await new Promise<void>((resolve) => open.once('data', () => resolve()));
    proxy.retarget({ ip: '127.0.0.1', port: b.port });
    expect(proxy.target.port).toBe(b.port);
    expect((await exchange(res.hostPort, 'hi')).toString()).toBe('B:hi');
    // the proxy closes its side of the finished exchange on its own time
    await expect.poll(() => proxy.activeConnections, { message: 'only the open connection left' }).toBe(1);

    await proxy.stop();
    await openClosed;
    expect(proxy.activeConnections).toBe(0);
    // after stop the reservation holds the port but closes connections
    expect((await exchange(res.hostPort, 'x').catch(() => Buffer.from(''))).length).toBe(0);
  });

  it('release() stops an attached proxy and frees the port', async () => {
    const ctr = await tcpServer(echo());
    const res = await reserveHostPort({ hostIp: '127.0.0.1', hostPort: 0, proto: 'tcp' });
    const proxy = startProxy(res, { ip: '127.0.0.1', port: ctr.port });
    const c = connect({ host: '127.0.0.1', port: res.hostPort });
    c.on('error', () => {});
    await new Promise<void>((resolve) => c.once('connect', () => resolve()));
    await expect.poll(() => proxy.activeConnections, { message: 'the proxy to accept the connection' }).toBe(1);
    await res.release();
    expect(await portIsFree(res.hostPort)).toBe(true);
    expect(() => startProxy(res, { ip: '127.0.0.1', port: ctr.port })).toThrow(/released/);
  });

  it.skipIf(!hasIPv6)('carries [::1] to an IPv4 container', async () => {
    const ctr = await tcpServer(echo());
    const res = await reserve('::1', 'tcp');
    startProxy(res, { ip: '127.0.0.1', port: ctr.port });
    expect((await exchange(res.hostPort, 'v6', '::1')).toString()).toBe('v6');
  });
});

// UDP "container": replies `<tag>:<payload>`.
async function udpServer(tag: string): Promise<number> {
  const s = createSocket('udp4');
  s.on('message', (m, r) => s.send(`${tag}:${m.toString()}`, r.port, r.address));
  await new Promise<void>((resolve) => s.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => s.close(() => resolve())));
  return s.address().port;
}
async function udpClient(): Promise<UdpSocket> {
  const c = createSocket('udp4');
  await new Promise<void>((resolve) => c.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => c.close(() => resolve())));
  return c;
}
const ask = (c: UdpSocket, port: number, msg: string) =>
  new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no UDP reply to ${msg} within 15 s`)), 15_000);
    c.once('message', (m) => {
      clearTimeout(t);
      resolve(m.toString());
    });
    c.send(msg, port, '127.0.0.1');
  });

describe('UDP proxy', () => {
  it('round-trips datagrams with one flow per client, dropped when idle', async () => {
    const ctr = await udpServer('A');
    const res = await reserve('127.0.0.1', 'udp');
    // idle long enough that a stalled runner does not drop a flow between two asks
    const proxy = startProxy(res, { ip: '127.0.0.1', port: ctr }, { udpIdleMs: 1500 });
    const c1 = await udpClient();
    const c2 = await udpClient();
    expect(await ask(c1, res.hostPort, 'one')).toBe('A:one');
    expect(await ask(c2, res.hostPort, 'two')).toBe('A:two');
    expect(await ask(c1, res.hostPort, 'three')).toBe('A:three');
    expect(proxy.activeFlows).toBe(2);
    await expect.poll(() => proxy.activeFlows, { message: 'idle flows to be dropped' }).toBe(0);
    expect(await ask(c1, res.hostPort, 'again')).toBe('A:again');
    await proxy.stop();
    expect(proxy.activeFlows).toBe(0);
  });

  it('retargets: flows to the old container are closed, the next datagram goes to the new one', async () => {
    const a = await udpServer('A');
    const b = await udpServer('B');
    const res = await reserve('127.0.0.1', 'udp');
    const proxy = startProxy(res, { ip: '127.0.0.1', port: a });
    const c = await udpClient();
    expect(await ask(c, res.hostPort, 'x')).toBe('A:x');
    proxy.retarget({ ip: '127.0.0.1', port: b });
    expect(await ask(c, res.hostPort, 'y')).toBe('B:y');
    await res.release();
  });

  it('refuses SCTP', async () => {
    const res = await reserveHostPort({ hostIp: '127.0.0.1', hostPort: 40999, proto: 'sctp' });
    expect(() => startProxy(res, { ip: '127.0.0.1', port: 1 })).toThrow('the userland proxy does not carry SCTP');
  });
});
