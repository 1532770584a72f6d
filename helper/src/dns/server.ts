import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';
import type { State } from '../store/state';
import { answer, clientOf, inSubnet } from './names';

// The embedded DNS server (docs/dns.md): one UDP socket per bridge network,
// on the network's gateway address, port 53, in the helper. It answers only
// queries from the network's own subnet, resolves container names there and
// forwards the rest to the container's --dns servers or the host's own
// resolvers, which the helper reaches even at 127.0.0.53. Sockets follow
// the networks (sync after every change); a helper restart re-opens them.
// A TCP listener beside each UDP socket serves the retry of a truncated
// answer (RFC 7766): two-byte length, then the message, several per connection.

const TTL = 600; // Docker's embedded DNS answers with 600 s
const FORWARD_TIMEOUT_MS = 2000;
const MAX_IN_FLIGHT = 256; // forwarded queries at once, all networks together
const MAX_TCP_CONNECTIONS = 64; // all networks together; more are closed at once
const MAX_TCP_QUEUED = 16; // per TCP connection
const TCP_IDLE_MS = 10_000; // a connection with no query for this long is closed
const UDP_MAX = 512; // an answer over UDP without EDNS (RFC 1035)
export const DNS_PORT = 53;

interface Listener {
  gateway: string;
  subnet: string;
  sock: dgram.Socket;
  tcp: net.Server;
}

export class DnsService {
  private listeners = new Map<string, Listener>(); // by network id
  private inFlight = 0;
  private tcpConnections = new Set<net.Socket>();

  constructor(
    private readonly state: () => State,
    private readonly upstreams: () => Promise<string[]>,
    private readonly log: (m: string) => void,
    private readonly port = DNS_PORT,
    // resolves once the operations in progress are committed (docs/dns.md)
    private readonly settled: () => Promise<unknown> = () => Promise.resolve(),
  ) {}

  // One listener per bridge network with a gateway; gone networks close
  // theirs. One sync at a time: two at once would both open the same address.
  sync(): Promise<void> {
    const p = this.syncing.then(() => this.syncOnce());
    this.syncing = p.catch(() => {});
    return p;
  }
  private syncing: Promise<void> = Promise.resolve();

  private async syncOnce(): Promise<void> {
    const want = new Map<string, { gateway: string; subnet: string }>();
    for (const n of Object.values(this.state().networks))
      if (n.driver === 'bridge' && n.gateway) want.set(n.id, { gateway: n.gateway, subnet: n.subnet });
    for (const [id, l] of this.listeners) {
      const w = want.get(id);
      if (!w || w.gateway !== l.gateway || w.subnet !== l.subnet) {
        l.sock.close();
        l.tcp.close();
        this.listeners.delete(id);
      }
    }
    for (const [id, w] of want) {
      if (this.listeners.has(id)) continue;
      try {
        const sock = await this.listen(id, w.gateway);
        const tcp = await this.listenTcp(id, w.gateway).catch((e: Error) => {
          sock.close();
          throw e;
        });
        this.listeners.set(id, { ...w, sock, tcp });
      } catch (e) {
        this.log(`dns: cannot listen on ${w.gateway}:${this.port}: ${(e as Error).message}`);
      }
    }
  }

  close(): void {
    for (const l of this.listeners.values()) {
      l.sock.close();
      l.tcp.close();
    }
    for (const c of this.tcpConnections) c.destroy();
    this.listeners.clear();
  }

  listening(): string[] {
    return [...this.listeners.values()].map((l) => `${l.gateway}:${this.port}`);
  }

  private listen(networkId: string, gateway: string): Promise<dgram.Socket> {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('message', (msg, rinfo) => void this.handle(networkId, sock, msg, rinfo).catch(() => {}));
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.port, gateway, () => {
        sock.off('error', reject);
        sock.on('error', (e) => this.log(`dns on ${gateway}: ${e.message}`));
        resolve(sock);
      });
    });
  }

  private listenTcp(networkId: string, gateway: string): Promise<net.Server> {
    const server = net.createServer((c) => this.serveTcp(networkId, c));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.port, host: gateway, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.log(`dns (tcp) on ${gateway}: ${e.message}`));
        resolve(server);
      });
    });
  }

  private async handle(networkId: string, sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const r = await this.resolve(networkId, rinfo.address, msg, 'udp');
    if (r) sock.send(r, rinfo.port, rinfo.address);
  }

  // One TCP connection: length-prefixed queries answered in turn, from the network's subnet only.
  private serveTcp(networkId: string, c: net.Socket): void {
    const l = this.listeners.get(networkId);
    if (!l || !c.remoteAddress || !inSubnet(c.remoteAddress.replace(/^::ffff:/, ''), l.subnet) || this.tcpConnections.size >= MAX_TCP_CONNECTIONS) {
      c.destroy();
      return;
    }
    const from = c.remoteAddress.replace(/^::ffff:/, '');
    this.tcpConnections.add(c);
    c.on('close', () => this.tcpConnections.delete(c));
    c.on('error', () => {});
    c.setTimeout(TCP_IDLE_MS, () => c.destroy());
    let buf = Buffer.alloc(0);
    let busy = Promise.resolve();
    let queued = 0;
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0);
        if (n > 4096) return void c.destroy(); // no query is that long
        if (buf.length < 2 + n) break;
        const msg = buf.subarray(2, 2 + n);
        buf = buf.subarray(2 + n);
        // queries pipelined on one connection are answered in turn; beyond a
        // few waiting, the connection is not read until they are answered
        if (++queued >= MAX_TCP_QUEUED) c.pause();
        busy = busy.then(async () => {
          const r = await this.resolve(networkId, from, msg, 'tcp').catch(() => null);
          if (r && !c.destroyed) c.write(Buffer.concat([lengthOf(r), r]));
          if (--queued < MAX_TCP_QUEUED && !c.destroyed) c.resume();
        });
      }
    });
  }

  // The answer to one query (null: none, for garbage or a stranger), over `via`.
  private async resolve(networkId: string, from: string, msg: Buffer, via: 'udp' | 'tcp'): Promise<Buffer | null> {
    const l = this.listeners.get(networkId);
    // only the network's own containers are answered
    // (the gateway is the host itself: host processes ask the host's resolver, not this one)
    if (!l || from === l.gateway || !inSubnet(from, l.subnet) || msg.length > 4096) return null;
    let q: packet.Packet;
    try {
      q = packet.decode(msg);
    } catch {
      return null; // not DNS: no answer, as for any garbage
    }
    const question = q.questions?.[0];
    if (q.type !== 'query' || !question) return null;
    const reply = (p: Partial<packet.Packet>) => {
      const full = packet.encode({ id: q.id, type: 'response', flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (p.flags ?? 0), questions: q.questions, answers: p.answers ?? [] });
      if (via === 'tcp' || full.length <= udpLimit(q)) return full;
      // too big for UDP: the question alone with TC set, and the client asks again over TCP
      return packet.encode({ id: q.id, type: 'response', flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | packet.TRUNCATED_RESPONSE | (p.flags ?? 0), questions: q.questions, answers: [] });
    };
    // a container asks as soon as it runs, which is before the operation that
    // started it is committed: an asker the state does not know yet is waited
    // for once (bounded), else its first query would go to the host's
    // resolvers instead of its --dns servers
    if (!clientOf(this.state(), networkId, from))
      await Promise.race([this.settled().catch(() => {}), new Promise((r) => setTimeout(r, FORWARD_TIMEOUT_MS))]);
    const a = answer(this.state(), networkId, from, question.name, question.type, await this.upstreams());
    if (a.kind === 'local') return reply({ flags: packet.AUTHORITATIVE_ANSWER, answers: a.ips.map((ip) => ({ type: 'A', name: question.name, ttl: TTL, data: ip })) });
    if (a.kind === 'ptr') return reply({ flags: packet.AUTHORITATIVE_ANSWER, answers: [{ type: 'PTR', name: question.name, ttl: TTL, data: a.name }] });
    if (a.kind === 'nxdomain') return reply({ flags: 3 }); // rcode NXDOMAIN
    const upstreams = a.upstreams.filter((u) => !this.isOwn(u));
    // over the transport the query came by: a truncated UDP answer goes back as it is (TC set), the retry comes by TCP
    const r = this.inFlight < MAX_IN_FLIGHT ? await this.forward(msg, upstreams, via) : null;
    return r ?? reply({ flags: 2 }); // SERVFAIL
  }

  private isOwn(ip: string): boolean {
    return [...this.listeners.values()].some((l) => l.gateway === ip);
  }

  // Asks each upstream in turn; the first answer goes back unchanged (same ID).
  private async forward(msg: Buffer, upstreams: string[], via: 'udp' | 'tcp'): Promise<Buffer | null> {
    this.inFlight++;
    try {
      for (const u of upstreams) {
        const r = via === 'tcp' ? await forwardTcp(msg, u) : await new Promise<Buffer | null>((resolve) => {
          const s = dgram.createSocket('udp4');
          const done = (b: Buffer | null) => {
            clearTimeout(t);
            s.close();
            resolve(b);
          };
          const t = setTimeout(() => done(null), FORWARD_TIMEOUT_MS);
          s.on('error', () => done(null));
          s.on('message', (b, from) => {
            if (from.address === u && b.length >= 2 && b.readUInt16BE(0) === msg.readUInt16BE(0)) done(b);
          });
          s.send(msg, DNS_PORT, u);
        });
        if (r) return r;
      }
      return null;
    } finally {
      this.inFlight--;
    }
  }
}

const lengthOf = (b: Buffer) => {
  const n = Buffer.alloc(2);
  n.writeUInt16BE(b.length);
  return n;
};

// The most a UDP answer may hold: 512 bytes, or the client's EDNS payload size (capped at 4096).
export function udpLimit(q: packet.Packet): number {
  const opt = (q.additionals ?? []).find((r) => r.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.min(4096, Math.max(UDP_MAX, opt?.udpPayloadSize ?? UDP_MAX));
}

// One query to an upstream over TCP; its answer (same ID) or null after the timeout.
function forwardTcp(msg: Buffer, upstream: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = net.connect({ port: DNS_PORT, host: upstream });
    let buf = Buffer.alloc(0);
    const done = (b: Buffer | null) => {
      clearTimeout(t);
      s.destroy();
      resolve(b);
    };
    const t = setTimeout(() => done(null), FORWARD_TIMEOUT_MS);
    s.on('error', () => done(null));
    s.on('close', () => done(null));
    s.on('connect', () => s.write(Buffer.concat([lengthOf(msg), msg])));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > 2 + 65535) return done(null);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const r = buf.subarray(2, 2 + buf.readUInt16BE(0));
        done(r.length >= 2 && r.readUInt16BE(0) === msg.readUInt16BE(0) ? Buffer.from(r) : null);
      }
    });
  });
}
