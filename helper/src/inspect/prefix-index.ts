import { cidrContains, type Cidr } from '../../../src/shared/ip';

type Ip = { v6: boolean; n: bigint };

// Lookups the cleanup plan makes once per rule, in O(log n) or O(distinct
// prefix lengths) instead of a scan over every address or subnet of the host:
// at 10,000 rules and thousands of addresses a scan per rule is the whole cost.

// Prefixes grouped by family and length: "which of them holds this address"
// masks the address once per length present (a handful) and asks a Map.
// The longest prefix wins; among equal ones, the first given.
export class PrefixMap<T> {
  private byLen: { v6: boolean; shift: bigint; values: Map<bigint, T> }[] = [];

  constructor(entries: [Cidr, T][]) {
    const groups = new Map<string, { v6: boolean; len: number; shift: bigint; values: Map<bigint, T> }>();
    for (const [p, value] of entries) {
      const k = `${p.v6 ? 6 : 4}/${p.len}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { v6: p.v6, len: p.len, shift: BigInt((p.v6 ? 128 : 32) - p.len), values: new Map() }));
      if (!g.values.has(p.base)) g.values.set(p.base, value);
    }
    this.byLen = [...groups.values()].sort((a, b) => b.len - a.len);
  }

  get(ip: Ip): T | undefined {
    for (const g of this.byLen) {
      if (g.v6 !== ip.v6) continue;
      const hit = g.values.get((ip.n >> g.shift) << g.shift);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

export class PrefixSet {
  private map: PrefixMap<true>;
  constructor(prefixes: Cidr[]) {
    this.map = new PrefixMap(prefixes.map((p) => [p, true]));
  }
  has(ip: Ip): boolean {
    return this.map.get(ip) === true;
  }
}

// Addresses sorted per family: "does any fall inside this prefix" is one binary search.
export class AddressSet {
  private sorted: { v4: bigint[]; v6: bigint[] };

  constructor(ips: Ip[]) {
    const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    this.sorted = {
      v4: ips.filter((i) => !i.v6).map((i) => i.n).sort(cmp),
      v6: ips.filter((i) => i.v6).map((i) => i.n).sort(cmp),
    };
  }

  anyIn(p: Cidr): boolean {
    const list = p.v6 ? this.sorted.v6 : this.sorted.v4;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] < p.base) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.length && cidrContains(p, { v6: p.v6, n: list[lo] });
  }
}
