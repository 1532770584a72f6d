import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../src/shared/errors';
import {
  broadcastAddress,
  cidrWithin,
  contains,
  formatIp,
  networkAddress,
  normalizeCidr,
  overlaps,
  parseCidr,
  parseIp,
  parseRouteCidr,
  prefixLength,
  reservedRole,
  tryParseCidr,
  tryParseIp,
  usableRange,
} from './cidr';

describe('IPv4 parse/format', () => {
  it('round-trips the whole range including the top address', () => {
    for (const s of ['0.0.0.0', '1.2.3.4', '10.0.0.1', '172.17.0.2', '255.255.255.255']) {
      expect(formatIp(parseIp(s))).toBe(s);
    }
    expect(parseIp('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(parseIp('1.0.0.0')).toBe(16777216);
  });

  it('rejects malformed addresses with invalid_argument', () => {
    for (const s of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', 'a.b.c.d', '01.2.3.4', '1..2.3', ' 1.2.3.4x']) {
      expect(tryParseIp(s)).toBeNull();
    }
    expect(() => parseIp('300.1.1.1')).toThrow(BerthError);
    try {
      parseIp('nope');
    } catch (e) {
      expect((e as BerthError).kind).toBe('invalid_argument');
      expect((e as BerthError).message).toBe('invalid IP address: nope');
    }
  });

  it('names IPv6 as unsupported rather than merely malformed', () => {
    expect(() => parseIp('fe80::1')).toThrow(/only IPv4 is supported/);
    expect(() => parseCidr('fd00::/64')).toThrow(/only IPv4 is supported: invalid CIDR address: fd00::\/64/);
  });
});

describe('CIDR', () => {
  it('normalises host bits as Docker does (10.1.0.5/24 -> 10.1.0.0/24)', () => {
    expect(normalizeCidr('10.1.0.5/24')).toBe('10.1.0.0/24');
    expect(normalizeCidr('172.17.255.255/16')).toBe('172.17.0.0/16');
    expect(normalizeCidr('10.1.2.3/32')).toBe('10.1.2.3/32');
    expect(normalizeCidr('10.1.2.3/0')).toBe('0.0.0.0/0');
    expect(normalizeCidr('255.255.255.255/1')).toBe('128.0.0.0/1');
  });

  it('rejects malformed CIDRs', () => {
    for (const s of ['10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0/8', '/8', '10.0.0.0/8/8']) {
      expect(tryParseCidr(s)).toBeNull();
    }
    expect(() => parseCidr('10.0.0.0')).toThrow('invalid CIDR address: 10.0.0.0');
  });

  it('route parsing accepts bare host addresses as /32', () => {
    expect(parseRouteCidr('10.8.0.1')).toEqual({ network: parseIp('10.8.0.1'), prefix: 32 });
    expect(parseRouteCidr('10.8.0.0/24')).toEqual({ network: parseIp('10.8.0.0'), prefix: 24 });
    expect(parseRouteCidr('default')).toBeNull();
  });

  it('overlaps is symmetric and covers nesting, equality and adjacency', () => {
    expect(overlaps('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(overlaps('10.1.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(overlaps('10.1.0.0/16', '10.1.0.0/16')).toBe(true);
    expect(overlaps('10.1.0.0/16', '10.2.0.0/16')).toBe(false);
    expect(overlaps('10.1.0.0/24', '10.1.1.0/24')).toBe(false);
    expect(overlaps('0.0.0.0/0', '192.168.1.0/24')).toBe(true);
  });

  it('contains, within, prefix, network, broadcast', () => {
    expect(contains('10.1.0.0/24', '10.1.0.0')).toBe(true);
    expect(contains('10.1.0.0/24', '10.1.0.255')).toBe(true);
    expect(contains('10.1.0.0/24', '10.1.1.0')).toBe(false);
    expect(contains('0.0.0.0/0', '255.255.255.255')).toBe(true);
    expect(cidrWithin(parseCidr('10.1.2.0/24'), parseCidr('10.1.0.0/16'))).toBe(true);
    expect(cidrWithin(parseCidr('10.0.0.0/8'), parseCidr('10.1.0.0/16'))).toBe(false);
    expect(prefixLength('10.1.0.0/20')).toBe(20);
    expect(networkAddress('10.1.7.9/20')).toBe('10.1.0.0');
    expect(broadcastAddress('10.1.7.9/20')).toBe('10.1.15.255');
    expect(broadcastAddress('128.0.0.0/1')).toBe('255.255.255.255');
  });

  it('usable range reserves network and broadcast except on /31 and /32', () => {
    const r24 = usableRange(parseCidr('10.1.0.0/24'));
    expect([formatIp(r24.first), formatIp(r24.last)]).toEqual(['10.1.0.1', '10.1.0.254']);
    const r31 = usableRange(parseCidr('10.1.0.0/31'));
    expect([formatIp(r31.first), formatIp(r31.last)]).toEqual(['10.1.0.0', '10.1.0.1']);
    const r32 = usableRange(parseCidr('10.1.0.7/32'));
    expect([formatIp(r32.first), formatIp(r32.last)]).toEqual(['10.1.0.7', '10.1.0.7']);
    const c = parseCidr('10.1.0.0/24');
    expect(reservedRole(c, parseIp('10.1.0.0'))).toBe('network');
    expect(reservedRole(c, parseIp('10.1.0.255'))).toBe('broadcast');
    expect(reservedRole(c, parseIp('10.1.0.9'))).toBeNull();
    expect(reservedRole(parseCidr('10.1.0.0/31'), parseIp('10.1.0.0'))).toBeNull();
  });
});
