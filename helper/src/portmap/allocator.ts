import { BerthError } from '../../../src/shared/errors';
import type { Proto } from '../../../src/shared/ports';
import { hostIpsOverlap, IPV4_ANY, joinHostPort, normalizeIp } from '../../../src/shared/ip';
import type { PortRequest } from './spec';

// Which host ports Berth has handed out, in memory (like libnetwork's
// portallocator; rebuilt from the store with reserve() at restore). It knows
// only Berth's own bindings: ports held by other processes are caught when
// reservation.ts binds the socket.

export interface PortRange {
  start: number;
  end: number;
}
export interface HostBinding {
  hostIp: string; // canonical address, '0.0.0.0' / '::' for all
  hostPort: number;
  proto: Proto;
}
export interface OwnedBinding extends HostBinding {
  owner: string; // endpoint or container id, for "held by …" messages
}
// A host port the helper holds right now: its allocator entry, and whether a
// socket is bound for it (what cleanup compares with the store's mappings).
export interface HeldPort {
  hostIp: string; // canonical: '0.0.0.0', '::' or an address
  hostPort: number;
  proto: string;
  owner: string; // container id the allocator has it under
  bound: boolean;
}
// A port cleanup found held with no mapping (hostPort null: the port is unknown).
export interface OrphanPort {
  hostIp: string;
  hostPort: number | null;
  proto: string;
}

// libnetwork's fallback when ip_local_port_range cannot be read.
export const DEFAULT_EPHEMERAL_RANGE: PortRange = { start: 49153, end: 65535 };

// Content of /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999\n"); the
// caller reads the file so this stays pure. Anything unreadable falls back.
export function parseEphemeralRange(text: string | undefined): PortRange {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text ?? '');
  if (!m) return { ...DEFAULT_EPHEMERAL_RANGE };
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start < 1 || end > 65535 || start > end) return { ...DEFAULT_EPHEMERAL_RANGE };
  return { start, end };
}

export const alreadyAllocated = (hostIp: string, port: number | string, details?: unknown) =>
  new BerthError('conflict', `Bind for ${joinHostPort(hostIp, port)} failed: port is already allocated`, details);

export class PortAllocator {
  readonly ephemeral: PortRange;
  // `${proto}/${port}` -> address -> owner. A port has few bindings, so the
  // overlap check walks them.
  private readonly taken = new Map<string, Map<string, string>>();
  // Ephemeral cursor per proto: the last port handed out (libnetwork keeps one
  // per range, starting at the range end, so the first pick is the range
  // start and a released port is not reused until the cursor wraps).
  private readonly cursor = new Map<Proto, number>();

  constructor(ephemeral: PortRange = DEFAULT_EPHEMERAL_RANGE) {
    checkRange(ephemeral.start, ephemeral.end);
    this.ephemeral = { ...ephemeral };
  }

  // One binding. hostIp '' is taken as 0.0.0.0 (use spec.bindingGroups to
  // expand '' for dual stack, then allocateSame).
  allocate(req: PortRequest, owner: string): HostBinding {
    return this.allocateSame([req], owner)[0];
  }

  // Several bindings that must share one host port (0.0.0.0:N and [::]:N for
  // one `-p 80`, Docker 27+ needSamePort). All requests must have the same
  // port range and proto; the chosen port is free on every address.
  allocateSame(reqs: PortRequest[], owner: string): HostBinding[] {
    if (reqs.length === 0) return [];
    const { hostPortStart: start, hostPortEnd: end, proto } = reqs[0];
    if (reqs.some((r) => r.hostPortStart !== start || r.hostPortEnd !== end || r.proto !== proto)) {
      throw new BerthError('internal', 'allocateSame: requests differ in host port range or proto');
    }
    const ips = reqs.map((r) => canonicalIp(r.hostIp));

    let port: number;
    if (start !== 0 && start === end) {
      // An explicit port: taken is an error naming the first address it is taken on.
      checkRange(start, end);
      for (const ip of ips) {
        const holder = this.holderOf(ip, start, proto);
        if (holder) throw alreadyAllocated(ip, start, { ...holder, hostPort: start, proto });
      }
      port = start;
    } else if (start !== 0) {
      // An explicit range: its first free port (predictable across restarts).
      checkRange(start, end);
      const found = this.scan(start, end, start, ips, proto);
      if (found === undefined) {
        const where = `${joinHostPort(ips[0], `${start}-${end}`)}/${proto}`;
        throw new BerthError('conflict', `all ports are allocated (${where})`, { hostIps: ips, start, end, proto });
      }
      port = found;
    } else {
      const { start: es, end: ee } = this.ephemeral;
      const last = this.cursor.get(proto) ?? ee;
      const from = last >= ee || last < es ? es : last + 1;
      const found = this.scan(es, ee, from, ips, proto);
      if (found === undefined) {
        throw new BerthError('conflict', 'all ports are allocated', { proto, range: this.ephemeral });
      }
      this.cursor.set(proto, found);
      port = found;
    }
    for (const ip of ips) this.mapFor(proto, port).set(ip, owner);
    return ips.map((hostIp) => ({ hostIp, hostPort: port, proto }));
  }

  // Take a known binding back (restore from the store). Taken by the same
  // owner is fine; by another is a conflict.
  reserve(b: HostBinding, owner: string): void {
    const ip = canonicalIp(b.hostIp);
    checkRange(b.hostPort, b.hostPort);
    const holder = this.holderOf(ip, b.hostPort, b.proto);
    if (holder && !(holder.owner === owner && holder.hostIp === ip)) {
      throw alreadyAllocated(ip, b.hostPort, { ...holder, hostPort: b.hostPort, proto: b.proto });
    }
    this.mapFor(b.proto, b.hostPort).set(ip, owner);
  }

  // Give one binding back; false when it was not allocated.
  release(hostIp: string, hostPort: number, proto: Proto): boolean {
    const key = `${proto}/${hostPort}`;
    const m = this.taken.get(key);
    const ok = m?.delete(canonicalIp(hostIp)) ?? false;
    if (m && m.size === 0) this.taken.delete(key);
    return ok;
  }

  // Give back everything one owner holds (endpoint removed); returns what was freed.
  releaseOwner(owner: string): HostBinding[] {
    const freed = this.list().filter((b) => b.owner === owner);
    for (const b of freed) this.release(b.hostIp, b.hostPort, b.proto);
    return freed.map(({ hostIp, hostPort, proto }) => ({ hostIp, hostPort, proto }));
  }

  // Who holds exactly this binding.
  ownerOf(hostIp: string, hostPort: number, proto: Proto): string | undefined {
    return this.taken.get(`${proto}/${hostPort}`)?.get(canonicalIp(hostIp));
  }

  // Which existing binding keeps this one from being allocated (same address,
  // or a wildcard on either side), with its owner; undefined when free.
  holderOf(hostIp: string, hostPort: number, proto: Proto): { hostIp: string; owner: string } | undefined {
    const ip = canonicalIp(hostIp);
    const m = this.taken.get(`${proto}/${hostPort}`);
    if (!m) return undefined;
    const exact = m.get(ip);
    if (exact !== undefined) return { hostIp: ip, owner: exact };
    for (const [other, owner] of m) if (hostIpsOverlap(ip, other)) return { hostIp: other, owner };
    return undefined;
  }

  isFree(hostIp: string, hostPort: number, proto: Proto): boolean {
    return this.holderOf(hostIp, hostPort, proto) === undefined;
  }

  list(): OwnedBinding[] {
    const out: OwnedBinding[] = [];
    for (const [key, m] of this.taken) {
      const [proto, port] = key.split('/') as [Proto, string];
      for (const [hostIp, owner] of m) out.push({ hostIp, hostPort: Number(port), proto, owner });
    }
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return out.sort((a, b) => a.hostPort - b.hostPort || cmp(a.proto, b.proto) || cmp(a.hostIp, b.hostIp));
  }

  // First port in [start, end], beginning at `from` and wrapping once, that
  // is free on every address.
  private scan(start: number, end: number, from: number, ips: string[], proto: Proto): number | undefined {
    const size = end - start + 1;
    for (let i = 0; i < size; i++) {
      const port = start + ((from - start + i) % size);
      if (ips.every((ip) => this.isFree(ip, port, proto))) return port;
    }
    return undefined;
  }

  private mapFor(proto: Proto, port: number): Map<string, string> {
    const key = `${proto}/${port}`;
    let m = this.taken.get(key);
    if (!m) this.taken.set(key, (m = new Map()));
    return m;
  }
}

function canonicalIp(hostIp: string): string {
  if (hostIp === '') return IPV4_ANY;
  const ip = normalizeIp(hostIp);
  if (ip === undefined) throw new BerthError('invalid_argument', `invalid IP address: ${hostIp}`);
  return ip;
}

function checkRange(start: number, end: number): void {
  const ok = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!ok(start) || !ok(end)) {
    const what = start === end ? `${start}` : `${start}-${end}`;
    throw new BerthError('invalid_argument', `invalid port: ${what} (ports are 1-65535)`);
  }
  if (end < start) throw new BerthError('invalid_argument', `invalid range: ${start}-${end} (start is above end)`);
}
