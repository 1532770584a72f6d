// IPv4 arithmetic on plain numbers. An address is an unsigned 32-bit value
// held in a JS number (exact up to 2^53), never a bitwise int32, so
// 255.255.255.255 stays positive and comparisons just work.
import { invalid } from '../../../src/shared/errors';

export interface Cidr {
  /** network address (host bits cleared) */
  network: number;
  /** prefix length, 0–32 */
  prefix: number;
}

const OCTET_RE = /^(0|[1-9][0-9]{0,2})$/;
const PREFIX_RE = /^(0|[1-9][0-9]?)$/;

/** Parses a dotted quad; returns null when malformed. Leading zeros are
 * refused (as Go's net.ParseIP does) because "010" is octal to some tools. */
export function tryParseIp(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!OCTET_RE.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function parseIp(text: string): number {
  const n = tryParseIp(text.trim());
  if (n === null) throw invalid(`${describeFamily(text)}invalid IP address: ${text}`);
  return n;
}

export function formatIp(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/** Number of addresses in a block of this prefix length. */
export const blockSize = (prefix: number): number => 2 ** (32 - prefix);

export const broadcast = (c: Cidr): number => c.network + blockSize(c.prefix) - 1;

/** Clears host bits: 10.1.0.5/24 -> 10.1.0.0 (Docker stores the network). */
export const maskAddress = (ip: number, prefix: number): number => ip - (ip % blockSize(prefix));

/** Parses a.b.c.d/n, normalising host bits away; returns null when malformed. */
export function tryParseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = tryParseIp(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (ip === null || !PREFIX_RE.test(p)) return null;
  const prefix = Number(p);
  if (prefix > 32) return null;
  return { network: maskAddress(ip, prefix), prefix };
}

export function parseCidr(text: string): Cidr {
  const c = tryParseCidr(text.trim());
  if (!c) throw invalid(`${describeFamily(text)}invalid CIDR address: ${text}`);
  return c;
}

/** Route tables print host routes without "/32"; accept both forms. */
export function parseRouteCidr(text: string): Cidr | null {
  const t = text.trim();
  if (t.includes('/')) return tryParseCidr(t);
  const ip = tryParseIp(t);
  return ip === null ? null : { network: ip, prefix: 32 };
}

export const formatCidr = (c: Cidr): string => `${formatIp(c.network)}/${c.prefix}`;

/** Canonical text of a CIDR: "10.1.0.5/24" -> "10.1.0.0/24". */
export const normalizeCidr = (text: string): string => formatCidr(parseCidr(text));

export const cidrContains = (c: Cidr, ip: number): boolean => ip >= c.network && ip <= broadcast(c);

/** `inner` lies wholly inside `outer`. */
export const cidrWithin = (inner: Cidr, outer: Cidr): boolean =>
  inner.prefix >= outer.prefix && cidrContains(outer, inner.network);

// Two CIDR blocks either nest or are disjoint, so one containing the other's
// network address is the whole test.
export const cidrOverlaps = (a: Cidr, b: Cidr): boolean => cidrContains(a, b.network) || cidrContains(b, a.network);

// String forms for callers that hold text (GUI validation, tests).
export const overlaps = (a: string, b: string): boolean => cidrOverlaps(parseCidr(a), parseCidr(b));
export const contains = (cidr: string, ip: string): boolean => cidrContains(parseCidr(cidr), parseIp(ip));
export const prefixLength = (cidr: string): number => parseCidr(cidr).prefix;
export const broadcastAddress = (cidr: string): string => formatIp(broadcast(parseCidr(cidr)));
export const networkAddress = (cidr: string): string => formatIp(parseCidr(cidr).network);

/** Addresses a subnet can hand out. IPv4 reserves network and broadcast,
 * except on /31 (RFC 3021 point-to-point) and /32 where there are none to spare. */
export function usableRange(c: Cidr): { first: number; last: number } {
  if (c.prefix >= 31) return { first: c.network, last: broadcast(c) };
  return { first: c.network + 1, last: broadcast(c) - 1 };
}

/** Network or broadcast address that `usableRange` excludes, if `ip` is one. */
export function reservedRole(c: Cidr, ip: number): 'network' | 'broadcast' | null {
  if (c.prefix >= 31) return null;
  if (ip === c.network) return 'network';
  if (ip === broadcast(c)) return 'broadcast';
  return null;
}

// A one-line hint when someone passes IPv6, which Berth does not allocate.
const describeFamily = (text: string): string => (text.includes(':') ? 'only IPv4 is supported: ' : '');
