import { describe, expect, it } from 'vitest';
import { Ipam } from './ipam';
import { expectBerthError } from '../testing/berth-error';

const auto = (ipam: Ipam, id: string, routes: string[] = []) => ipam.requestPool(id, {}, routes).subnet;

describe('automatic subnets', () => {
  it('hands out 172.17, 172.18, … with gateway .1 and no user flag', () => {
    const ipam = new Ipam();
    expect(ipam.requestPool('n1', {}, [])).toEqual({
      subnet: '172.17.0.0/16',
      gateway: '172.17.0.1',
      auxAddresses: {},
      userSubnet: false,
    });
    expect(auto(ipam, 'n2')).toBe('172.18.0.0/16');
    expect(auto(ipam, 'n3')).toBe('172.19.0.0/16');
    expect(auto(ipam, 'n4')).toBe('172.20.0.0/16');
  });

  it('skips host routes but ignores the default route and garbage', () => {
    const ipam = new Ipam();
    expect(auto(ipam, 'a', ['0.0.0.0/0', 'default', '172.17.0.0/16', '172.18.3.0/24', '172.19.0.1'])).toBe(
      '172.20.0.0/16',
    );
  });

  it('skips user networks and reuses a freed subnet at once (v27+ first-fit)', () => {
    const ipam = new Ipam();
    ipam.requestPool('user', { subnet: '172.17.100.0/24' }, []);
    expect(auto(ipam, 'a')).toBe('172.18.0.0/16');
    expect(auto(ipam, 'b')).toBe('172.19.0.0/16');
    ipam.releasePool('a');
    expect(auto(ipam, 'c')).toBe('172.18.0.0/16');
    ipam.releasePool('user');
    expect(auto(ipam, 'd')).toBe('172.17.0.0/16');
  });

  it('moves on to 192.168.x.0/20 after 172.17–31, then runs out', () => {
    const ipam = new Ipam();
    for (let i = 0; i < 15; i++) auto(ipam, `s${i}`);
    expect(ipam.requestPool('p0', {}, [])).toMatchObject({ subnet: '192.168.0.0/20', gateway: '192.168.0.1' });
    expect(auto(ipam, 'p1', ['192.168.16.0/24'])).toBe('192.168.32.0/20');
    // without the route, the /20 skipped a moment ago is the lowest free one
    expect(auto(ipam, 'p2')).toBe('192.168.16.0/20');
    for (let i = 3; i < 16; i++) auto(ipam, `p${i}`);
    expect(ipam.getPools('p15')[0].subnet).toBe('192.168.240.0/20');
    expectBerthError(() => auto(ipam, 'extra'), 'conflict', 'all predefined address pools have been fully subnetted');
    expect(ipam.has('extra')).toBe(false);
  });

  it('runs out early when host routes cover every pool', () => {
    const ipam = new Ipam();
    expectBerthError(
      () => auto(ipam, 'x', ['172.16.0.0/12', '192.168.0.0/16']),
      'conflict',
      'all predefined address pools have been fully subnetted',
    );
  });

  it('uses custom pools (default-address-pools)', () => {
    const ipam = new Ipam([{ base: '10.10.0.0/16', size: 24 }]);
    expect(auto(ipam, 'a')).toBe('10.10.0.0/24');
    expect(auto(ipam, 'b', ['10.10.1.0/24'])).toBe('10.10.2.0/24');
  });

  it('refuses options that need --subnet', () => {
    const ipam = new Ipam();
    const msg = 'every ip-range or gateway must have a corresponding subnet';
    expectBerthError(() => ipam.requestPool('a', { ipRange: '172.17.1.0/24' }, []), 'invalid_argument', msg);
    expectBerthError(() => ipam.requestPool('a', { gateway: '172.17.0.1' }, []), 'invalid_argument', msg);
    expectBerthError(
      () => ipam.requestPool('a', { auxAddresses: { r: '172.17.0.9' } }, []),
      'invalid_argument',
      'no matching subnet for aux-address',
    );
  });

  it('gives a network a second subnet of its own when asked (several per family), and refuses unknown ids', () => {
    const ipam = new Ipam();
    auto(ipam, 'a');
    auto(ipam, 'a');
    expect(ipam.getPools('a').map((p) => p.subnet)).toEqual(['172.17.0.0/16', '172.18.0.0/16']);
    expectBerthError(() => ipam.releasePool('zzz'), 'not_found', 'network zzz not found');
    expectBerthError(() => ipam.getPools('zzz')[0], 'not_found', 'network zzz not found');
  });
});

describe('user subnets', () => {
  it('normalises host bits and marks the pool as user configured', () => {
    const ipam = new Ipam();
    expect(ipam.requestPool('a', { subnet: '10.1.0.5/24' }, [])).toEqual({
      subnet: '10.1.0.0/24',
      gateway: '10.1.0.1',
      auxAddresses: {},
      userSubnet: true,
    });
  });

  it('conflicts only with other networks, never with host routes', () => {
    const ipam = new Ipam();
    expect(ipam.requestPool('lan', { subnet: '192.168.1.0/24' }, ['192.168.1.0/24']).subnet).toBe('192.168.1.0/24');
    const msg = 'Pool overlaps with other one on this address space';
    expectBerthError(() => ipam.requestPool('b', { subnet: '192.168.1.128/25' }, []), 'conflict', msg);
    expectBerthError(() => ipam.requestPool('b', { subnet: '192.168.0.0/16' }, []), 'conflict', msg);
    auto(ipam, 'auto');
    expectBerthError(() => ipam.requestPool('c', { subnet: '172.17.9.0/24' }, []), 'conflict', msg);
    expect(ipam.requestPool('d', { subnet: '192.168.2.0/24' }, []).subnet).toBe('192.168.2.0/24');
  });

  it('rejects malformed subnets', () => {
    const ipam = new Ipam();
    expectBerthError(() => ipam.requestPool('a', { subnet: '10.1.0.0' }, []), 'invalid_argument', 'invalid CIDR address: 10.1.0.0');
    expectBerthError(() => ipam.requestPool('a', { subnet: '10.1.0.0/40' }, []), 'invalid_argument', /invalid CIDR/);
    expectBerthError(() => ipam.requestPool('a', { subnet: 'fd00::/200' }, []), 'invalid_argument', 'invalid CIDR address: fd00::/200');
  });
});

describe('gateway', () => {
  const ipam = new Ipam();
  it('accepts any host address of the subnet', () => {
    expect(ipam.requestPool('g1', { subnet: '10.1.0.0/24', gateway: '10.1.0.254' }, []).gateway).toBe('10.1.0.254');
    // the gateway is reserved, so the first container still gets .1 and never .254
    expect(ipam.requestAddress('g1')).toBe('10.1.0.1');
  });

  it('refuses addresses outside the subnet, the network and the broadcast address', () => {
    expectBerthError(
      () => ipam.requestPool('g2', { subnet: '10.2.0.0/24', gateway: '10.3.0.1' }, []),
      'invalid_argument',
      'gateway 10.3.0.1 is outside subnet 10.2.0.0/24',
    );
    expectBerthError(
      () => ipam.requestPool('g2', { subnet: '10.2.0.0/24', gateway: '10.2.0.0' }, []),
      'invalid_argument',
      'gateway 10.2.0.0 is the network address of subnet 10.2.0.0/24',
    );
    expectBerthError(
      () => ipam.requestPool('g2', { subnet: '10.2.0.0/24', gateway: '10.2.0.255' }, []),
      'invalid_argument',
      'gateway 10.2.0.255 is the broadcast address of subnet 10.2.0.0/24',
    );
    expectBerthError(
      () => ipam.requestPool('g2', { subnet: '10.2.0.0/24', gateway: '10.2.0' }, []),
      'invalid_argument',
      'invalid IP address: 10.2.0',
    );
    expect(ipam.has('g2')).toBe(false);
  });

  it('on /31 and /32 takes the first address, which is usable there', () => {
    expect(ipam.requestPool('p31', { subnet: '10.9.0.0/31' }, []).gateway).toBe('10.9.0.0');
    expect(ipam.requestAddress('p31')).toBe('10.9.0.1');
    expect(ipam.requestPool('p32', { subnet: '10.9.1.1/32' }, []).gateway).toBe('10.9.1.1');
    expectBerthError(() => ipam.requestAddress('p32'), 'conflict', /no available IPv4 addresses.*p32/);
  });
});

describe('ip-range', () => {
  it('puts the gateway and dynamic addresses in the range, starting at its .0', () => {
    const ipam = new Ipam();
    const p = ipam.requestPool('r', { subnet: '10.1.0.0/16', ipRange: '10.1.5.7/24' }, []);
    expect(p).toMatchObject({ ipRange: '10.1.5.0/24', gateway: '10.1.5.0' }); // docker/for-linux#170
    expect(ipam.requestAddress('r')).toBe('10.1.5.1');
  });

  it("never hands out the subnet's network address even if the range starts there", () => {
    const ipam = new Ipam();
    expect(ipam.requestPool('r', { subnet: '10.1.0.0/24', ipRange: '10.1.0.0/28' }, []).gateway).toBe('10.1.0.1');
  });

  it('keeps an explicit gateway outside the range and allocates only inside it', () => {
    const ipam = new Ipam();
    ipam.requestPool('r', { subnet: '10.1.0.0/24', ipRange: '10.1.0.128/30', gateway: '10.1.0.1' }, []);
    expect(['10.1.0.128', '10.1.0.129', '10.1.0.130', '10.1.0.131'].map(() => ipam.requestAddress('r'))).toEqual([
      '10.1.0.128',
      '10.1.0.129',
      '10.1.0.130',
      '10.1.0.131',
    ]);
    expectBerthError(() => ipam.requestAddress('r'), 'conflict', "no available IPv4 addresses on this network's address pools: r");
    // static addresses may lie outside the range: that is what the range is for
    expect(ipam.requestAddress('r', '10.1.0.50')).toBe('10.1.0.50');
  });

  it('must lie inside the subnet', () => {
    const ipam = new Ipam();
    expectBerthError(
      () => ipam.requestPool('r', { subnet: '10.1.0.0/24', ipRange: '10.1.0.0/23' }, []),
      'invalid_argument',
      'ip-range 10.1.0.0/23 is not inside subnet 10.1.0.0/24',
    );
    expectBerthError(
      () => ipam.requestPool('r', { subnet: '10.1.0.0/24', ipRange: '10.2.0.0/28' }, []),
      'invalid_argument',
      /not inside subnet/,
    );
  });
});

describe('aux addresses', () => {
  it('are reserved, normalised and skipped by the automatic gateway', () => {
    const ipam = new Ipam();
    const p = ipam.requestPool('x', { subnet: '10.1.0.0/24', auxAddresses: { router: '10.1.0.1', nas: '10.1.0.3' } }, []);
    expect(p.auxAddresses).toEqual({ router: '10.1.0.1', nas: '10.1.0.3' });
    expect(p.gateway).toBe('10.1.0.2');
    expect(ipam.requestAddress('x')).toBe('10.1.0.4');
    expectBerthError(() => ipam.requestAddress('x', '10.1.0.3'), 'conflict', 'Address already in use');
  });

  it('may lie outside the ip-range but must belong to the subnet', () => {
    const ipam = new Ipam();
    ipam.requestPool('x', { subnet: '10.1.0.0/24', ipRange: '10.1.0.128/25', auxAddresses: { a: '10.1.0.5' } }, []);
    expectBerthError(
      () => ipam.requestPool('y', { subnet: '10.2.0.0/24', auxAddresses: { a: '10.3.0.5' } }, []),
      'invalid_argument',
      'auxiliary address: (a:10.3.0.5) must belong to the master pool: 10.2.0.0/24',
    );
    expectBerthError(
      () => ipam.requestPool('y', { subnet: '10.2.0.0/24', auxAddresses: { a: 'x' } }, []),
      'invalid_argument',
      'non parsable secondary ip address (a:x)',
    );
    expectBerthError(
      () => ipam.requestPool('y', { subnet: '10.2.0.0/24', auxAddresses: { a: '10.2.0.255' } }, []),
      'invalid_argument',
      /broadcast address/,
    );
  });

  it('conflict with an explicit gateway or each other', () => {
    const ipam = new Ipam();
    expectBerthError(
      () => ipam.requestPool('y', { subnet: '10.2.0.0/24', gateway: '10.2.0.1', auxAddresses: { a: '10.2.0.1' } }, []),
      'conflict',
      'failed to allocate secondary ip address (a:10.2.0.1): Address already in use',
    );
    expectBerthError(
      () => ipam.requestPool('y', { subnet: '10.2.0.0/24', auxAddresses: { a: '10.2.0.9', b: '10.2.0.9' } }, []),
      'conflict',
      /\(b:10.2.0.9\): Address already in use/,
    );
  });

  it('leave no room for a gateway in a /32 they fill', () => {
    const ipam = new Ipam();
    expectBerthError(
      () => ipam.requestPool('y', { subnet: '10.2.0.1/32', auxAddresses: { a: '10.2.0.1' } }, []),
      'conflict',
      'no free address for the gateway in 10.2.0.1/32',
    );
  });

  it('returned pools are copies', () => {
    const ipam = new Ipam();
    const p = ipam.requestPool('x', { subnet: '10.1.0.0/24', auxAddresses: { a: '10.1.0.5' } }, []);
    p.auxAddresses.a = '1.1.1.1';
    expect(ipam.getPools('x')[0].auxAddresses.a).toBe('10.1.0.5');
  });
});
