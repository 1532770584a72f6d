import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../src/shared/errors';
import { Ipam, MSG_ADDRESS_IN_USE, MSG_NO_V6_POOL, MSG_POOL_OVERLAP } from './ipam';
import { DEFAULT_POOLS, ulaPool } from './pools';

const expectBerthError = (fn: () => unknown, kind: string, msg: string | RegExp) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BerthError);
    expect((e as BerthError).kind).toBe(kind);
    if (typeof msg === 'string') expect((e as BerthError).message).toBe(msg);
    else expect((e as BerthError).message).toMatch(msg);
    return;
  }
  expect.unreachable('no error thrown');
};
const dual = () => new Ipam([...DEFAULT_POOLS, ulaPool('test-host')]);

describe('IPv6 pools', () => {
  it('derives a stable ULA /48 per host, cut into /64s (Docker 27+)', () => {
    const a = ulaPool('host-a');
    expect(a).toEqual(ulaPool('host-a'));
    expect(a.base).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48$/);
    expect(a.size).toBe(64);
    expect(ulaPool('host-b').base).not.toBe(a.base);
  });

  it('hands out the first free /64 of the ULA pool, skipping host routes and other networks', () => {
    const ipam = dual();
    const base = ulaPool('test-host').base.replace('::/48', '');
    const first = ipam.requestPool('a', {}, [], true);
    expect(first).toMatchObject({ subnet: `${base}::/64`, gateway: `${base}::1`, userSubnet: false });
    const second = ipam.requestPool('b', {}, [`${base}:1::/64`], true);
    expect(second.subnet).toBe(`${base}:2::/64`);
    // the IPv4 pools are untouched by IPv6 requests
    expect(ipam.requestPool('a', {}, []).subnet).toBe('172.17.0.0/16');
  });

  it('says so when no IPv6 pool is configured, and changes nothing', () => {
    const ipam = new Ipam(DEFAULT_POOLS);
    expectBerthError(() => ipam.requestPool('a', {}, [], true), 'conflict', MSG_NO_V6_POOL);
    expect(ipam.has('a')).toBe(false);
  });

  it('takes a user subnet, gateway and range; refuses overlaps and a gateway outside', () => {
    const ipam = dual();
    expect(ipam.requestPool('a', { subnet: 'fd00:1::5/64', gateway: 'fd00:1::fe', ipRange: 'fd00:1::100/120' }, [])).toEqual({
      subnet: 'fd00:1::/64',
      gateway: 'fd00:1::fe',
      ipRange: 'fd00:1::100/120',
      auxAddresses: {},
      userSubnet: true,
    });
    expect(ipam.requestAddress('a', undefined, true)).toBe('fd00:1::100');
    expectBerthError(() => ipam.requestPool('b', { subnet: 'fd00:1::/48' }, []), 'conflict', MSG_POOL_OVERLAP);
    expectBerthError(() => ipam.requestPool('c', { subnet: 'fd00:2::/64', gateway: 'fd00:3::1' }, []), 'invalid_argument', 'gateway fd00:3::1 is outside subnet fd00:2::/64');
    expectBerthError(() => ipam.requestPool('c', { subnet: 'fd00:2::/64', gateway: 'fd00:2::' }, []), 'invalid_argument', 'gateway fd00:2:: is the subnet-router anycast address of subnet fd00:2::/64');
    expect(ipam.has('b')).toBe(false);
  });

  it('allocates per family on a dual-stack network; --ip6 outside the subnet or in use is refused', () => {
    const ipam = dual();
    ipam.requestPool('d', { subnet: '10.5.0.0/24' }, []);
    ipam.requestPool('d', { subnet: 'fd00:5::/64' }, []);
    expect(ipam.requestAddress('d')).toBe('10.5.0.2');
    expect(ipam.requestAddress('d', undefined, true)).toBe('fd00:5::2');
    expect(ipam.requestAddress('d', 'fd00:5::99', true)).toBe('fd00:5::99');
    expectBerthError(() => ipam.requestAddress('d', 'fd00:5::99', true), 'conflict', MSG_ADDRESS_IN_USE);
    expectBerthError(() => ipam.requestAddress('d', 'fd00:6::1', true), 'invalid_argument', "invalid address fd00:6::1: it does not belong to the network's subnet fd00:5::/64");
    expectBerthError(() => ipam.requestAddress('d', '10.5.0.9', true), 'invalid_argument', 'invalid address 10.5.0.9: not an IPv6 address');
    ipam.releaseAddress('d', 'fd00:5::2');
    expect(ipam.requestAddress('d', undefined, true)).toBe('fd00:5::2');
  });

  it('an IPv6-only network has no IPv4 address to give', () => {
    const ipam = dual();
    ipam.requestPool('six', { subnet: 'fd00:6::/64' }, []);
    expectBerthError(() => ipam.requestAddress('six'), 'invalid_argument', 'network six has no IPv4 subnet');
  });

  it('fills several subnets of a family in order', () => {
    const ipam = dual();
    ipam.requestPool('m', { subnet: 'fd00:7::/126' }, []); // ::1 gateway, ::2 and ::3 free
    ipam.requestPool('m', { subnet: 'fd00:8::/64' }, []);
    expect([0, 1, 2].map(() => ipam.requestAddress('m', undefined, true))).toEqual(['fd00:7::2', 'fd00:7::3', 'fd00:8::2']);
  });

  it('replays stored subnets and addresses of both families', () => {
    const ipam = dual();
    ipam.restorePool('r', { subnet: '10.9.0.0/24', gateway: '10.9.0.1', auxAddresses: {}, userSubnet: true });
    ipam.restorePool('r', { subnet: 'fd00:9::/64', gateway: 'fd00:9::1', auxAddresses: {}, userSubnet: true });
    ipam.reserveAddress('r', 'fd00:9::2');
    expect(ipam.requestAddress('r', undefined, true)).toBe('fd00:9::3');
    expectBerthError(() => ipam.restorePool('r', { subnet: 'fd00:9::/64', gateway: 'fd00:9::1', auxAddresses: {}, userSubnet: true }), 'conflict', /already has an address pool/);
  });
});
