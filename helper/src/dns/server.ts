import dgram from 'node:dgram';
import * as packet from 'dns-packet';
import type { State } from '../store/state';
import { answer, inSubnet } from './names';

// The embedded DNS server (docs/dns.md): one UDP socket per bridge network,
// on the network's gateway address, port 53, in the helper. It answers only
// queries from the network's own subnet, resolves container names there and
// forwards the rest to the container's --dns servers or the host's own
// resolvers, which the helper reaches even at 127.0.0.53. Sockets follow
// the networks (sync after every change); a helper restart re-opens them.

const TTL = 600; // Docker's embedded DNS answers with 600 s
const FORWARD_TIMEOUT_MS = 2000;
const MAX_IN_FLIGHT = 256; // forwarded queries at once, all networks together
export const DNS_PORT = 53;

interface Listener {
  gateway: string;
  subnet: string;
  sock: dgram.Socket;
}

export class DnsService {
  private listeners = new Map<string, Listener>(); // by network id
  private inFlight = 0;

  constructor(
    private readonly state: () => State,
    private readonly upstreams: () => Promise<string[]>,
    private readonly log: (m: string) => void,
    private readonly port = DNS_PORT,
  ) {}

  // One listener per bridge network with a gateway; gone networks close theirs.
  async sync(): Promise<void> {
    const want = new Map<string, { gateway: string; subnet: string }>();
    for (const n of Object.values(this.state().networks))
      if (n.driver === 'bridge' && n.gateway) want.set(n.id, { gateway: n.gateway, subnet: n.subnet });
    for (const [id, l] of this.listeners) {
      const w = want.get(id);
      if (!w || w.gateway !== l.gateway || w.subnet !== l.subnet) {
        l.sock.close();
        this.listeners.delete(id);
      }
    }
    for (const [id, w] of want) {
      if (this.listeners.has(id)) continue;
      try {
        this.listeners.set(id, { ...w, sock: await this.listen(id, w.gateway) });
      } catch (e) {
        this.log(`dns: cannot listen on ${w.gateway}:${this.port}: ${(e as Error).message}`);
      }
    }
  }

  close(): void {
    for (const l of this.listeners.values()) l.sock.close();
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

  private async handle(networkId: string, sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const l = this.listeners.get(networkId);
    // only the network's own containers are answered
    if (!l || !inSubnet(rinfo.address, l.subnet) || msg.length > 4096) return;
    let q: packet.Packet;
    try {
      q = packet.decode(msg);
    } catch {
      return; // not DNS: no answer, as for any garbage
    }
    const question = q.questions?.[0];
    if (q.type !== 'query' || !question) return;
    const reply = (p: Partial<packet.Packet>) =>
      sock.send(packet.encode({ id: q.id, type: 'response', flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (p.flags ?? 0), questions: q.questions, answers: p.answers ?? [] }), rinfo.port, rinfo.address);
    const a = answer(this.state(), networkId, rinfo.address, question.name, question.type, await this.upstreams());
    if (a.kind === 'local') {
      reply({ flags: packet.AUTHORITATIVE_ANSWER, answers: a.ips.map((ip) => ({ type: 'A', name: question.name, ttl: TTL, data: ip })) });
      return;
    }
    if (a.kind === 'ptr') {
      reply({ flags: packet.AUTHORITATIVE_ANSWER, answers: [{ type: 'PTR', name: question.name, ttl: TTL, data: a.name }] });
      return;
    }
    if (a.kind === 'nxdomain') {
      reply({ flags: 3 }); // rcode NXDOMAIN
      return;
    }
    const upstreams = a.upstreams.filter((u) => !this.isOwn(u));
    const r = this.inFlight < MAX_IN_FLIGHT ? await this.forward(msg, upstreams) : null;
    if (r) sock.send(r, rinfo.port, rinfo.address);
    else reply({ flags: 2 }); // SERVFAIL
  }

  private isOwn(ip: string): boolean {
    return [...this.listeners.values()].some((l) => l.gateway === ip);
  }

  // Asks each upstream in turn; the first answer goes back unchanged (same ID).
  private async forward(msg: Buffer, upstreams: string[]): Promise<Buffer | null> {
    this.inFlight++;
    try {
      for (const u of upstreams) {
        const r = await new Promise<Buffer | null>((resolve) => {
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
