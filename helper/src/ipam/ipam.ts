// Address management for Berth networks, after libnetwork's default IPAM
// (docs/docker-behaviour.md, "IPAM"). Pure and in-memory: the engine persists
// networks and endpoints and replays them here at start, as Docker's
// reservePools() does, because IPAM state itself is never stored.
// A network holds any number of subnets of either family (dual stack,
// IPv6-only, several subnets per family); an address comes from the first
// subnet of its family with room, as Docker's does.
import { conflict, invalid, isBerthError, notFound } from '../../../src/shared/errors';
import type { SubnetCheck } from '../../../src/shared/network';
import {
  type Addr,
  type Cidr,
  cidrContains,
  cidrOverlaps,
  cidrWithin,
  formatAddr,
  formatCidr,
  lastAddr,
  parseAddr,
  parseCidr,
  parseToolPrefix,
  reservedRole,
  usableRange,
} from '../../../src/shared/ip';
import { DEFAULT_POOLS, type Pool, type PoolSpec, compilePools, firstFreeSubnet } from './pools';
import { RunSet } from './run-set';

export interface PoolRequest {
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

export interface NetworkPool {
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
  /** true when the subnet came from --subnet; only then is a static --ip allowed */
  userSubnet: boolean;
}

// The answer of network.checkSubnet, as the contract declares it; `what` of
// a network overlap is the network id here (the server puts the name in).
export type { SubnetCheck };
export type SubnetOverlap = SubnetCheck['overlaps'][number];

export const MSG_POOL_OVERLAP = 'Pool overlaps with other one on this address space';
export const MSG_POOLS_EXHAUSTED = 'all predefined address pools have been fully subnetted';
export const MSG_NO_V6_POOL = 'could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network';
export const MSG_STATIC_IP_NEEDS_USER_SUBNET =
  'user specified IP address is supported only when connecting to networks with user configured subnets';
export const MSG_ADDRESS_IN_USE = 'Address already in use';

const familyName = (v6: boolean) => (v6 ? 'IPv6' : 'IPv4');

interface SubnetState {
  pool: NetworkPool;
  subnet: Cidr;
  // dynamic allocation bounds: the ip-range (or subnet) minus reserved addresses
  first: bigint;
  last: bigint;
  used: RunSet;
  // gateway and aux addresses: reserved for the network's lifetime
  pinned: Set<bigint>;
}

export class Ipam {
  private readonly pools: Pool[];
  private readonly nets = new Map<string, SubnetState[]>();

  constructor(pools: PoolSpec[] = DEFAULT_POOLS) {
    this.pools = compilePools(pools);
  }

  has(netId: string): boolean {
    return this.nets.has(netId);
  }

  /** The network's subnets, in the order they were requested. */
  getPools(netId: string): NetworkPool[] {
    return this.get(netId).map((st) => copyPool(st.pool));
  }

  /** Adds one subnet to a network: the user's, or the first free one of
   * family `v6` from the default pools. A network may take several. */
  requestPool(netId: string, req: PoolRequest, hostRoutes: string[], v6 = false): NetworkPool {
    const aux = req.auxAddresses ?? {};
    const userText = req.subnet?.trim() ?? '';
    const userSubnet = userText !== '';
    let subnet: Cidr;
    if (userSubnet) {
      subnet = parseCidr(userText);
      // Docker never checks a user subnet against host routes: the user may
      // mean it (e.g. bridging onto the LAN). Only other subnets conflict.
      if (this.overlapping(subnet).length > 0) throw conflict(MSG_POOL_OVERLAP);
    } else {
      // Docker's CLI wording for options that only make sense with --subnet.
      if (req.ipRange || req.gateway) throw invalid('every ip-range or gateway must have a corresponding subnet');
      if (Object.keys(aux).length > 0) throw invalid('no matching subnet for aux-address');
      if (v6 && !this.pools.some((p) => p.base.v6)) throw conflict(MSG_NO_V6_POOL);
      const found = firstFreeSubnet(this.pools, this.blockers(hostRoutes), v6);
      if (!found) throw conflict(MSG_POOLS_EXHAUSTED);
      subnet = found;
    }
    const st = buildState(subnet, req.ipRange, req.gateway, aux, userSubnet);
    this.nets.set(netId, [...(this.nets.get(netId) ?? []), st]);
    return copyPool(st.pool);
  }

  /** What requestPool would refuse in a user subnet's ip-range, gateway or
   * aux addresses (same code), taking nothing: the create dry run. */
  checkPool(req: PoolRequest): void {
    buildState(parseCidr(req.subnet ?? ''), req.ipRange, req.gateway, req.auxAddresses ?? {}, true);
  }

  releasePool(netId: string): void {
    this.get(netId);
    this.nets.delete(netId);
  }

  /** Replays a stored subnet at helper start. Overlap with other networks
   * is not re-checked: a restore must not fail on state the store already holds. */
  restorePool(netId: string, pool: NetworkPool): void {
    const subnet = parseCidr(pool.subnet);
    if (this.nets.get(netId)?.some((st) => cidrOverlaps(st.subnet, subnet))) throw conflict(`network ${netId} already has an address pool overlapping ${pool.subnet}`);
    const st = buildState(subnet, pool.ipRange, pool.gateway, pool.auxAddresses, pool.userSubnet);
    this.nets.set(netId, [...(this.nets.get(netId) ?? []), st]);
  }

  /** An address of family `v6` for an endpoint: `preferred` (--ip/--ip6)
   * when given, else the lowest free one of the first subnet with room. */
  requestAddress(netId: string, preferred?: string, v6 = false): string {
    const subnets = this.get(netId).filter((st) => st.subnet.v6 === v6);
    if (!subnets.length) throw invalid(`network ${netId} has no ${familyName(v6)} subnet`);
    if (preferred !== undefined && preferred.trim() !== '') {
      const a = parseAddr(preferred);
      if (a.v6 !== v6) throw invalid(`invalid address ${preferred}: not an ${familyName(v6)} address`);
      const st = subnets.find((s) => cidrContains(s.subnet, a));
      if (st && !st.pool.userSubnet) throw invalid(MSG_STATIC_IP_NEEDS_USER_SUBNET);
      checkHostAddress(st ?? subnets[0], a, preferred);
      if (!st!.used.add(a.n)) throw conflict(MSG_ADDRESS_IN_USE);
      return formatAddr(a);
    }
    for (const st of subnets) {
      const n = st.used.lowestFree(st.first, st.last);
      if (n === null) continue;
      st.used.add(n);
      return formatAddr({ v6, n });
    }
    throw conflict(`no available ${familyName(v6)} addresses on this network's address pools: ${netId}`);
  }

  /** Replays a stored endpoint's address; static or not, it is simply taken. */
  reserveAddress(netId: string, ip: string): void {
    const a = parseAddr(ip);
    const st = this.get(netId).find((s) => cidrContains(s.subnet, a));
    checkHostAddress(st ?? this.get(netId)[0], a, ip);
    if (!st!.used.add(a.n)) throw conflict(MSG_ADDRESS_IN_USE);
  }

  releaseAddress(netId: string, ip: string): void {
    const a = parseAddr(ip);
    const st = this.get(netId).find((s) => cidrContains(s.subnet, a));
    // The gateway and aux addresses belong to the network, not to an
    // endpoint; a stray release must not let a container take them.
    if (!st || st.pinned.has(a.n)) return;
    st.used.delete(a.n);
  }

  checkSubnet(subnet: string | undefined, hostRoutes: { cidr: string; dev?: string }[]): SubnetCheck {
    const blockers = this.blockers(hostRoutes.map((r) => r.cidr));
    const found = firstFreeSubnet(this.pools, blockers);
    const suggested = found ? formatCidr(found) : null;
    if (subnet === undefined || subnet.trim() === '') {
      return suggested
        ? { suggested, valid: true, overlaps: [] }
        : { suggested, valid: false, error: MSG_POOLS_EXHAUSTED, overlaps: [] };
    }
    let c: Cidr;
    try {
      c = parseCidr(subnet);
    } catch (e) {
      if (!isBerthError(e)) throw e;
      return { suggested, valid: false, error: e.message, overlaps: [] };
    }
    const overlaps: SubnetOverlap[] = this.overlapping(c).map(([id, st]) => ({ kind: 'network', what: id, cidr: st.pool.subnet }));
    for (const r of hostRoutes) {
      const rc = parseToolPrefix(r.cidr);
      if (rc && rc.len > 0 && cidrOverlaps(rc, c)) {
        overlaps.push({ kind: 'route', what: r.dev ? `dev ${r.dev}` : 'route', cidr: formatCidr(rc) });
      }
    }
    const networkClash = overlaps.some((o) => o.kind === 'network');
    return {
      suggested,
      // A route overlap is a warning only: Docker accepts such a --subnet.
      valid: !networkClash,
      ...(networkClash ? { error: MSG_POOL_OVERLAP } : {}),
      overlaps,
      normalized: formatCidr(c),
    };
  }

  private get(netId: string): SubnetState[] {
    const st = this.nets.get(netId);
    if (!st) throw notFound(`network ${netId} not found`);
    return st;
  }

  private overlapping(c: Cidr): [string, SubnetState][] {
    return [...this.nets].flatMap(([id, list]) => list.filter((st) => cidrOverlaps(st.subnet, c)).map((st) => [id, st] as [string, SubnetState]));
  }

  // What an automatic subnet must avoid: every network's subnets, and every
  // host route except the default one (which overlaps everything).
  // Unparsable routes are skipped rather than failing network creation
  // over a display quirk.
  private blockers(hostRoutes: string[]): Cidr[] {
    const out = [...this.nets.values()].flat().map((st) => st.subnet);
    for (const r of hostRoutes) {
      const c = parseToolPrefix(r);
      if (c && c.len > 0) out.push(c);
    }
    return out;
  }
}

// Validates a subnet's pool and reserves its gateway and aux addresses.
// Shared by request and restore so a restored network obeys the same rules.
function buildState(subnet: Cidr, ipRange: string | undefined, gateway: string | undefined, aux: Record<string, string>, userSubnet: boolean): SubnetState {
  const subnetText = formatCidr(subnet);
  let { first, last } = usableRange(subnet);
  let rangeText: string | undefined;
  if (ipRange !== undefined && ipRange.trim() !== '') {
    const range = parseCidr(ipRange);
    if (!cidrWithin(range, subnet)) throw invalid(`ip-range ${ipRange} is not inside subnet ${subnetText}`);
    // The range's own ".0" is allocatable unless it is the subnet's network
    // address (docker/for-linux#170).
    if (range.base > first) first = range.base;
    if (lastAddr(range) < last) last = lastAddr(range);
    rangeText = formatCidr(range);
  }
  const st: SubnetState = {
    pool: { subnet: subnetText, gateway: '', auxAddresses: {}, userSubnet },
    subnet,
    first,
    last,
    used: new RunSet(),
    pinned: new Set(),
  };
  if (rangeText !== undefined) st.pool.ipRange = rangeText;

  const hasGateway = gateway !== undefined && gateway.trim() !== '';
  if (hasGateway) {
    const gw = parseAddr(gateway);
    if (!cidrContains(subnet, gw)) throw invalid(`gateway ${gateway} is outside subnet ${subnetText}`);
    const role = reservedRole(subnet, gw);
    if (role) throw invalid(`gateway ${gateway} is the ${role} address of subnet ${subnetText}`);
    pin(st, gw.n);
    st.pool.gateway = formatAddr(gw);
  }

  for (const [name, value] of Object.entries(aux)) {
    const label = `(${name}:${value})`;
    const ip = parseAddrOr(value, `non parsable secondary ip address ${label}`);
    if (!cidrContains(subnet, ip)) {
      throw invalid(`auxiliary address: ${label} must belong to the master pool: ${subnetText}`);
    }
    const role = reservedRole(subnet, ip);
    if (role) throw invalid(`auxiliary address ${label} is the ${role} address of subnet ${subnetText}`);
    if (st.used.has(ip.n)) throw conflict(`failed to allocate secondary ip address ${label}: ${MSG_ADDRESS_IN_USE}`);
    pin(st, ip.n);
    st.pool.auxAddresses[name] = formatAddr(ip);
  }

  // Unlike Docker, which picks the gateway before looking at aux addresses
  // and then fails on "--aux-address x=<.1>", an automatic gateway skips them.
  if (!hasGateway) {
    const gw = st.used.lowestFree(first, last);
    if (gw === null) throw conflict(`no free address for the gateway in ${rangeText ?? subnetText}`);
    pin(st, gw);
    st.pool.gateway = formatAddr({ v6: subnet.v6, n: gw });
  }
  return st;
}

function pin(st: SubnetState, n: bigint): void {
  st.used.add(n);
  st.pinned.add(n);
}

function parseAddrOr(text: string, message: string): Addr {
  try {
    return parseAddr(text);
  } catch {
    throw invalid(message);
  }
}

// An endpoint address must be a host address of the subnet. It may lie
// outside --ip-range: that is how users keep static IPs clear of dynamic ones.
// `st` is the subnet holding `a`, or (when none does) the one to name.
function checkHostAddress(st: SubnetState, a: Addr, text: string): void {
  if (!cidrContains(st.subnet, a)) {
    throw invalid(`invalid address ${text}: it does not belong to the network's subnet ${st.pool.subnet}`);
  }
  const role = reservedRole(st.subnet, a);
  if (role) throw invalid(`invalid address ${text}: it is the ${role} address of subnet ${st.pool.subnet}`);
}

const copyPool = (p: NetworkPool): NetworkPool => ({ ...p, auxAddresses: { ...p.auxAddresses } });
