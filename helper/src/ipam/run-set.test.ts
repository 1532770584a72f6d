import { describe, expect, it } from 'vitest';
import { RunSet } from './run-set';

describe('RunSet', () => {
  it('adds, merges adjacent members into one run, and reports duplicates', () => {
    const s = new RunSet();
    expect(s.add(5n)).toBe(true);
    expect(s.add(7n)).toBe(true);
    expect(s.runCount).toBe(2);
    expect(s.add(6n)).toBe(true); // bridges 5 and 7
    expect(s.runCount).toBe(1);
    expect(s.add(6n)).toBe(false);
    expect(s.add(4n)).toBe(true);
    expect(s.add(8n)).toBe(true);
    expect(s.runCount).toBe(1);
    expect(s.size).toBe(5);
    expect([...s.values()]).toEqual([4n, 5n, 6n, 7n, 8n]);
  });

  it('deletes from the start, end and middle of a run', () => {
    const s = new RunSet();
    for (let i = 1n; i <= 10n; i++) s.add(i);
    expect(s.delete(1n)).toBe(true);
    expect(s.delete(10n)).toBe(true);
    expect(s.delete(5n)).toBe(true);
    expect(s.delete(5n)).toBe(false);
    expect(s.delete(42n)).toBe(false);
    expect(s.runCount).toBe(2);
    expect([...s.values()]).toEqual([2n, 3n, 4n, 6n, 7n, 8n, 9n]);
    expect(s.has(5n)).toBe(false);
    expect(s.has(6n)).toBe(true);
    s.delete(2n);
    s.delete(3n);
    s.delete(4n);
    expect(s.runCount).toBe(1);
    expect(s.size).toBe(4);
  });

  it('lowestFree finds the first gap within bounds', () => {
    const s = new RunSet();
    expect(s.lowestFree(1n, 10n)).toBe(1n);
    for (const n of [1n, 2n, 3n, 5n]) s.add(n);
    expect(s.lowestFree(1n, 10n)).toBe(4n);
    expect(s.lowestFree(5n, 10n)).toBe(6n);
    expect(s.lowestFree(0n, 10n)).toBe(0n);
    expect(s.lowestFree(1n, 3n)).toBeNull();
    expect(s.lowestFree(5n, 5n)).toBeNull();
    expect(s.lowestFree(7n, 6n)).toBeNull();
  });

  it('agrees with a naive set under random operations', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const s = new RunSet();
    const ref = new Set<bigint>();
    for (let step = 0; step < 5000; step++) {
      const n = BigInt(rnd(200));
      if (rnd(3) === 0) expect(s.delete(n)).toBe(ref.delete(n));
      else {
        const fresh = !ref.has(n);
        ref.add(n);
        expect(s.add(n)).toBe(fresh);
      }
      if (step % 50 === 0) {
        const lo = BigInt(rnd(200));
        let want: bigint | null = null;
        for (let k = lo; k < 200n && want === null; k++) if (!ref.has(k)) want = k;
        expect(s.lowestFree(lo, 199n)).toBe(want);
      }
    }
    expect(s.size).toBe(ref.size);
    expect([...s.values()]).toEqual([...ref].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});
