// Predefined address pools and the first-fit search through them.
import { invalid } from '../../../src/shared/errors';
import { type Cidr, blockSize, broadcast, cidrOverlaps, formatCidr, parseCidr } from './cidr';

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

export interface Pool {
  base: Cidr;
  size: number;
}

/** Validates pool specs the way the daemon's `default-address-pools` does. */
export function compilePools(specs: PoolSpec[]): Pool[] {
  return specs.map((s) => {
    const base = parseCidr(s.base);
    if (!Number.isInteger(s.size) || s.size < base.prefix || s.size > 32) {
      throw invalid(`invalid pool size ${s.size} for base ${s.base}: must be between ${base.prefix} and 32`);
    }
    return { base, size: s.size };
  });
}

/**
 * Lowest subnet, in pool order, that overlaps none of `blockers`
 * (Docker v27+ first-fit, so a freed subnet is reused at once). Pools such as
 * 10.0.0.0/8 split into /24 have 65 536 candidates, so instead of testing
 * each one the search jumps past whatever blocks the current candidate.
 */
export function firstFreeSubnet(pools: Pool[], blockers: Cidr[]): Cidr | null {
  for (const pool of pools) {
    const step = blockSize(pool.size);
    const end = broadcast(pool.base);
    let candidate = pool.base.network;
    while (candidate <= end) {
      const c: Cidr = { network: candidate, prefix: pool.size };
      let blockedUntil = -1;
      for (const b of blockers) {
        if (cidrOverlaps(b, c)) blockedUntil = Math.max(blockedUntil, broadcast(b));
      }
      if (blockedUntil < 0) return c;
      // Next step-aligned candidate after the blocker's last address; a
      // blocker smaller than a step still costs the whole candidate.
      const next = Math.max(candidate + step, alignUp(blockedUntil + 1, pool.base.network, step));
      candidate = next;
    }
  }
  return null;
}

const alignUp = (n: number, origin: number, step: number): number => origin + Math.ceil((n - origin) / step) * step;

/** Every candidate subnet of the pools, in order; for display and tests. */
export function listCandidates(pools: Pool[], limit = 1024): string[] {
  const out: string[] = [];
  for (const pool of pools) {
    const step = blockSize(pool.size);
    for (let n = pool.base.network; n <= broadcast(pool.base) && out.length < limit; n += step) {
      out.push(formatCidr({ network: n, prefix: pool.size }));
    }
  }
  return out;
}
