import { describe, expect, it } from 'vitest';
import { BerthError } from './errors';
import {
  canonicalAddr,
  cidrWithin,
  contains,
  formatAddr,
  formatCidr,
  hostIpsOverlap,
  isPrivate,
  joinHostPort,
  lastAddr,
  normalizeCidr,
  normalizeIp,
  overlaps,
  parseAddr,
  parseCidr,
  parseToolPrefix,
  reservedRole,
  tryParseAddr,
  tryParseCidr,
  usableRange,
} from './ip';

const fmt = (v6: boolean, n: bigint) => formatAddr({ v6, n });

describe('addresses', () => {
  it('round-trips IPv4 including the top address', () => {
    for (const s of ['0.0.0.0', '1.2.3.4', '10.0.0.1', '172.17.0.2', '255.255.255.255']) expect(formatAddr(parseAddr(s))).toBe(s);
    expect(parseAddr('255.255.255.255').n).toBe(2n ** 32n - 1n);
  });

  it('refuses malformed IPv4 (leading zeros too, as Go does) with invalid_argument', () => {
    for (const s of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', 'a.b.c.d', '01.2.3.4', '1..2.3', ' 1.2.3.4x']) expect(tryParseAddr(s)).toBeNull();
    try {
      parseAddr('nope');
      expect.unreachable();
    } catch (e) {
      expect((e as BerthError).kind).toBe('invalid_argument');
      expect((e as BerthError).message).toBe('invalid IP address: nope');
    }
  });

  it('parses IPv6 in every spelling and prints it as RFC 5952 does', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['FD00:0:0:0::0001', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group stays
      ['fe80::1:2', 'fe80::1:2'],
      ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ];
    for (const [input, want] of cases) expect(canonicalAddr(input)).toBe(want);
    for (const s of [':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3', 'fd00::g', '12345::', 'fe80::1%eth0', '[::1]', '::ffff:1.2.3']) expect(tryParseAddr(s)).toBeNull();
  });
});

describe('prefixes', () => {
  it('normalise host bits away in both families', () => {
    expect(normalizeCidr('10.1.0.5/24')).toBe('10.1.0.0/24');
    expect(normalizeCidr('10.1.2.3/0')).toBe('0.0.0.0/0');
    expect(normalizeCidr('255.255.255.255/1')).toBe('128.0.0.0/1');
    expect(normalizeCidr('fd00:1:2:3:4::5/64')).toBe('fd00:1:2:3::/64');
    expect(normalizeCidr('2001:DB8::1/128')).toBe('2001:db8::1/128');
  });

  it('refuse malformed prefixes, fd00::/200 among them', () => {
    for (const s of ['10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0/8', '/8', '10.0.0.0/8/8', 'fd00::/200', 'fd00::/129', 'fd00::']) {
      expect(tryParseCidr(s)).toBeNull();
    }
    expect(() => parseCidr('fd00::/200')).toThrow('invalid CIDR address: fd00::/200');
  });

  it('read tool output: bare hosts, zones, 0/0 and dotted masks', () => {
    expect(formatCidr(parseToolPrefix('10.8.0.1')!)).toBe('10.8.0.1/32');
    expect(formatCidr(parseToolPrefix('fe80::1%eth0')!)).toBe('fe80::1/128');
    expect(formatCidr(parseToolPrefix('0/0')!)).toBe('0.0.0.0/0');
    expect(formatCidr(parseToolPrefix('10.0.0.0/255.0.0.0')!)).toBe('10.0.0.0/8');
    expect(parseToolPrefix('default')).toBeNull();
  });

  it('overlap, containment and nesting never mix families', () => {
    expect(overlaps('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(overlaps('10.1.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(overlaps('10.1.0.0/24', '10.1.1.0/24')).toBe(false);
    expect(overlaps('fd00::/48', 'fd00:0:0:5::/64')).toBe(true);
    expect(overlaps('fd00:1::/64', 'fd00:2::/64')).toBe(false);
    expect(overlaps('0.0.0.0/0', '::/0')).toBe(false);
    expect(contains('10.1.0.0/24', '10.1.0.255')).toBe(true);
    expect(contains('0.0.0.0/0', '255.255.255.255')).toBe(true);
    expect(contains('fd00::/64', 'fd00::ffff:1')).toBe(true);
    expect(contains('fd00::/64', 'fd00:0:0:1::1')).toBe(false);
    expect(contains('::/0', '10.0.0.1')).toBe(false);
    expect(cidrWithin(parseCidr('10.1.2.0/24'), parseCidr('10.1.0.0/16'))).toBe(true);
    expect(cidrWithin(parseCidr('fd00::/48'), parseCidr('fd00::/64'))).toBe(false);
    expect(fmt(false, lastAddr(parseCidr('10.1.7.9/20')))).toBe('10.1.15.255');
    expect(fmt(true, lastAddr(parseCidr('fd00::/64')))).toBe('fd00::ffff:ffff:ffff:ffff');
  });

  it('usable range: IPv4 keeps network and broadcast back (not on /31, /32), IPv6 the anycast ::0', () => {
    const range = (c: string) => {
      const p = parseCidr(c);
      const r = usableRange(p);
      return [fmt(p.v6, r.first), fmt(p.v6, r.last)];
    };
    expect(range('10.1.0.0/24')).toEqual(['10.1.0.1', '10.1.0.254']);
    expect(range('10.1.0.0/31')).toEqual(['10.1.0.0', '10.1.0.1']);
    expect(range('10.1.0.7/32')).toEqual(['10.1.0.7', '10.1.0.7']);
    expect(range('fd00::/64')).toEqual(['fd00::1', 'fd00::ffff:ffff:ffff:ffff']);
    expect(range('fd00::/127')).toEqual(['fd00::', 'fd00::1']);
    const c = parseCidr('10.1.0.0/24');
    expect(reservedRole(c, parseAddr('10.1.0.0'))).toBe('network');
    expect(reservedRole(c, parseAddr('10.1.0.255'))).toBe('broadcast');
    expect(reservedRole(c, parseAddr('10.1.0.9'))).toBeNull();
    expect(reservedRole(parseCidr('fd00::/64'), parseAddr('fd00::'))).toBe('subnet-router anycast');
    expect(reservedRole(parseCidr('fd00::/64'), parseAddr('fd00::ffff:ffff:ffff:ffff'))).toBeNull();
  });

  it('private space: RFC 1918, CGNAT, link-local, ULA', () => {
    expect(isPrivate(parseAddr('172.20.1.1'))).toBe(true);
    expect(isPrivate(parseAddr('fd12::1'))).toBe(true);
    expect(isPrivate(parseAddr('8.8.8.8'))).toBe(false);
    expect(isPrivate(parseAddr('2001:db8::1'))).toBe(false);
  });
});

describe('host addresses (ports)', () => {
  it('normalizes a host IP to one spelling, brackets dropped, zones refused', () => {
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
