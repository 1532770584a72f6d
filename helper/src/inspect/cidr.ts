// Address arithmetic on bigints so IPv4 and IPv6 share one code path.
export interface Prefix {
  v6: boolean;
  base: bigint; // network address (host bits cleared)
  len: number;
}

export function parseIp(s: string): { v6: boolean; n: bigint } | null {
  if (s.includes(':')) return parseV6(s);
  const p = s.split('.');
  if (p.length !== 4) return null;
  let n = 0n;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return null;
    n = (n << 8n) | BigInt(Number(x));
  }
  return { v6: false, n };
}

function parseV6(s: string): { v6: boolean; n: bigint } | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  // an embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups
  const last = tail.length ? tail : head;
  if (last.length && last[last.length - 1].includes('.')) {
    const v4 = parseIp(last.pop() as string);
    if (!v4 || v4.v6) return null;
    last.push((v4.n >> 16n).toString(16), (v4.n & 0xffffn).toString(16));
  }
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...Array(fill).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return { v6: true, n };
}

// "10.0.0.0/8", "10.0.0.1" (a host prefix), "0/0" as iptables-save writes it.
export function parsePrefix(s: string): Prefix | null {
  const [addr, lenStr] = s.split('/');
  if (addr === '0' && lenStr === '0') return { v6: false, base: 0n, len: 0 };
  const ip = parseIp(addr);
  if (!ip) return null;
  const bits = ip.v6 ? 128 : 32;
  let len = bits;
  if (lenStr !== undefined) {
    if (/^\d+$/.test(lenStr)) len = Number(lenStr);
    else {
      // iptables-save prints non-contiguous masks as dotted quads; treat as contiguous
      const m = parseIp(lenStr);
      if (!m) return null;
      len = m.n.toString(2).replace(/0+$/, '').length;
    }
  }
  if (len > bits) return null;
  const mask = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(bits - len);
  return { v6: ip.v6, base: ip.n & mask, len };
}

export function contains(p: Prefix, ip: { v6: boolean; n: bigint }): boolean {
  if (p.v6 !== ip.v6) return false;
  const bits = p.v6 ? 128 : 32;
  const shift = BigInt(bits - p.len);
  return ip.n >> shift === p.base >> shift;
}

// Two prefixes overlap when either contains the other's network address.
export function overlaps(a: Prefix, b: Prefix): boolean {
  return contains(a, { v6: b.v6, n: b.base }) || contains(b, { v6: a.v6, n: a.base });
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10']
  .map((s) => parsePrefix(s) as Prefix);
export const isPrivate = (ip: { v6: boolean; n: bigint }) => PRIVATE.some((p) => contains(p, ip));
