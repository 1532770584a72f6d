import type { HostInspect, Owner } from '../../../src/shared/inspect';
import { DEFAULT_POOLS } from '../ipam/pools';
import { cidrOverlaps, formatAddr, parseToolPrefix, tryParseAddr, type Cidr } from '../../../src/shared/ip';
import { AddressSet, PrefixMap, PrefixSet } from '../inspect/prefix-index';

const isLinkLocal = (a: string) => a.startsWith('fe80:') || a.startsWith('169.254.');
const prefixes = (list: string[]) => list.map((s) => parseToolPrefix(s) as Cidr);
const printable = (p: Cidr): string => formatAddr({ v6: p.v6, n: p.base });

// Owners whose rules only ever point at their own local bridges and
// containers. Kubernetes is not one: pod and service addresses of other
// nodes are often reached through the default gateway.
const CONTAINER_TOOLS = new Set<Owner>(['berth', 'docker', 'podman', 'cni', 'libvirt']);

// Where each container tool takes subnets from when nobody names one
// (Docker: libnetwork ipamutils, as Berth's own DEFAULT_POOLS; Podman and
// netavark: 10.88.0.0/16 then 10.89.x.0/24; the CNI bridge plugin's
// documented 10.22.0.0/16 and cni-podman0's 10.88.0.0/16; libvirt's default
// network). A rule of that tool pointing into its own space, where the host
// has no bridge and no route, is evidence its network is gone.
// Each pool with its text, written once here rather than once per finding.
type Pool = { prefix: Cidr; text: string };
const pools = (list: string[]): Pool[] => prefixes(list).map((p) => ({ prefix: p, text: `${printable(p)}/${p.len}` }));
const TOOL_SPACE: Partial<Record<Owner, Pool[]>> = {
  berth: pools(DEFAULT_POOLS.map((p) => p.base)),
  docker: pools(DEFAULT_POOLS.map((p) => p.base)),
  podman: pools(['10.88.0.0/16', '10.89.0.0/16']),
  cni: pools(['10.22.0.0/16', '10.88.0.0/16']),
  libvirt: pools(['192.168.122.0/24']),
};

interface ContainerNet {
  bridge: string;
  cidr: string;
  prefix: Cidr;
}

// Which addresses and subnets are provably gone. Liveness is judged by
// evidence, not by absence: whatever the default route (or any route)
// reaches is a live network somewhere, unless it lies on a container
// bridge's subnet (then a namespace holds it or nobody does) or in the
// address space of the rule owner's container tool with no bridge or route
// of it there. Each verdict is the evidence sentence a finding carries;
// null means alive, or nothing proves otherwise (which is not stale).
export class Liveness {
  private held = new Set<string>();
  // indexed: each is asked once per rule, and a host has thousands of addresses
  private heldIps: AddressSet;
  private containerNets: ContainerNet[] = []; // subnets on bridges with no physical port
  private containerNetOf: PrefixMap<ContainerNet>;
  private routed: Cidr[] = []; // every non-default route
  private routedSet: PrefixSet;
  private defaultV4 = false;
  private netnsUnreadable: boolean;
  readonly links: Set<string>;
  // every part of the host a verdict here reads, as one string: two readings with the
  // same key judge alike (cleanup/rule-verdicts.ts keeps verdicts across plans by it)
  readonly key: string;

  constructor(host: HostInspect) {
    const heldIps: { v6: boolean; n: bigint }[] = [];
    const add = (cidr: string) => {
      const ip = cidr.split('/')[0];
      if (this.held.has(ip)) return;
      this.held.add(ip);
      const p = tryParseAddr(ip);
      if (p) heldIps.push(p);
    };
    for (const l of host.links) l.addresses.forEach(add);
    for (const ns of host.netns) for (const l of ns.links) l.addresses.forEach(add);
    this.links = new Set(host.links.map((l) => l.name));
    this.netnsUnreadable = host.errors.some((e) => e.startsWith('netns ') || e.startsWith('ip netns'));
    const physicalMasters = new Set(host.links.filter((l) => l.kind === 'device' && l.master).map((l) => l.master));
    for (const l of host.links) {
      if (l.kind !== 'bridge' || physicalMasters.has(l.name)) continue;
      for (const a of l.addresses) {
        const p = parseToolPrefix(a);
        if (p && !isLinkLocal(a)) this.containerNets.push({ bridge: l.name, cidr: `${printable(p)}/${p.len}`, prefix: p });
      }
    }
    for (const r of host.routes) {
      const [dst, , table] = r.dst.split(' ');
      // only the main table's default route counts as "the host reaches everything"
      if (dst === 'default') {
        if (!table || table === 'main') this.defaultV4 = true;
        continue;
      }
      if (dst.startsWith('fe80:') || dst.startsWith('ff00:')) continue;
      const p = parseToolPrefix(dst);
      if (p && p.len > 0) this.routed.push(p);
    }
    this.heldIps = new AddressSet(heldIps);
    this.containerNetOf = new PrefixMap(this.containerNets.map((n) => [n.prefix, n] as [Cidr, ContainerNet]));
    this.routedSet = new PrefixSet(this.routed);
    this.key = JSON.stringify([
      host.links.map((l) => [l.name, l.kind, l.master, l.addresses]),
      host.netns.map((ns) => ns.links.map((l) => l.addresses)),
      host.routes.map((r) => r.dst),
      this.netnsUnreadable,
    ]);
  }

  holds(ip: string): boolean {
    return this.held.has(ip);
  }

  // Of an address or subnet a rule of another owner than a container tool points at
  // (a user's, a firewall's, Kubernetes'), only a container bridge's subnet says it is
  // gone (`unreached` says nothing of them): on a host with no such subnet, nothing is
  // parsed for their rules (thousands of service and pod rules, each parsed through BigInts).
  private judges(owner: Owner): boolean {
    return this.containerNets.length > 0 || CONTAINER_TOOLS.has(owner);
  }

  // Why `ip` is gone, or null. `owner` is whose rule (or flow) points at it.
  addressGone(ip: string, owner: Owner): string | null {
    if (this.held.has(ip) || !this.judges(owner)) return null;
    const p = tryParseAddr(ip);
    if (!p) return null;
    const net = this.containerNetOf.get(p);
    if (net) return this.netnsUnreadable ? null : `${ip} is on bridge ${net.bridge} (${net.cidr}) and no namespace holds it`;
    if (this.routedSet.has(p)) return null;
    return this.unreached(`${ip}`, { v6: p.v6, base: p.n, len: p.v6 ? 128 : 32 }, owner);
  }

  // Why `cidr` is gone, or null. Wide prefixes (/8, /12) are policy, not a network: never judged.
  // per owner, then per text: rules of one owner name the same subnets, and no key string is built per rule
  private memo = new Map<Owner, Map<string, string | null>>();
  // One address (/32, /128: a service's or pod's, each named once) is judged as the address,
  // neither parsed as a prefix first nor kept: judgeSubnet gives it to addressGone as it is.
  subnetGone(cidr: string, owner: Owner): string | null {
    if (!this.judges(owner)) return null;
    const slash = cidr.indexOf('/');
    if (cidr.includes(':') ? slash === cidr.length - 4 && cidr.endsWith('/128') : slash === cidr.length - 3 && cidr.endsWith('/32')) return this.addressGone(cidr.slice(0, slash), owner);
    let mine = this.memo.get(owner);
    if (!mine) this.memo.set(owner, (mine = new Map()));
    let why = mine.get(cidr);
    if (why === undefined) mine.set(cidr, (why = this.judgeSubnet(cidr, owner)));
    return why;
  }

  private judgeSubnet(cidr: string, owner: Owner): string | null {
    const p = parseToolPrefix(cidr);
    if (!p) return null;
    if (p.len === (p.v6 ? 128 : 32)) return this.addressGone(cidr.split('/')[0], owner);
    if (p.len < (p.v6 ? 48 : 16)) return null;
    if (this.heldIps.anyIn(p)) return null;
    const net = this.containerNets.find((n) => n.prefix.len <= p.len && cidrOverlaps(n.prefix, p));
    if (net) return this.netnsUnreadable ? null : `${cidr} is on bridge ${net.bridge} (${net.cidr}) and no namespace holds an address in it`;
    if (this.routed.some((r) => cidrOverlaps(r, p))) return null;
    return this.unreached(cidr, p, owner);
  }

  // No link holds it and no specific route reaches it.
  private unreached(what: string, p: Cidr, owner: Owner): string | null {
    if (!CONTAINER_TOOLS.has(owner)) return null; // a user's or a firewall's rule: a remote network, maybe down for now
    const pool = TOOL_SPACE[owner]?.find((s) => s.prefix.len <= p.len && cidrOverlaps(s.prefix, p));
    if (pool) return `${what} is in ${owner}'s address pool ${pool.text}, where the host has no bridge and no route`;
    // outside its pools: only without a default route is it certain nothing reaches it
    if (!p.v6 && !this.defaultV4) return `no link holds ${what}, no route reaches it and the host has no default route`;
    return null;
  }

  // Whether bridgeGone can say anything of this owner's rules (a caller skips their interfaces else).
  judgesBridgesOf(owner: Owner): boolean {
    return CONTAINER_TOOLS.has(owner);
  }

  // A container bridge a container tool's rule names that no longer exists
  // (Docker's br-<id>, cni*, podman*, virbr*, Berth's): its network is gone.
  bridgeGone(ifname: string | undefined, owner: Owner): string | null {
    if (!ifname || !CONTAINER_TOOLS.has(owner) || ifname.endsWith('+') || this.links.has(ifname)) return null;
    return CONTAINER_BRIDGE_RE.test(ifname) ? `bridge ${ifname} does not exist` : null;
  }
}

const CONTAINER_BRIDGE_RE = /^(docker0|br-[0-9a-f]{12}|cni\d+|cni-podman\d+|podman\d+|virbr\d+|berth\d+)$/;

