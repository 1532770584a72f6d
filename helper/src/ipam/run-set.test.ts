import { describe, expect, it } from 'vitest';
import { RunSet } from './run-set';

describe('RunSet', () => {
  it('adds, merges adjacent members into one run, and reports duplicates', () => {
    const s = new RunSet();
    expect(s.add(5)).toBe(true);
    expect(s.add(7)).toBe(true);
    expect(s.runCount).toBe(2);
    expect(s.add(6)).toBe(true); // bridges 5 and 7
    expect(s.runCount).toBe(1);
    expect(s.add(6)).toBe(false);
    expect(s.add(4)).toBe(true);
    expect(s.add(8)).toBe(true);
    expect(s.runCount).toBe(1);
    expect(s.size).toBe(5);
    expect([...s.values()]).toEqual([4, 5, 6, 7, 8]);
  });

  it('deletes from the start, end and middle of a run', () => {
    const s = new RunSet();
    for (let i = 1; i <= 10; i++) s.add(i);
    expect(s.delete(1)).toBe(true);
    expect(s.delete(10)).toBe(true);
    expect(s.delete(5)).toBe(true);
    expect(s.delete(5)).toBe(false);
    expect(s.delete(42)).toBe(false);
    expect(s.runCount).toBe(2);
    expect([...s.values()]).toEqual([2, 3, 4, 6, 7, 8, 9]);
    expect(s.has(5)).toBe(false);
    expect(s.has(6)).toBe(true);
    s.delete(2);
    s.delete(3);
    s.delete(4);
    expect(s.runCount).toBe(1);
    expect(s.size).toBe(4);
  });

  it('lowestFree finds the first gap within bounds', () => {
    const s = new RunSet();
    expect(s.lowestFree(1, 10)).toBe(1);
    for (const n of [1, 2, 3, 5]) s.add(n);
    expect(s.lowestFree(1, 10)).toBe(4);
    expect(s.lowestFree(5, 10)).toBe(6);
    expect(s.lowestFree(0, 10)).toBe(0);
    expect(s.lowestFree(1, 3)).toBeNull();
    expect(s.lowestFree(5, 5)).toBeNull();
    expect(s.lowestFree(7, 6)).toBeNull();
  });

  it('agrees with a naive set under random operations', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const s = new RunSet();
    const ref = new Set<number>();
    for (let step = 0; step < 5000; step++) {
      const n = rnd(200);
      if (rnd(3) === 0) expect(s.delete(n)).toBe(ref.delete(n));
      else {
        const fresh = !ref.has(n);
        ref.add(n);
        expect(s.add(n)).toBe(fresh);
      }
      if (step % 50 === 0) {
        const lo = rnd(200);
        let want: number | null = null;
        for (let k = lo; k < 200 && want === null; k++) if (!ref.has(k)) want = k;
        expect(s.lowestFree(lo, 199)).toBe(want);
      }
    }
    expect(s.size).toBe(ref.size);
    expect([...s.values()]).toEqual([...ref].sort((a, b) => a - b));
  });
});
