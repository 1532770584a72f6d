// IPv4 and IPv6 addresses and prefixes: the one parser, formatter and
// arithmetic of the helper (IPAM, firewall, inspect, cleanup) and the GUI.
// An address is a bigint (exact for 128 bits) plus its family, so both
// families share every code path. Pure: no node imports, so the renderer
// bundles it too.
import { invalid } from './errors';

export interface Addr {
  v6: boolean;
  n: bigint;
}
export interface Cidr {
  v6: boolean;
  base: bigint; // network address, host bits cleared
  len: number; // prefix length
}

export const bitsOf = (v6: boolean) => (v6 ? 128 : 32);

// Dotted quad. Leading zeros are refused (as Go's net.ParseIP does):
// "010" is octal to some tools. Read by character codes into a number, one
// BigInt at the end: the helper parses every address of tens of thousands
// of firewall rules (docs/cleanup.md).
function parseV4(s: string): bigint | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39 || (digits > 0 && part === 0)) return null; // not a digit, or after a leading 0
    part = part * 10 + (c - 0x30);
    digits++;
    if (part > 255) return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return BigInt(n * 256 + part);
}

function parseV6(s: string): bigint | null {
  let text = s;
  const dot = text.lastIndexOf(':');
  // an embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups
  if (dot >= 0 && text.slice(dot + 1).includes('.')) {
    const v4 = parseV4(text.slice(dot + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, dot + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (halves.length === 2 ? fill < 1 : head.length !== 8) return null;
  let n = 0n;
  for (const g of [...head, ...Array<string>(fill).fill('0'), ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** An address, or null when `text` is not exactly one (no brackets, zones or spaces). */
export function tryParseAddr(text: string): Addr | null {
  if (text.includes(':')) {
    const n = parseV6(text);
    return n === null ? null : { v6: true, n };
  }
  const n = parseV4(text);
  return n === null ? null : { v6: false, n };
}

export function parseAddr(text: string): Addr {
  const a = tryParseAddr(text.trim());
  if (!a) throw invalid(`invalid IP address: ${text}`);
  return a;
}

export const isIp = (text: string) => tryParseAddr(text) !== null;
export const isIPv4 = (text: string) => tryParseAddr(text)?.v6 === false;
export const isIPv6 = (text: string) => tryParseAddr(text)?.v6 === true;

// IPv6 as RFC 5952 (and Go's net.IP) prints it: lowercase, leading zeros
// dropped, the longest run of two or more zero groups (the first on a tie)
// as "::"; an IPv4-mapped address keeps its dotted tail.
export function formatAddr(a: Addr): string {
  if (!a.v6) return [24n, 16n, 8n, 0n].map((s) => ((a.n >> s) & 0xffn).toString()).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((a.n >> BigInt(112 - 16 * i)) & 0xffffn));
  if (a.n >> 32n === 0xffffn) return `::ffff:${formatAddr({ v6: false, n: a.n & 0xffffffffn })}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Canonical spelling of an address ('0:0::1' -> '::1'), or undefined. */
export const canonicalAddr = (text: string): string | undefined => {
  const a = tryParseAddr(text);
  return a ? formatAddr(a) : undefined;
};

// one BigInt per family and length, made on first use
const masks: bigint[][] = [[], []];
const mask = (v6: boolean, len: number): bigint => {
  const known = masks[v6 ? 1 : 0][len];
  if (known !== undefined) return known;
  const bits = bitsOf(v6);
  return (masks[v6 ? 1 : 0][len] = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(bits - len));
};

/** Number of addresses in a prefix. */
export const blockSize = (c: { v6: boolean; len: number }): bigint => 1n << BigInt(bitsOf(c.v6) - c.len);
/** The prefix's last address (IPv4: broadcast). */
export const lastAddr = (c: Cidr): bigint => c.base + blockSize(c) - 1n;

export const makeCidr = (a: Addr, len: number): Cidr => ({ v6: a.v6, base: a.n & mask(a.v6, len), len });
export const hostCidr = (a: Addr): Cidr => makeCidr(a, bitsOf(a.v6));

/** "addr/len" with host bits cleared (10.1.0.5/24 -> 10.1.0.0/24), or null. */
export function tryParseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const a = tryParseAddr(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!a || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return null;
  const len = Number(lenText);
  return len > bitsOf(a.v6) ? null : makeCidr(a, len);
}

export function parseCidr(text: string): Cidr {
  const c = tryParseCidr(text.trim());
  if (!c) throw invalid(`invalid CIDR address: ${text}`);
  return c;
}

export const isCidr = (text: string) => tryParseCidr(text) !== null;

/** A prefix as tools print one: "addr/len", a bare address (a host
 * prefix), a zone suffix (fe80::1%eth0), iptables' "0/0" and dotted masks
 * ("10.0.0.0/255.0.0.0", taken as contiguous). Null when none of those. */
export function parseToolPrefix(text: string): Cidr | null {
  const [addrText, lenText] = text.split('/');
  if (addrText === '0' && lenText === '0') return { v6: false, base: 0n, len: 0 };
  const a = tryParseAddr(addrText.includes('%') ? addrText.replace(/%.*$/, '') : addrText);
  if (!a) return null;
  if (lenText === undefined) return hostCidr(a);
  if (/^\d{1,3}$/.test(lenText)) return Number(lenText) > bitsOf(a.v6) ? null : makeCidr(a, Number(lenText));
  const m = tryParseAddr(lenText);
  if (!m || m.v6 !== a.v6) return null;
  return makeCidr(a, m.n.toString(2).replace(/0+$/, '').length);
}

export const formatCidr = (c: Cidr): string => `${formatAddr({ v6: c.v6, n: c.base })}/${c.len}`;
export const normalizeCidr = (text: string): string => formatCidr(parseCidr(text));

export function cidrContains(c: Cidr, a: Addr): boolean {
  if (c.v6 !== a.v6) return false;
  return (a.n & mask(c.v6, c.len)) === c.base;
}
/** `inner` lies wholly inside `outer`. */
export const cidrWithin = (inner: Cidr, outer: Cidr): boolean =>
  inner.len >= outer.len && cidrContains(outer, { v6: inner.v6, n: inner.base });
// Prefixes nest or are disjoint: one containing the other's base is the whole test.
export const cidrOverlaps = (a: Cidr, b: Cidr): boolean =>
  cidrContains(a, { v6: b.v6, n: b.base }) || cidrContains(b, { v6: a.v6, n: a.base });

// String forms for callers that hold text (GUI validation, tests).
export const overlaps = (a: string, b: string): boolean => cidrOverlaps(parseCidr(a), parseCidr(b));
export const contains = (cidr: string, ip: string): boolean => cidrContains(parseCidr(cidr), parseAddr(ip));

/** Addresses a subnet can hand out: IPv4 keeps network and broadcast back
 * (except /31, RFC 3021, and /32); IPv6 keeps the subnet-router anycast
 * address (the ::0 of the prefix, RFC 4291) except on /127 and /128. */
export function usableRange(c: Cidr): { first: bigint; last: bigint } {
  const last = lastAddr(c);
  if (c.len >= bitsOf(c.v6) - 1) return { first: c.base, last };
  return { first: c.base + 1n, last: c.v6 ? last : last - 1n };
}

/** Network or broadcast (IPv6: anycast) address that `usableRange` leaves out, if `a` is one. */
export function reservedRole(c: Cidr, a: Addr): 'network' | 'broadcast' | 'subnet-router anycast' | null {
  if (c.len >= bitsOf(c.v6) - 1) return null;
  if (a.n === c.base) return c.v6 ? 'subnet-router anycast' : 'network';
  if (!c.v6 && a.n === lastAddr(c)) return 'broadcast';
  return null;
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'].map(parseCidr);
/** RFC 1918, CGNAT, link-local, ULA: space a tool or LAN picks for itself. */
export const isPrivate = (a: Addr) => PRIVATE.some((p) => cidrContains(p, a));

// Host addresses as the port code compares them (publish, allocate, bind):
// one canonical spelling per address, so '0:0::1' and '::1' are the same
// allocator key.

export const IPV4_ANY = '0.0.0.0';
export const IPV6_ANY = '::';

export type IpFamily = 4 | 6;

/** Canonical form of an address as a user or Docker writes a host IP
 * (brackets accepted and dropped; zones refused), or undefined. */
export const normalizeIp = (raw: string): string | undefined => {
  const hit = normalized.get(raw);
  if (hit !== undefined) return hit;
  const ip = canonicalAddr(raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw);
  if (ip === undefined) return undefined;
  if (normalized.size >= 64) normalized.clear();
  normalized.set(raw, ip);
  return ip;
};
// Published ports' host addresses are few and each is asked for per port and
// step (spec, reservation, allocation, rules, release: formatAddr works in
// BigInts, ~4 % of the helper's CPU in a 50-port run + rm): kept, at most 64.
const normalized = new Map<string, string>();

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
export const joinHostPort = (ip: string, port: number | string) => (ipFamily(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`);
