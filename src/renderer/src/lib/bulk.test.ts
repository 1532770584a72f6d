import { describe, expect, it } from 'vitest';
import { runEach } from './bulk';

describe('runEach', () => {
  it('calls once per name in order and names each failure', async () => {
    const seen: string[] = [];
    const steps: number[] = [];
    const r = await runEach(['a', 'b', 'c'], async (n) => {
      seen.push(n);
      if (n === 'b') throw new Error('b is busy');
    }, (d) => steps.push(d));
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(steps).toEqual([1, 2, 3]);
    expect(r).toEqual({ done: ['a', 'c'], failed: [{ name: 'b', error: 'b is busy' }] });
  });
});
