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

// One table per function: input → what it gives. A case is a row; a new
// spelling the code must read goes into its function's table.
const fmt = (v6: boolean, n: bigint) => formatAddr({ v6, n });

describe('addresses', () => {
  it.each(['0.0.0.0', '1.2.3.4', '10.0.0.1', '172.17.0.2', '255.255.255.255'])('IPv4 %s round-trips', (s) => {
    expect(formatAddr(parseAddr(s))).toBe(s);
  });
  it('the top IPv4 address is 2^32 - 1', () => expect(parseAddr('255.255.255.255').n).toBe(2n ** 32n - 1n));

  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FD00:0:0:0::0001', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group stays
    ['fe80::1:2', 'fe80::1:2'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('IPv6 %s prints as RFC 5952 does: %s', (input, want) => {
    expect(canonicalAddr(input)).toBe(want);
  });

  it.each([
    // IPv4, leading zeros too (as Go refuses them)
    '', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', 'a.b.c.d', '01.2.3.4', '1..2.3', ' 1.2.3.4x',
    // IPv6
    ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3', 'fd00::g', '12345::', 'fe80::1%eth0', '[::1]', '::ffff:1.2.3',
  ])('%j is not an address', (s) => {
    expect(tryParseAddr(s)).toBeNull();
  });

  it('parseAddr refuses with invalid_argument', () => {
    expect(() => parseAddr('nope')).toThrow(expect.objectContaining({ kind: 'invalid_argument', message: 'invalid IP address: nope' }));
    expect(() => parseAddr('nope')).toThrow(BerthError);
  });
});

describe('prefixes', () => {
  it.each([
    ['10.1.0.5/24', '10.1.0.0/24'],
    ['10.1.2.3/0', '0.0.0.0/0'],
    ['255.255.255.255/1', '128.0.0.0/1'],
    ['fd00:1:2:3:4::5/64', 'fd00:1:2:3::/64'],
    ['2001:DB8::1/128', '2001:db8::1/128'],
  ])('normalizeCidr(%s) drops host bits: %s', (input, want) => {
    expect(normalizeCidr(input)).toBe(want);
  });

  it.each(['10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0/8', '/8', '10.0.0.0/8/8', 'fd00::/200', 'fd00::/129', 'fd00::'])(
    '%j is not a prefix',
    (s) => {
      expect(tryParseCidr(s)).toBeNull();
    },
  );
  it('parseCidr refuses with the prefix in the message', () => expect(() => parseCidr('fd00::/200')).toThrow('invalid CIDR address: fd00::/200'));

  it.each([
    ['10.8.0.1', '10.8.0.1/32'], // a bare host
    ['fe80::1%eth0', 'fe80::1/128'], // a zone
    ['0/0', '0.0.0.0/0'],
    ['10.0.0.0/255.0.0.0', '10.0.0.0/8'], // a dotted mask
    ['default', null],
  ])('tool output %s reads as %s', (input, want) => {
    const p = parseToolPrefix(input);
    expect(p && formatCidr(p)).toBe(want);
  });

  it.each([
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.1.0.0/24', '10.1.1.0/24', false],
    ['fd00::/48', 'fd00:0:0:5::/64', true],
    ['fd00:1::/64', 'fd00:2::/64', false],
    ['0.0.0.0/0', '::/0', false], // never across families
  ])('overlaps(%s, %s) = %s', (a, b, want) => {
    expect(overlaps(a, b)).toBe(want);
  });

  it.each([
    ['10.1.0.0/24', '10.1.0.255', true],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['fd00::/64', 'fd00::ffff:1', true],
    ['fd00::/64', 'fd00:0:0:1::1', false],
    ['::/0', '10.0.0.1', false],
  ])('contains(%s, %s) = %s', (cidr, ip, want) => {
    expect(contains(cidr, ip)).toBe(want);
  });

  it.each([
    ['10.1.2.0/24', '10.1.0.0/16', true],
    ['fd00::/48', 'fd00::/64', false],
  ])('cidrWithin(%s, %s) = %s', (inner, outer, want) => {
    expect(cidrWithin(parseCidr(inner), parseCidr(outer))).toBe(want);
  });

  it.each([
    ['10.1.7.9/20', '10.1.15.255'],
    ['fd00::/64', 'fd00::ffff:ffff:ffff:ffff'],
  ])('the last address of %s is %s', (cidr, want) => {
    const p = parseCidr(cidr);
    expect(fmt(p.v6, lastAddr(p))).toBe(want);
  });

  // IPv4 keeps network and broadcast back (not on /31, /32), IPv6 the anycast ::0
  it.each([
    ['10.1.0.0/24', '10.1.0.1', '10.1.0.254'],
    ['10.1.0.0/31', '10.1.0.0', '10.1.0.1'],
    ['10.1.0.7/32', '10.1.0.7', '10.1.0.7'],
    ['fd00::/64', 'fd00::1', 'fd00::ffff:ffff:ffff:ffff'],
    ['fd00::/127', 'fd00::', 'fd00::1'],
  ])('the usable range of %s is %s - %s', (cidr, first, last) => {
    const p = parseCidr(cidr);
    const r = usableRange(p);
    expect([fmt(p.v6, r.first), fmt(p.v6, r.last)]).toEqual([first, last]);
  });

  it.each([
    ['10.1.0.0/24', '10.1.0.0', 'network'],
    ['10.1.0.0/24', '10.1.0.255', 'broadcast'],
    ['10.1.0.0/24', '10.1.0.9', null],
    ['fd00::/64', 'fd00::', 'subnet-router anycast'],
    ['fd00::/64', 'fd00::ffff:ffff:ffff:ffff', null],
  ])('in %s, %s is reserved as %s', (cidr, ip, want) => {
    expect(reservedRole(parseCidr(cidr), parseAddr(ip))).toBe(want);
  });

  it.each([
    ['172.20.1.1', true], // RFC 1918
    ['fd12::1', true], // ULA
    ['8.8.8.8', false],
    ['2001:db8::1', false],
  ])('%s is private: %s', (ip, want) => {
    expect(isPrivate(parseAddr(ip))).toBe(want);
  });
});

describe('host addresses (ports)', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['[0:0:0:0:0:0:0:1]', '::1'], // brackets dropped
    ['FE80::0001', 'fe80::1'],
    ['::FFFF:1.2.3.4', '::ffff:1.2.3.4'],
    // refused: zones among them
    ['', undefined],
    ['1.2.3', undefined],
    ['010.0.0.1', undefined],
    ['fe80::1%eth0', undefined],
    ['localhost', undefined],
    ['[10.0.0.1', undefined],
  ])('normalizeIp(%j) = %s', (input, want) => {
    expect(normalizeIp(input)).toBe(want);
  });

  it.each([
    ['0.0.0.0', '10.0.0.1', true],
    ['10.0.0.1', '10.0.0.1', true],
    ['10.0.0.1', '10.0.0.2', false],
    ['::', '::1', true],
    ['::', '0.0.0.0', false], // wildcards within one family only
  ])('hostIpsOverlap(%s, %s) = %s', (a, b, want) => {
    expect(hostIpsOverlap(a, b)).toBe(want);
  });

  it.each([
    ['::', 80, '[::]:80'],
    ['1.2.3.4', '80-81', '1.2.3.4:80-81'],
  ] as const)('joinHostPort(%s, %s) = %s as Go', (host, port, want) => {
    expect(joinHostPort(host, port)).toBe(want);
  });
});
