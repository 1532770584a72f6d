import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../shared/inspect';
import { applyParams, chosen, groupByKind, toggle, type Choices } from './cleanup-select';

const f = (id: string, owner: Finding['owner'], kind: Finding['kind'] = 'orphan-berth-rule'): Finding => ({
  id, kind, owner, reason: 'r', evidence: [], commands: [['true']], risk: owner === 'berth' ? 'safe' : 'foreign',
});
const none: Choices = { excluded: new Set(), included: new Set() };

describe('cleanup selection', () => {
  const list = [f('a', 'berth'), f('b', 'docker', 'dangling-nat-rule'), f('c', 'berth')];
  it('takes Berth-owned findings by default and no foreign one', () => {
    expect(chosen(list, none).map((x) => x.id)).toEqual(['a', 'c']);
    expect(applyParams(list, none)).toEqual({ ids: ['a', 'c'], includeForeign: false });
  });
  it('a foreign finding needs its own include, and then includeForeign is sent', () => {
    const c = toggle(none, list[1], true);
    expect(applyParams(list, c)).toEqual({ ids: ['a', 'b', 'c'], includeForeign: true });
    expect(applyParams(list, toggle(c, list[1], false)).includeForeign).toBe(false);
  });
  it('unticking a Berth finding leaves it out', () => {
    expect(applyParams(list, toggle(none, list[0], false)).ids).toEqual(['c']);
  });
  it('groups by kind in first-seen order', () => {
    expect(groupByKind(list).map(([k, xs]) => [k, xs.length])).toEqual([['orphan-berth-rule', 2], ['dangling-nat-rule', 1]]);
  });
});
