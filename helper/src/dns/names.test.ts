import { describe, expect, it } from 'vitest';
import type { ContainerRecord, NetworkRecord, State } from '../store/state';
import { hostsFile, parseNameservers, resolvConf } from './files';
import { answer, inSubnet, ptrToIp } from './names';

const id = (c: string) => c.repeat(64);
const net = (i: string, name: string, subnet: string, predefined = false) =>
  ({ id: id(i), name, driver: 'bridge', predefined, subnet, gateway: subnet.replace(/0\/24$/, '1') }) as unknown as NetworkRecord;
const ctr = (i: string, name: string, eps: [string, string][], extra: Partial<ContainerRecord> = {}) =>
  ({ id: id(i), name, hostname: i.repeat(12), state: { status: 'running' }, endpoints: eps.map(([n, ip]) => ({ networkId: id(n), ip })), ...extra }) as unknown as ContainerRecord;
const s = {
  networks: { [id('a')]: net('a', 'front', '10.1.0.0/24'), [id('b')]: net('b', 'back', '10.2.0.0/24'), [id('c')]: net('c', 'bridge', '172.17.0.0/24', true) },
  containers: {
    [id('1')]: ctr('1', 'web', [['a', '10.1.0.2'], ['b', '10.2.0.2']], { aliases: { [id('a')]: ['www'] } }),
    [id('2')]: ctr('2', 'db', [['b', '10.2.0.3']], { dns: ['9.9.9.9'] }),
    [id('3')]: ctr('3', 'old', [['c', '172.17.0.2']]),
  },
} as unknown as State;
const up = ['127.0.0.53'];

describe('embedded DNS answers', () => {
  it('names, aliases and NAME.NETWORK on the same network, with that network\'s address', () => {
    expect(answer(s, id('a'), '10.1.0.9', 'web', 'A', up)).toEqual({ kind: 'local', ips: ['10.1.0.2'] });
    expect(answer(s, id('b'), '10.2.0.9', 'WEB.', 'A', up)).toEqual({ kind: 'local', ips: ['10.2.0.2'] });
    expect(answer(s, id('a'), '10.1.0.9', 'www.front', 'A', up)).toEqual({ kind: 'local', ips: ['10.1.0.2'] });
    expect(answer(s, id('a'), '10.1.0.9', 'web', 'AAAA', up)).toEqual({ kind: 'local', ips: [] });
    expect(answer(s, id('b'), '10.2.0.9', 'www', 'A', up)).toEqual({ kind: 'forward', upstreams: up }); // alias of the other network
  });

  it('other networks, the default bridge and unknown names go upstream (the client\'s --dns first)', () => {
    expect(answer(s, id('a'), '10.1.0.9', 'db', 'A', up)).toEqual({ kind: 'forward', upstreams: up });
    expect(answer(s, id('c'), '172.17.0.9', 'old', 'A', up)).toEqual({ kind: 'forward', upstreams: up });
    expect(answer(s, id('b'), '10.2.0.2', 'example.com', 'A', up)).toEqual({ kind: 'forward', upstreams: up });
    expect(answer(s, id('b'), '10.2.0.3', 'example.com', 'A', up)).toEqual({ kind: 'forward', upstreams: ['9.9.9.9'] });
    expect(answer(s, id('a'), '10.1.0.9', 'nope.front', 'A', up)).toEqual({ kind: 'nxdomain' });
  });

  it('reverse lookups of the network\'s own addresses stay here', () => {
    expect(answer(s, id('a'), '10.1.0.9', '2.0.1.10.in-addr.arpa', 'PTR', up)).toEqual({ kind: 'ptr', name: 'web.front' });
    expect(answer(s, id('a'), '10.1.0.9', '77.0.1.10.in-addr.arpa', 'PTR', up)).toEqual({ kind: 'nxdomain' });
    expect(answer(s, id('a'), '10.1.0.9', '8.8.8.8.in-addr.arpa', 'PTR', up)).toEqual({ kind: 'forward', upstreams: up });
    expect(ptrToIp('4.3.2.1.in-addr.arpa')).toBe('1.2.3.4');
    expect(inSubnet('10.1.0.200', '10.1.0.0/24')).toBe(true);
    expect(inSubnet('10.1.1.2', '10.1.0.0/24')).toBe(false);
    expect(inSubnet('fd00::2', '10.1.0.0/24')).toBe(false);
    expect(inSubnet('10.1.0.2', '')).toBe(false);
  });

  it("container files in Docker's layout", () => {
    const d = { nameserver: '10.1.0.1', upstreams: ['127.0.0.53'], search: ['corp'], hostname: 'box', ip: '10.1.0.2', extraHosts: [{ name: 'printer', ip: '192.0.2.9' }] };
    expect(resolvConf(d)).toBe('# Written by Berth for this container (docs/dns.md)\nnameserver 10.1.0.1\nsearch corp\noptions ndots:0\n');
    expect(resolvConf({ ...d, nameserver: null, upstreams: ['127.0.0.53', '192.0.2.53'] })).toContain('nameserver 192.0.2.53\nsearch');
    expect(hostsFile(d).split('\n').slice(-3)).toEqual(['192.0.2.9\tprinter', '10.1.0.2\tbox', '']);
    expect(parseNameservers('# x\nnameserver 127.0.0.53\noptions edns0\nnameserver ::1\n')).toEqual(['127.0.0.53']);
  });
});
