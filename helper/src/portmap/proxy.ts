import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6, type Socket } from 'node:net';
import { BerthError } from '../../../src/shared/errors';
import type { Reservation, ReservationHandler } from './reservation';

// The userland proxy, like docker-proxy but inside the helper: the reserved
// socket of a binding is the proxy's listener. It carries what NAT cannot:
// host processes connecting to 127.0.0.1:PORT (nat OUTPUT skips 127/8) and
// containers reaching a published port through the host (`BERTH -i br -j
// RETURN` skips DNAT for them), and [::]:PORT to an IPv4-only container.
// The container sees the connection come from the bridge gateway, as with
// docker-proxy.

export interface ProxyTarget {
  ip: string;
  port: number;
}
export interface ProxyOptions {
  udpIdleMs?: number; // a UDP flow with no traffic either way is dropped (docker-proxy: 90 s)
  udpMaxFlows?: number; // cap on concurrent UDP flows (each one is a socket)
  connectTimeoutMs?: number; // TCP connect to the container
}
export interface Proxy {
  readonly target: ProxyTarget;
  // Point new connections/datagrams at a new container address (the gateway
  // endpoint moved). Open TCP connections keep their old upstream unless
  // `dropExisting`; UDP flows are always closed, their next datagram opens a
  // flow to the new target.
  retarget(target: ProxyTarget, opts?: { dropExisting?: boolean }): void;
  // Close every proxied connection and flow; resolves when all are closed.
  // The reservation keeps the port (release() it to free the port).
  stop(): Promise<void>;
  readonly activeConnections: number;
  readonly activeFlows: number;
}

export const UDP_IDLE_MS = 90_000;
const UDP_MAX_FLOWS = 4096;
const CONNECT_TIMEOUT_MS = 15_000;

export function startProxy(res: Reservation, target: ProxyTarget, opts: ProxyOptions = {}): Proxy {
  if (res.proto === 'sctp') throw new BerthError('invalid_argument', 'the userland proxy does not carry SCTP');
  if (res.isReleased) throw new BerthError('internal', `reservation ${res.describe()} is released`);
  return res.proto === 'tcp' ? new TcpProxy(res, target, opts) : new UdpProxy(res, target, opts);
}

interface Pair {
  client: Socket;
  upstream: Socket;
  target: ProxyTarget;
}

class TcpProxy implements Proxy, ReservationHandler {
  private pairs = new Set<Pair>();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly res: Reservation,
    public target: ProxyTarget,
    private readonly opts: ProxyOptions,
  ) {
    res.attach(this);
  }

  get activeConnections() {
    return this.pairs.size;
  }
  get activeFlows() {
    return 0;
  }

  onConnection(client: Socket): void {
    if (this.stopping) return void client.destroy();
    const target = this.target;
    const upstream = connect({ host: target.ip, port: target.port, allowHalfOpen: true });
    const pair: Pair = { client, upstream, target };
    this.pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);

    // An error on either side (reset, unreachable container, connect
    // timeout) ends both: the peer sees the connection drop, as with docker-proxy.
    const kill = () => {
      clearTimeout(timer);
      client.destroy();
      upstream.destroy();
    };
    const timer = setTimeout(kill, this.opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    upstream.once('connect', () => clearTimeout(timer));
    client.on('error', kill);
    upstream.on('error', kill);
    // pipe() forwards data with backpressure and calls end() on the other
    // side when one side ends: a half-close (shutdown(SHUT_WR)) crosses the
    // proxy and the other direction keeps flowing.
    client.pipe(upstream);
    upstream.pipe(client);
    // A side that closes cleanly has finished both directions, so the other
    // side only needs to flush and end (pipe already ended it); a side that
    // closes on an error takes the other down at once.
    let closed = 0;
    const onClose = (other: Socket) => (hadError: boolean) => {
      if (hadError) kill();
      else other.end();
      if (++closed === 2) this.pairs.delete(pair);
    };
    client.once('close', onClose(upstream));
    upstream.once('close', onClose(client));
    // A peer that vanishes without FIN or RST would hold the pair forever.
    client.setKeepAlive(true, 60_000);
    upstream.setKeepAlive(true, 60_000);
  }

  retarget(target: ProxyTarget, opts: { dropExisting?: boolean } = {}): void {
    this.target = { ...target };
    if (opts.dropExisting) for (const p of this.pairs) if (p.target !== this.target) p.client.destroy();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.res.detach(this);
      const all = [...this.pairs].map(
        (p) =>
          new Promise<void>((resolve) => {
            const done = () => {
              if (p.client.closed && p.upstream.closed) resolve();
            };
            p.client.once('close', done);
            p.upstream.once('close', done);
            p.client.destroy();
            p.upstream.destroy();
            done();
          }),
      );
      await Promise.all(all);
      this.pairs.clear();
    })();
    return this.stopping;
  }
}

interface Flow {
  sock: UdpSocket;
  timer: NodeJS.Timeout;
  ready: boolean;
  queue: Buffer[];
}

class UdpProxy implements Proxy, ReservationHandler {
  // One upstream socket per client address, so the container's replies can
  // be told apart and sent back to the right client.
  private flows = new Map<string, Flow>();
  private stopping: Promise<void> | undefined;
  private readonly idleMs: number;

  constructor(
    private readonly res: Reservation,
    public target: ProxyTarget,
    private readonly opts: ProxyOptions,
  ) {
    this.idleMs = opts.udpIdleMs ?? UDP_IDLE_MS;
    res.attach(this);
  }

  get activeConnections() {
    return 0;
  }
  get activeFlows() {
    return this.flows.size;
  }

  onDatagram(msg: Buffer, from: RemoteInfo): void {
    if (this.stopping) return;
    const key = `${from.address}|${from.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      if (this.flows.size >= (this.opts.udpMaxFlows ?? UDP_MAX_FLOWS)) return; // drop, like a full conntrack table
      flow = this.openFlow(key, from);
    }
    this.touch(key, flow);
    if (flow.ready) safeSend(flow.sock, msg);
    else if (flow.queue.length < 64) flow.queue.push(msg);
  }

  private openFlow(key: string, from: RemoteInfo): Flow {
    const { ip, port } = this.target;
    const sock = createSocket(isIPv6(ip) ? 'udp6' : 'udp4');
    const flow: Flow = { sock, timer: setTimeout(() => this.closeFlow(key), this.idleMs), ready: false, queue: [] };
    this.flows.set(key, flow);
    sock.on('error', () => this.closeFlow(key)); // e.g. ECONNREFUSED from ICMP port unreachable
    sock.on('message', (reply) => {
      this.touch(key, flow);
      if (this.res.udp) safeSend(this.res.udp, reply, from.port, from.address);
    });
    // connect() fixes the peer, so only the container's replies are accepted.
    sock.connect(port, ip, () => {
      flow.ready = true;
      for (const m of flow.queue.splice(0)) safeSend(sock, m);
    });
    return flow;
  }

  private touch(key: string, flow: Flow): void {
    clearTimeout(flow.timer);
    flow.timer = setTimeout(() => this.closeFlow(key), this.idleMs);
    flow.timer.unref();
  }

  private closeFlow(key: string): Promise<void> {
    const flow = this.flows.get(key);
    if (!flow) return Promise.resolve();
    this.flows.delete(key);
    clearTimeout(flow.timer);
    return new Promise<void>((resolve) => {
      try {
        flow.sock.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  retarget(target: ProxyTarget): void {
    this.target = { ...target };
    for (const key of [...this.flows.keys()]) void this.closeFlow(key);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.res.detach(this);
      await Promise.all([...this.flows.keys()].map((k) => this.closeFlow(k)));
    })();
    return this.stopping;
  }
}

// A send on a socket closed meanwhile (flow timed out, reservation released)
// throws synchronously; in an event handler that would crash the helper.
function safeSend(sock: UdpSocket, msg: Buffer, port?: number, address?: string): void {
  try {
    if (port === undefined) sock.send(msg);
    else sock.send(msg, port, address);
  } catch {
    // dropped, as the network would
  }
}
