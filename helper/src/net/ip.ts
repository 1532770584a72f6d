import { isIPv4, isIPv6 } from 'node:net';

// Host addresses as the port code compares them: one canonical spelling per
// address, so '0:0::1' and '::1' are the same allocator key.

export const IPV4_ANY = '0.0.0.0';
export const IPV6_ANY = '::';

export type IpFamily = 4 | 6;

// Canonical form of an IPv4 or IPv6 address (brackets accepted and dropped;
// zones refused), or undefined when `ip` is not an address. IPv6 is compressed and lowercased the
// way the WHATWG URL parser prints it; IPv4-mapped forms keep their dotted tail
// because that is how Docker (Go's net.IP) prints them.
export function normalizeIp(raw: string): string | undefined {
  const ip = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  if (ip.includes('.')) return ip.toLowerCase();
  return new URL(`http://[${ip}]`).hostname.slice(1, -1);
}

export const ipFamily = (ip: string): IpFamily => (isIPv6(ip) ? 6 : 4);
export const isUnspecified = (ip: string) => ip === IPV4_ANY || ip === IPV6_ANY;
export const isLoopbackV4 = (ip: string) => isIPv4(ip) && ip.startsWith('127.');

// Two bindings collide when they are the same family and either is the
// wildcard or both are the same address (0.0.0.0 holds every IPv4 address,
// :: every IPv6 address; Berth binds :: with IPV6_V6ONLY so the families
// never overlap).
export function hostIpsOverlap(a: string, b: string): boolean {
  if (ipFamily(a) !== ipFamily(b)) return false;
  return a === b || isUnspecified(a) || isUnspecified(b);
}

// net.JoinHostPort: brackets around IPv6.
export const joinHostPort = (ip: string, port: number | string) =>
  ipFamily(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
