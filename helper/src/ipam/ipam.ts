// Address management for Berth networks, after libnetwork's default IPAM
// (docs/docker-behaviour.md, "IPAM"). Pure and in-memory: the engine persists
// networks and endpoints and replays them here at start, as Docker's
// reservePools() does, because IPAM state itself is never stored.
import { conflict, invalid, isBerthError, notFound } from '../../../src/shared/errors';
import type { SubnetCheck } from '../../../src/shared/network';
import {
  type Cidr,
  broadcast,
  cidrContains,
  cidrOverlaps,
  cidrWithin,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  parseRouteCidr,
  reservedRole,
  usableRange,
} from './cidr';
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
export const MSG_STATIC_IP_NEEDS_USER_SUBNET =
  'user specified IP address is supported only when connecting to networks with user configured subnets';
export const MSG_ADDRESS_IN_USE = 'Address already in use';

interface NetState {
  pool: NetworkPool;
  subnet: Cidr;
  // dynamic allocation bounds: the ip-range (or subnet) minus network/broadcast
  first: number;
  last: number;
  used: RunSet;
  // gateway and aux addresses: reserved for the network's lifetime
  pinned: Set<number>;
}

export class Ipam {
  private readonly pools: Pool[];
  private readonly nets = new Map<string, NetState>();

  constructor(pools: PoolSpec[] = DEFAULT_POOLS) {
    this.pools = compilePools(pools);
  }

  has(netId: string): boolean {
    return this.nets.has(netId);
  }

  getPool(netId: string): NetworkPool {
    return copyPool(this.get(netId).pool);
  }

  requestPool(netId: string, req: PoolRequest, hostRoutes: string[]): NetworkPool {
    if (this.nets.has(netId)) throw conflict(`network ${netId} already has an address pool`);
    const aux = req.auxAddresses ?? {};
    const userText = req.subnet?.trim() ?? '';
    const userSubnet = userText !== '';
    let subnet: Cidr;
    if (userSubnet) {
      subnet = parseCidr(userText);
      // Docker never checks a user subnet against host routes: the user may
      // mean it (e.g. bridging onto the LAN). Only other networks conflict.
      if (this.overlappingNetworks(subnet).length > 0) throw conflict(MSG_POOL_OVERLAP);
    } else {
      // Docker's CLI wording for options that only make sense with --subnet.
      if (req.ipRange || req.gateway) throw invalid('every ip-range or gateway must have a corresponding subnet');
      if (Object.keys(aux).length > 0) throw invalid('no matching subnet for aux-address');
      const found = firstFreeSubnet(this.pools, this.blockers(hostRoutes));
      if (!found) throw conflict(MSG_POOLS_EXHAUSTED);
      subnet = found;
    }
    const st = buildState(subnet, req.ipRange, req.gateway, aux, userSubnet);
    this.nets.set(netId, st);
    return copyPool(st.pool);
  }

  releasePool(netId: string): void {
    this.get(netId);
    this.nets.delete(netId);
  }

  /** Replays a stored network at helper start. Overlap with other networks
   * is not re-checked: a restore must not fail on state the store already holds. */
  restorePool(netId: string, pool: NetworkPool): void {
    if (this.nets.has(netId)) throw conflict(`network ${netId} already has an address pool`);
    const st = buildState(parseCidr(pool.subnet), pool.ipRange, pool.gateway, pool.auxAddresses, pool.userSubnet);
    this.nets.set(netId, st);
  }

  requestAddress(netId: string, preferred?: string): string {
    const st = this.get(netId);
    if (preferred !== undefined && preferred.trim() !== '') {
      if (!st.pool.userSubnet) throw invalid(MSG_STATIC_IP_NEEDS_USER_SUBNET);
      const ip = checkHostAddress(st, preferred);
      if (!st.used.add(ip)) throw conflict(MSG_ADDRESS_IN_USE);
      return formatIp(ip);
    }
    const ip = st.used.lowestFree(st.first, st.last);
    if (ip === null) throw conflict(`no available IPv4 addresses on this network's address pools: ${netId}`);
    st.used.add(ip);
    return formatIp(ip);
  }

  /** Replays a stored endpoint's address; static or not, it is simply taken. */
  reserveAddress(netId: string, ip: string): void {
    const st = this.get(netId);
    const n = checkHostAddress(st, ip);
    if (!st.used.add(n)) throw conflict(MSG_ADDRESS_IN_USE);
  }

  releaseAddress(netId: string, ip: string): void {
    const st = this.get(netId);
    const n = parseIp(ip);
    // The gateway and aux addresses belong to the network, not to an
    // endpoint; a stray release must not let a container take them.
    if (st.pinned.has(n)) return;
    st.used.delete(n);
  }

  checkSubnet(subnet: string | undefined, hostRoutes: { cidr: string; dev?: string }[]): SubnetCheck {
    const found = firstFreeSubnet(this.pools, this.blockers(hostRoutes.map((r) => r.cidr)));
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
    const overlaps: SubnetOverlap[] = this.overlappingNetworks(c).map(([id, st]) => ({
      kind: 'network',
      what: id,
      cidr: st.pool.subnet,
    }));
    for (const r of hostRoutes) {
      const rc = parseRouteCidr(r.cidr);
      if (rc && rc.prefix > 0 && cidrOverlaps(rc, c)) {
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

  private get(netId: string): NetState {
    const st = this.nets.get(netId);
    if (!st) throw notFound(`network ${netId} not found`);
    return st;
  }

  private overlappingNetworks(c: Cidr): [string, NetState][] {
    return [...this.nets].filter(([, st]) => cidrOverlaps(st.subnet, c));
  }

  // What an automatic subnet must avoid: every network, and every host route
  // except the default one (which overlaps everything). Unparsable routes are
  // skipped rather than failing network creation over a display quirk.
  private blockers(hostRoutes: string[]): Cidr[] {
    const out = [...this.nets.values()].map((st) => st.subnet);
    for (const r of hostRoutes) {
      const c = parseRouteCidr(r);
      if (c && c.prefix > 0) out.push(c);
    }
    return out;
  }
}

// Validates a pool and reserves its gateway and aux addresses. Shared by
// request and restore so a restored network obeys the same rules.
function buildState(
  subnet: Cidr,
  ipRange: string | undefined,
  gateway: string | undefined,
  aux: Record<string, string>,
  userSubnet: boolean,
): NetState {
  const subnetText = formatCidr(subnet);
  const usable = usableRange(subnet);
  let first = usable.first;
  let last = usable.last;
  let rangeText: string | undefined;
  if (ipRange !== undefined && ipRange.trim() !== '') {
    const range = parseCidr(ipRange);
    if (!cidrWithin(range, subnet)) throw invalid(`ip-range ${ipRange} is not inside subnet ${subnetText}`);
    // The range's own ".0" is allocatable unless it is the subnet's network
    // address (docker/for-linux#170).
    first = Math.max(first, range.network);
    last = Math.min(last, broadcast(range));
    rangeText = formatCidr(range);
  }
  const st: NetState = {
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
    const gw = parseIp(gateway);
    if (!cidrContains(subnet, gw)) throw invalid(`gateway ${gateway} is outside subnet ${subnetText}`);
    const role = reservedRole(subnet, gw);
    if (role) throw invalid(`gateway ${gateway} is the ${role} address of subnet ${subnetText}`);
    pin(st, gw);
    st.pool.gateway = formatIp(gw);
  }

  for (const [name, value] of Object.entries(aux)) {
    const label = `(${name}:${value})`;
    const ip = parseIpOr(value, `non parsable secondary ip address ${label}`);
    if (!cidrContains(subnet, ip)) {
      throw invalid(`auxiliary address: ${label} must belong to the master pool: ${subnetText}`);
    }
    const role = reservedRole(subnet, ip);
    if (role) throw invalid(`auxiliary address ${label} is the ${role} address of subnet ${subnetText}`);
    if (st.used.has(ip)) throw conflict(`failed to allocate secondary ip address ${label}: ${MSG_ADDRESS_IN_USE}`);
    pin(st, ip);
    st.pool.auxAddresses[name] = formatIp(ip);
  }

  // Unlike Docker, which picks the gateway before looking at aux addresses
  // and then fails on "--aux-address x=<.1>", an automatic gateway skips them.
  if (!hasGateway) {
    const gw = st.used.lowestFree(first, last);
    if (gw === null) throw conflict(`no free address for the gateway in ${rangeText ?? subnetText}`);
    pin(st, gw);
    st.pool.gateway = formatIp(gw);
  }
  return st;
}

function pin(st: NetState, ip: number): void {
  st.used.add(ip);
  st.pinned.add(ip);
}

function parseIpOr(text: string, message: string): number {
  try {
    return parseIp(text);
  } catch {
    throw invalid(message);
  }
}

// An endpoint address must be a host address of the subnet. It may lie
// outside --ip-range: that is how users keep static IPs clear of dynamic ones.
function checkHostAddress(st: NetState, text: string): number {
  const ip = parseIp(text);
  if (!cidrContains(st.subnet, ip)) {
    throw invalid(`invalid address ${text}: it does not belong to the network's subnet ${st.pool.subnet}`);
  }
  const role = reservedRole(st.subnet, ip);
  if (role) throw invalid(`invalid address ${text}: it is the ${role} address of subnet ${st.pool.subnet}`);
  return ip;
}

const copyPool = (p: NetworkPool): NetworkPool => ({ ...p, auxAddresses: { ...p.auxAddresses } });
