import { describe, expect, it } from 'vitest';
import { firstByKey, MatchByPlace, positionOf } from './match-by-place';

type Item = { key: string; n: number } | null;
const item = (key: string, n = 0): Item => ({ key, n });

// a matcher over `items` by key that counts the indexes it made
function matcher(items: Item[]) {
  let made = 0;
  const byKey = firstByKey((i: Item) => i?.key);
  const m = new MatchByPlace(items, (all) => (made++, byKey(all)));
  const find = (k: number, key: string) => m.find(k, (i) => i?.key === key, () => positionOf(m.indexed(), key));
  return { m, find, made: () => made };
}

describe('MatchByPlace: a new reading matched to the last, by place, else by index', () => {
  it('finds a reading like the last one at its places and makes no index', () => {
    const { find, made } = matcher([item('a'), item('b'), item('c')]);
    expect(['a', 'b', 'c'].map((key, k) => find(k, key))).toEqual([0, 1, 2]);
    expect(made()).toBe(0);
  });

  it('looks an item not at its place up by key, with an index made once', () => {
    const { find, made } = matcher([item('a'), item('b'), item('c')]);
    // 'x' inserted before b: b and c stand one place later than they stood
    expect(['a', 'x', 'b', 'c'].map((key, k) => find(k, key))).toEqual([0, -1, 1, 2]);
    expect(made()).toBe(1);
  });

  it('finds the first item of a key, and never an item whose key is undefined', () => {
    const { m, find } = matcher([item('a', 1), null, item('b'), item('a', 2)]);
    expect(find(1, 'a')).toBe(0);
    expect(find(3, 'a')).toBe(3); // at its place: that one
    expect(m.indexed().size).toBe(2);
  });

  it('asks the index only when the lookup does', () => {
    const { m, made } = matcher([item('a'), item('b')]);
    expect(m.find(1, (i) => i?.key === 'z', () => -1)).toBe(-1);
    expect(m.find(5, () => true, () => -1)).toBe(-1); // no item at that place
    expect(made()).toBe(0);
  });

  it('answers nowhere over no items', () => {
    const { find, made } = matcher([]);
    expect(find(0, 'a')).toBe(-1);
    expect(made()).toBe(1);
  });

  it('takes any index its user makes (here: by two keys)', () => {
    const rows = [{ t: 'nat', s: 'x' }, { t: 'filter', s: 'x' }];
    const m = new MatchByPlace(rows, (all) => new Map(all.map((r, i) => [`${r.t} ${r.s}`, i])));
    expect(m.find(0, (r) => r.t === 'filter', () => m.indexed().get('filter x') ?? -1)).toBe(1);
  });
});
