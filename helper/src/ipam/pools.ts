// Predefined address pools and the first-fit search through them.
import { createHash } from 'node:crypto';
import { invalid } from '../../../src/shared/errors';
import { type Cidr, bitsOf, blockSize, cidrOverlaps, formatCidr, lastAddr, normalizeCidr, parseCidr } from '../../../src/shared/ip';

export interface PoolSpec {
  base: string;
  size: number;
}

// Docker's local-scope defaults (libnetwork/ipamutils): 172.17–172.31 as
// fifteen /16s, then 192.168.0.0/16 cut into sixteen /20s.
export const DEFAULT_POOLS: PoolSpec[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

// Docker 27+ with no IPv6 pool configured (daemon.go deriveULABaseNetwork):
// a ULA /48, fd + 40 bits of sha256(host id), cut into /64s. The same host
// gets the same prefix on every start.
export function ulaPool(hostId: string): PoolSpec {
  const h = createHash('sha256').update(hostId).digest();
  const hex = [h[0], h[1], h[2], h[3], h[4]].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { base: normalizeCidr(`fd${hex.slice(0, 2)}:${hex.slice(2, 6)}:${hex.slice(6, 10)}::/48`), size: 64 };
}

export interface Pool {
  base: Cidr;
  size: number;
}

/** Validates pool specs the way the daemon's `default-address-pools` does. */
export function compilePools(specs: PoolSpec[]): Pool[] {
  return specs.map((s) => {
    const base = parseCidr(s.base);
    const bits = bitsOf(base.v6);
    if (!Number.isInteger(s.size) || s.size < base.len || s.size > bits) {
      throw invalid(`invalid pool size ${s.size} for base ${s.base}: must be between ${base.len} and ${bits}`);
    }
    return { base, size: s.size };
  });
}

/**
 * Lowest subnet of one family, in pool order, that overlaps none of
 * `blockers` (Docker v27+ first-fit, so a freed subnet is reused at once).
 * Pools such as 10.0.0.0/8 split into /24 (or a /48 into /64s) have 65 536
 * candidates, so instead of testing each one the search jumps past
 * whatever blocks the current candidate.
 */
export function firstFreeSubnet(pools: Pool[], blockers: Cidr[], v6 = false): Cidr | null {
  for (const pool of pools.filter((p) => p.base.v6 === v6)) {
    const step = blockSize({ v6, len: pool.size });
    const end = lastAddr(pool.base);
    const sameFamily = blockers.filter((b) => b.v6 === v6);
    for (let candidate = pool.base.base; candidate <= end; ) {
      const c: Cidr = { v6, base: candidate, len: pool.size };
      let blockedUntil = -1n;
      for (const b of sameFamily) if (cidrOverlaps(b, c) && lastAddr(b) > blockedUntil) blockedUntil = lastAddr(b);
      if (blockedUntil < 0n) return c;
      // Next step-aligned candidate after the blocker's last address; a
      // blocker smaller than a step still costs the whole candidate.
      const aligned = pool.base.base + ((blockedUntil + 1n - pool.base.base + step - 1n) / step) * step;
      candidate = aligned > candidate + step ? aligned : candidate + step;
    }
  }
  return null;
}

/** Every candidate subnet of the pools, in order; for display and tests. */
export function listCandidates(pools: Pool[], limit = 1024): string[] {
  const out: string[] = [];
  for (const pool of pools) {
    const step = blockSize({ v6: pool.base.v6, len: pool.size });
    for (let n = pool.base.base; n <= lastAddr(pool.base) && out.length < limit; n += step) {
      out.push(formatCidr({ v6: pool.base.v6, base: n, len: pool.size }));
    }
  }
  return out;
}

