import { describe, expect, it } from 'vitest';
import { formatCidr, parseCidr } from '../../../src/shared/ip';
import { DEFAULT_POOLS, compilePools, firstFreeSubnet, listCandidates } from './pools';

const defaults = compilePools(DEFAULT_POOLS);
const fit = (blockers: string[]) => {
  const c = firstFreeSubnet(defaults, blockers.map(parseCidr));
  return c ? formatCidr(c) : null;
};

describe('default pools', () => {
  it('expand to 172.17–31 as /16 then 192.168 as sixteen /20s, in Docker order', () => {
    const all = listCandidates(defaults);
    expect(all).toHaveLength(31);
    expect(all.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`));
    expect(all.slice(15)).toEqual(Array.from({ length: 16 }, (_, i) => `192.168.${i * 16}.0/20`));
  });

  it('first fit skips blockers of any size', () => {
    expect(fit([])).toBe('172.17.0.0/16');
    expect(fit(['172.17.0.0/16'])).toBe('172.18.0.0/16');
    expect(fit(['172.17.5.0/24'])).toBe('172.18.0.0/16'); // a small route inside still blocks the /16
    expect(fit(['172.16.0.0/12'])).toBe('192.168.0.0/20'); // a big route blocks all of 172.x
    expect(fit(['172.17.0.0/16', '172.19.0.0/16'])).toBe('172.18.0.0/16');
    expect(fit(['172.16.0.0/12', '192.168.0.0/17'])).toBe('192.168.128.0/20');
    expect(fit(['172.16.0.0/12', '192.168.0.0/16'])).toBeNull();
  });

  it('skips past a large blocker in a big pool without stepping one candidate at a time', () => {
    const pools = compilePools([{ base: '10.0.0.0/8', size: 24 }]);
    const c = firstFreeSubnet(pools, [parseCidr('10.0.0.0/9'), parseCidr('10.128.0.0/24')]);
    expect(c && formatCidr(c)).toBe('10.128.1.0/24');
  });

  it('rejects pool sizes smaller than the base or beyond /32', () => {
    expect(() => compilePools([{ base: '10.0.0.0/16', size: 8 }])).toThrow(/invalid pool size 8/);
    expect(() => compilePools([{ base: '10.0.0.0/16', size: 33 }])).toThrow(/invalid pool size 33/);
    expect(() => compilePools([{ base: 'bad', size: 24 }])).toThrow(/invalid CIDR address/);
  });
});
