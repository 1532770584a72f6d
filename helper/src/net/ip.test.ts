import { describe, expect, it } from 'vitest';
import { hostIpsOverlap, joinHostPort, normalizeIp } from './ip';

describe('ip helpers', () => {
  it('normalizes addresses to one spelling', () => {
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeIp('[0:0:0:0:0:0:0:1]')).toBe('::1');
    expect(normalizeIp('FE80::0001')).toBe('fe80::1');
    expect(normalizeIp('::FFFF:1.2.3.4')).toBe('::ffff:1.2.3.4');
    for (const bad of ['', '1.2.3', '010.0.0.1', 'fe80::1%eth0', 'localhost', '[10.0.0.1']) expect(normalizeIp(bad)).toBeUndefined();
  });
  it('overlaps wildcards within one family only', () => {
    expect(hostIpsOverlap('0.0.0.0', '10.0.0.1')).toBe(true);
    expect(hostIpsOverlap('10.0.0.1', '10.0.0.1')).toBe(true);
    expect(hostIpsOverlap('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(hostIpsOverlap('::', '::1')).toBe(true);
    expect(hostIpsOverlap('::', '0.0.0.0')).toBe(false);
  });
  it('joins host and port like Go', () => {
    expect(joinHostPort('::', 80)).toBe('[::]:80');
    expect(joinHostPort('1.2.3.4', '80-81')).toBe('1.2.3.4:80-81');
  });
});
