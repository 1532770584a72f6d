import { describe, expect, it } from 'vitest';
import { Ipam, type NetworkPool } from './ipam';
import { expectBerthError } from '../testing/berth-error';

const userNet = (subnet = '10.1.0.0/24') => {
  const ipam = new Ipam();
  ipam.requestPool('n', { subnet }, []);
  return ipam;
};

describe('dynamic addresses', () => {
  it('start after the gateway and are reused lowest-first once released', () => {
    const ipam = new Ipam();
    ipam.requestPool('d', {}, []);
    expect([1, 2, 3].map(() => ipam.requestAddress('d'))).toEqual(['172.17.0.2', '172.17.0.3', '172.17.0.4']);
    ipam.releaseAddress('d', '172.17.0.3');
    ipam.releaseAddress('d', '172.17.0.2');
    expect(ipam.requestAddress('d')).toBe('172.17.0.2');
    expect(ipam.requestAddress('d')).toBe('172.17.0.3');
    expect(ipam.requestAddress('d')).toBe('172.17.0.5');
  });

  it('never hand out the network, broadcast, gateway or aux addresses', () => {
    const ipam = new Ipam();
    ipam.requestPool('t', { subnet: '10.1.0.0/29', auxAddresses: { a: '10.1.0.3' } }, []);
    // usable .1–.6; gateway .1, aux .3
    const got = [1, 2, 3, 4].map(() => ipam.requestAddress('t'));
    expect(got).toEqual(['10.1.0.2', '10.1.0.4', '10.1.0.5', '10.1.0.6']);
    expectBerthError(() => ipam.requestAddress('t'), 'conflict', "no available IPv4 addresses on this network's address pools: t");
  });

  it('releasing the gateway or an aux address is ignored, and double release is harmless', () => {
    const ipam = new Ipam();
    ipam.requestPool('t', { subnet: '10.1.0.0/29', auxAddresses: { a: '10.1.0.2' } }, []);
    ipam.releaseAddress('t', '10.1.0.1');
    ipam.releaseAddress('t', '10.1.0.2');
    ipam.releaseAddress('t', '10.1.0.5');
    expect(ipam.requestAddress('t')).toBe('10.1.0.3');
    ipam.releaseAddress('t', '10.1.0.3');
    ipam.releaseAddress('t', '10.1.0.3');
    expect(ipam.requestAddress('t')).toBe('10.1.0.3');
  });

  it('name the unknown network', () => {
    const ipam = new Ipam();
    expectBerthError(() => ipam.requestAddress('ghost'), 'not_found', 'network ghost not found');
    expectBerthError(() => ipam.releaseAddress('ghost', '10.0.0.1'), 'not_found', 'network ghost not found');
    expectBerthError(() => ipam.reserveAddress('ghost', '10.0.0.1'), 'not_found', 'network ghost not found');
  });

  it('are gone with the pool', () => {
    const ipam = new Ipam();
    ipam.requestPool('d', {}, []);
    ipam.requestAddress('d');
    ipam.releasePool('d');
    ipam.requestPool('d', {}, []);
    expect(ipam.requestAddress('d')).toBe('172.17.0.2');
  });
});

describe('static addresses', () => {
  it('need a user subnet', () => {
    const ipam = new Ipam();
    ipam.requestPool('auto', {}, []);
    expectBerthError(
      () => ipam.requestAddress('auto', '172.17.0.9'),
      'invalid_argument',
      'user specified IP address is supported only when connecting to networks with user configured subnets',
    );
  });

  it('are taken exactly, and the next dynamic one skips them', () => {
    const ipam = userNet();
    expect(ipam.requestAddress('n', '10.1.0.2')).toBe('10.1.0.2');
    expect(ipam.requestAddress('n', '10.1.0.4')).toBe('10.1.0.4');
    expect(ipam.requestAddress('n')).toBe('10.1.0.3');
    expect(ipam.requestAddress('n')).toBe('10.1.0.5');
  });

  it('conflict when taken, including by the gateway', () => {
    const ipam = userNet();
    ipam.requestAddress('n', '10.1.0.7');
    expectBerthError(() => ipam.requestAddress('n', '10.1.0.7'), 'conflict', 'Address already in use');
    expectBerthError(() => ipam.requestAddress('n', '10.1.0.1'), 'conflict', 'Address already in use');
  });

  it('must be a host address of the subnet', () => {
    const ipam = userNet();
    expectBerthError(
      () => ipam.requestAddress('n', '10.2.0.7'),
      'invalid_argument',
      "invalid address 10.2.0.7: it does not belong to the network's subnet 10.1.0.0/24",
    );
    expectBerthError(() => ipam.requestAddress('n', '10.1.0.0'), 'invalid_argument', /network address/);
    expectBerthError(() => ipam.requestAddress('n', '10.1.0.255'), 'invalid_argument', /broadcast address/);
    expectBerthError(() => ipam.requestAddress('n', '10.1.0.300'), 'invalid_argument', 'invalid IP address: 10.1.0.300');
  });

  it('treat an empty preference as none', () => {
    const ipam = userNet();
    expect(ipam.requestAddress('n', '')).toBe('10.1.0.2');
  });
});

describe('restore', () => {
  const stored: NetworkPool = {
    subnet: '10.5.0.0/24',
    gateway: '10.5.0.254',
    ipRange: '10.5.0.0/25',
    auxAddresses: { nas: '10.5.0.1' },
    userSubnet: true,
  };

  it('reserves gateway, aux and endpoint addresses so allocation continues where it was', () => {
    const ipam = new Ipam();
    ipam.restorePool('r', stored);
    expect(ipam.getPools('r')[0]).toEqual(stored);
    ipam.reserveAddress('r', '10.5.0.2');
    ipam.reserveAddress('r', '10.5.0.200'); // static, outside the range
    expect(ipam.requestAddress('r')).toBe('10.5.0.3');
    expectBerthError(() => ipam.requestAddress('r', '10.5.0.200'), 'conflict', 'Address already in use');
    expectBerthError(() => ipam.reserveAddress('r', '10.5.0.2'), 'conflict', 'Address already in use');
    expectBerthError(() => ipam.reserveAddress('r', '10.6.0.2'), 'invalid_argument', /does not belong/);
  });

  it('keeps restored subnets out of automatic allocation', () => {
    const ipam = new Ipam();
    ipam.restorePool('bridge', { subnet: '172.17.0.0/16', gateway: '172.17.0.1', auxAddresses: {}, userSubnet: false });
    expect(ipam.requestPool('n', {}, []).subnet).toBe('172.18.0.0/16');
    expectBerthError(() => ipam.requestAddress('bridge', '172.17.0.5'), 'invalid_argument', /user configured subnets/);
    // but restore replays the endpoint's address whatever the network kind
    ipam.reserveAddress('bridge', '172.17.0.5');
    expect(ipam.requestAddress('bridge')).toBe('172.17.0.2');
  });

  it('refuses a duplicate id and a corrupt pool', () => {
    const ipam = new Ipam();
    ipam.restorePool('r', stored);
    expectBerthError(() => ipam.restorePool('r', stored), 'conflict', /already has an address pool/);
    expectBerthError(() => ipam.restorePool('s', { ...stored, gateway: '10.9.0.1' }), 'invalid_argument', /outside subnet/);
  });
});

describe('large networks', () => {
  // correctness at size; how fast it is belongs in bench/, not in a test
  it('a /8 with 10,000 dynamic and 2,000 scattered static addresses hands out and reuses addresses', () => {
    const ipam = new Ipam();
    ipam.requestPool('big', { subnet: '10.0.0.0/8' }, []);
    // scattered statics: many separate runs, some in the dynamic allocator's way
    for (let i = 0; i < 2000; i++) ipam.requestAddress('big', `10.${1 + (i % 200)}.${Math.floor(i / 200)}.7`);
    for (let k = 0; k < 30; k++) ipam.requestAddress('big', `10.0.${k}.200`);
    let last = '';
    for (let i = 0; i < 10_000; i++) last = ipam.requestAddress('big');
    for (let i = 0; i < 1000; i++) ipam.releaseAddress('big', `10.0.${Math.floor(i / 200)}.${(i % 200) + 2}`);
    const again = ipam.requestAddress('big');
    expect(last.startsWith('10.0.')).toBe(true);
    expect(again).toBe('10.0.0.2');
  });

  it('the last address of a /8 is handed out and then the pool is full', () => {
    const ipam = new Ipam();
    ipam.requestPool('big', { subnet: '10.0.0.0/8', ipRange: '10.255.255.252/30' }, []);
    // range .252–.255 minus gateway (.252) and the subnet broadcast (.255)
    expect(ipam.requestAddress('big')).toBe('10.255.255.253');
    expect(ipam.requestAddress('big')).toBe('10.255.255.254');
    expectBerthError(() => ipam.requestAddress('big'), 'conflict', /no available IPv4 addresses/);
  });
});
