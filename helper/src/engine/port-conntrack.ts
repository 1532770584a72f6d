import { filtersWithEntries, flushConntrack, type ConntrackFilter } from '../kernel/conntrack';
import { isUnspecified } from '../../../src/shared/ip';
import type { PortRecord } from '../store/state';

// Conntrack entries outlive rules: a UDP client that keeps sending to
// host:port stays on the path its first packet took (to the old container,
// or to the host itself when the mapping did not exist yet). Flushing makes
// the next packet meet the current rules (libnetwork clearConntrackEntries).
// A failed flush is logged, never fatal: the rules are already right.

const log = (m: string) => process.stderr.write(`${new Date().toISOString()} conntrack: ${m}\n`);

// Failures are logged (the rules are right either way). Past this many
// filters, only those that name an entry are run (kernel/conntrack.ts
// filtersWithEntries: a listing first).
const LISTED_FROM = 8;
export async function flush(filters: ConntrackFilter[]): Promise<void> {
  const failed = (what: string) => (e: Error) => log(`flush ${what} failed: ${e.message}`);
  const named = filters.length < LISTED_FROM ? filters : await filtersWithEntries(filters).catch((e: Error) => (failed(`of ${filters.length} filters (listing)`)(e), filters));
  await Promise.all(named.map((f) => flushConntrack(f).catch(failed(JSON.stringify(f)))));
}

// The gateway endpoint's addresses: a mapping's flows were DNAT'd to the
// one of its host address's family (docs/ipv6.md).
export interface GwAddrs {
  ip: string; // '' on an IPv6-only network
  ip6?: string;
}
const v6 = (r: PortRecord) => r.hostIp.includes(':');
// the container address a mapping DNATs to; none: no NAT (an IPv6 host
// address to a container without IPv6 goes through the userland proxy)
const natTarget = (r: PortRecord, a: GwAddrs | null) => (r.proto === 'sctp' || !a ? undefined : (v6(r) ? a.ip6 : a.ip) || undefined);
const origDst = (r: PortRecord) => (isUnspecified(r.hostIp) || r.hostIp === '' ? undefined : r.hostIp);
const familyOf = (r: PortRecord): 4 | 6 => (v6(r) ? 6 : 4);

// Mappings that just went away (port rm, gateway moved): entries of flows
// DNAT'd through them to the container.
export function removedFilters(recs: PortRecord[], addrs: GwAddrs | null): ConntrackFilter[] {
  return recs.flatMap((r) => {
    const containerIp = natTarget(r, addrs);
    return containerIp ? [{ proto: r.proto, hostPort: r.hostPort, origDst: origDst(r), containerIp }] : [];
  });
}

// New UDP mappings: entries a client made before the mapping existed point
// at the host itself and would keep the DNAT rule from applying.
export async function flushAdded(recs: PortRecord[]): Promise<void> {
  const filters = recs
    .filter((r) => r.proto === 'udp')
    .map((r) => ({ proto: r.proto, hostPort: r.hostPort, origDst: origDst(r), family: familyOf(r) }));
  await flush(dedupe(filters));
}

// A container's ports all going (stop, exit): one flush per protocol and
// family for everything that was answered by its address, like Docker does
// per endpoint.
export function containerFilters(recs: PortRecord[], addrs: GwAddrs | null): ConntrackFilter[] {
  const filters = new Map<string, ConntrackFilter>();
  for (const r of recs) {
    const containerIp = natTarget(r, addrs);
    if (containerIp) filters.set(`${r.proto} ${containerIp}`, { proto: r.proto, containerIp });
  }
  return [...filters.values()];
}

// The flushes of mappings that went run after the commit of the firewall
// write that deleted their rules, which may commit in the background
// (firewall/write-queue.ts): flushed before it, a packet in between would
// make a fresh entry with the old translation that outlives the rules
// (docs/decisions.md, "Firewall deletions committed in the background").
// An operation collects them (`add`); once its firewall writes are queued,
// `start` runs them after those writes, off the operation's path.
export class FlushesAfterRules {
  private held: ConntrackFilter[] = [];
  private readonly running = new Set<{ ips: Set<string>; done: Promise<void> }>();

  constructor(private readonly rulesSettled: () => Promise<void>) {}

  add(filters: ConntrackFilter[]): void {
    this.held.push(...filters);
  }

  start(): void {
    const filters = dedupe(this.held.splice(0));
    if (!filters.length) return;
    const ips = new Set(filters.flatMap((f) => (f.containerIp ? [f.containerIp] : [])));
    const entry = { ips, done: Promise.resolve() };
    entry.done = this.rulesSettled()
      .catch(() => {}) // a failed commit is owed to the next apply; the flush is harmless either way
      .then(() => flush(filters))
      .finally(() => this.running.delete(entry));
    this.running.add(entry);
  }

  // Every flush started so far has run; `ips`: only those of flows to these addresses.
  async settled(ips?: (string | undefined)[]): Promise<void> {
    const want = (e: { ips: Set<string> }) => !ips || ips.some((ip) => ip && e.ips.has(ip));
    await Promise.all([...this.running].filter(want).map((e) => e.done));
  }
}

function dedupe(fs: ConntrackFilter[]): ConntrackFilter[] {
  const m = new Map(fs.map((f) => [JSON.stringify(f), f]));
  return [...m.values()];
}
