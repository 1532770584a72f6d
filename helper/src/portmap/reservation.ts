import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { BerthError } from '../../../src/shared/errors';
import type { Proto } from '../../../src/shared/ports';
import type { HostBinding } from './allocator';
import { ipFamily, IPV4_ANY, joinHostPort, normalizeIp } from '../../../src/shared/ip';
import { describeHolder, findPortHolder } from './socket-owner';

// A host port held by the helper itself, as Docker 28 does: the socket is
// bound BEFORE any NAT rule is written, so a port another process holds fails
// here, cleanly, instead of being silently shadowed by a DNAT rule. TCP
// sockets listen (the port shows in `ss -lt` and the userland proxy accepts on
// it); UDP sockets are bound and carry the proxy's datagrams.
//
// SCTP: Node has no SCTP sockets, so an SCTP binding is not reserved here
// (the DNAT rule alone carries it; a clash with another SCTP listener is not
// detected). `tcp`/`udp` stay undefined for it.

// What a userland proxy plugs into a reservation.
export interface ReservationHandler {
  onConnection?(socket: Socket): void;
  onDatagram?(msg: Buffer, from: RemoteInfo): void;
  stop(): Promise<void>;
}

export class Reservation implements HostBinding {
  private handler: ReservationHandler | undefined;
  private released: Promise<void> | undefined;

  constructor(
    readonly hostIp: string,
    readonly hostPort: number,
    readonly proto: Proto,
    readonly tcp?: Server,
    readonly udp?: UdpSocket,
  ) {
    // Until a proxy is attached nobody may be left hanging on the port:
    // connections are closed at once and datagrams dropped.
    tcp?.on('connection', (s: Socket) => {
      if (this.handler?.onConnection) this.handler.onConnection(s);
      else s.destroy();
    });
    udp?.on('message', (msg: Buffer, from: RemoteInfo) => this.handler?.onDatagram?.(msg, from));
    // Errors after bind (rare: EMFILE on accept) must not crash the helper.
    tcp?.on('error', () => {});
    udp?.on('error', () => {});
  }

  get isReleased(): boolean {
    return this.released !== undefined;
  }

  attach(h: ReservationHandler): void {
    if (this.released) throw new BerthError('internal', `reservation ${this.describe()} is released`);
    if (this.handler) throw new BerthError('internal', `reservation ${this.describe()} already has a proxy`);
    this.handler = h;
  }

  detach(h: ReservationHandler): void {
    if (this.handler === h) this.handler = undefined;
  }

  // Stop the attached proxy, then close the socket; the port is free when the
  // promise settles. Safe to call twice.
  release(): Promise<void> {
    this.released ??= (async () => {
      const h = this.handler;
      this.handler = undefined;
      await h?.stop();
      await Promise.all([
        this.tcp && new Promise<void>((resolve) => this.tcp?.close(() => resolve())),
        this.udp && new Promise<void>((resolve) => this.udp?.close(() => resolve())),
      ]);
    })();
    return this.released;
  }

  describe(): string {
    return `${joinHostPort(this.hostIp, this.hostPort)}/${this.proto}`;
  }
}

// Bind the host side of one binding. hostPort 0 lets the kernel choose (the
// reservation then carries the chosen port). Errors:
// - port held by another socket: conflict `Bind for 0.0.0.0:8080 failed: port
//   is already allocated (held by nginx (pid 812))` when /proc names the holder;
// - address not on this host: invalid_argument;
// - anything else (EACCES, EMFILE): kernel, with the errno.
export async function reserveHostPort(b: HostBinding): Promise<Reservation> {
  const hostIp = normalizeIp(b.hostIp === '' ? IPV4_ANY : b.hostIp);
  if (hostIp === undefined) throw new BerthError('invalid_argument', `invalid IP address: ${b.hostIp}`);
  const v6 = ipFamily(hostIp) === 6;
  // IPV6_V6ONLY on every IPv6 socket, so [::]:N and 0.0.0.0:N are separate
  // bindings (Docker does the same) and the allocator's view matches the kernel's.
  try {
    if (b.proto === 'tcp') {
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: hostIp, port: b.hostPort, ipv6Only: v6, exclusive: true, backlog: 511 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return new Reservation(hostIp, boundPort(server.address()), 'tcp', server);
    }
    if (b.proto === 'udp') {
      const sock = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, reuseAddr: false });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', (e) => {
          sock.close();
          reject(e);
        });
        sock.bind({ address: hostIp, port: b.hostPort, exclusive: true }, () => resolve());
      });
      sock.removeAllListeners('error');
      return new Reservation(hostIp, sock.address().port, 'udp', undefined, sock);
    }
    return new Reservation(hostIp, b.hostPort, 'sctp');
  } catch (e) {
    throw await bindError(hostIp, b.hostPort, b.proto, e);
  }
}

function boundPort(addr: ReturnType<Server['address']>): number {
  if (addr && typeof addr === 'object') return addr.port;
  throw new BerthError('internal', 'listening socket has no port');
}

async function bindError(hostIp: string, hostPort: number, proto: Proto, e: unknown): Promise<BerthError> {
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const where = joinHostPort(hostIp, hostPort);
  const details = { hostIp, hostPort, proto, code };
  if (code === 'EADDRINUSE') {
    const holder = await findPortHolder(hostIp, hostPort, proto).catch(() => undefined);
    const by = holder ? ` (held by ${describeHolder(holder)})` : '';
    const msg = `Bind for ${where} failed: port is already allocated${by}`;
    return new BerthError('conflict', msg, { ...details, holder });
  }
  if (code === 'EADDRNOTAVAIL') {
    const msg = `Bind for ${where} failed: ${hostIp} is not an address of this host`;
    return new BerthError('invalid_argument', msg, details);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new BerthError('kernel', `Bind for ${where}/${proto} failed: ${msg}`, details);
}
