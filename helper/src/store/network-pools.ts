import { cidrContains, parseAddr, parseCidr } from '../../../src/shared/ip';
import type { NetworkRecord, PoolRecord } from './state';

// A network's subnets as one list: the first IPv4 one (kept in the record's
// own fields since before IPv6) and then extraPools (its IPv6 subnets and
// further IPv4 ones). docs/ipv6.md.
export function poolsOf(net: NetworkRecord): PoolRecord[] {
  const first: PoolRecord[] = net.subnet
    ? [{ subnet: net.subnet, gateway: net.gateway, ipRange: net.ipRange, auxAddresses: net.auxAddresses, userSubnet: net.userSubnet }]
    : [];
  return [...first, ...net.extraPools];
}

/** The network's subnets of one family, in order. */
export const familyPools = (net: NetworkRecord, v6: boolean) => poolsOf(net).filter((p) => parseCidr(p.subnet).v6 === v6);

/** The subnet holding `ip` (an endpoint's address). */
export function subnetOf(net: NetworkRecord, ip: string): string {
  const a = parseAddr(ip);
  const p = poolsOf(net).find((x) => cidrContains(parseCidr(x.subnet), a));
  if (!p) throw new Error(`${ip} is in no subnet of network ${net.name}`);
  return p.subnet;
}

/** The IPv6 gateway (the first IPv6 subnet's), or ''. */
export const gateway6 = (net: NetworkRecord): string => familyPools(net, true)[0]?.gateway ?? '';
