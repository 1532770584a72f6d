import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostRaw } from '../kernel/host-raw-types';
import { parseConntrackList } from '../kernel/conntrack-parse';
import { buildHostInspect } from '../inspect/build';
import { emptyBerthOwned, type BerthOwned } from './berth-owned';
import { findStale } from './findings';

// A live dual-stack Berth container (docs/ipv6.md): network br-dddddddddddd
// with 10.71.0.0/24 and fd00:71::/64, the container at 10.71.0.2 and
// fd00:71::2 publishing 8080->80/tcp on 0.0.0.0 and on [::]. Its ip6tables
// rules are exactly what the iptables backend writes for it: none of them
// may be proposed for removal, and only what is really dead is.
const raw = JSON.parse(readFileSync(new URL('../inspect/fixtures/hostraw.json', import.meta.url), 'utf8')) as HostRaw;
const BR = 'br-dddddddddddd';
const EP = 'e6e6e6e6e6e6';
const TAG = `-m comment --comment "berth:${EP}"`;
const NTAG = '-m comment --comment "berth:dddddddddddd"';
const rules6 = (extra = '') => `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -d fd00:71::2/128 ! -i ${BR} ${TAG} -j DROP
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:BERTH - [0:0]
:BERTH-BRIDGE - [0:0]
:BERTH-CT - [0:0]
:BERTH-FORWARD - [0:0]
:BERTH-USER - [0:0]
-A FORWARD -m comment --comment "berth:jump" -j BERTH-USER
-A FORWARD -m comment --comment "berth:jump" -j BERTH-FORWARD
-A BERTH -d fd00:71::2/128 ! -i ${BR} -o ${BR} -p tcp -m tcp --dport 80 ${TAG} -j ACCEPT
${extra}-A BERTH ! -i ${BR} -o ${BR} -j DROP
-A BERTH-BRIDGE -o ${BR} -j BERTH
-A BERTH-CT -o ${BR} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A BERTH-FORWARD -j BERTH-CT
-A BERTH-FORWARD -j BERTH-BRIDGE
-A BERTH-FORWARD -i ${BR} -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:BERTH - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "berth:jump" -j BERTH
-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment "berth:jump" -j BERTH
-A POSTROUTING -s fd00:71::/64 ! -o ${BR} ${NTAG} -j MASQUERADE
-A BERTH -i ${BR} -j RETURN
-A BERTH ! -i ${BR} -p tcp -m tcp --dport 8080 ${TAG} -j DNAT --to-destination [fd00:71::2]:80
COMMIT
`;
const hostRaw = (extra6 = ''): HostRaw => ({
  ...raw,
  links: [
    ...raw.links,
    { ifindex: 60, ifname: BR, ifalias: 'berth:dddddddddddd', flags: ['UP'], mtu: 1500, operstate: 'UP', address: '02:42:0a:47:00:01', linkinfo: { info_kind: 'bridge' } },
  ],
  addrs: [
    ...raw.addrs,
    { ifindex: 60, ifname: BR, addr_info: [{ family: 'inet', local: '10.71.0.1', prefixlen: 24 }, { family: 'inet6', local: 'fd00:71::1', prefixlen: 64 }] },
  ],
  netns: [
    ...raw.netns,
    {
      name: 'berth-666666666666', path: '/run/netns/berth-666666666666', inode: 4026532998, error: null,
      links: [{ ifindex: 2, ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.71.0.2', prefixlen: 24 }, { family: 'inet6', local: 'fd00:71::2', prefixlen: 64 }] }],
    },
  ],
  iptables: { ipv4: raw.iptables.ipv4, ipv6: rules6(extra6) },
});
// as server/cleanup-deps.ts gives it: both addresses, every subnet, the [::] port to the IPv6 address
const berth: BerthOwned = {
  ...emptyBerthOwned(),
  networks: [{ id: 'dddddddddddd0000', name: 'dual', bridge: BR, subnet: '10.71.0.0/24', subnets: ['10.71.0.0/24', 'fd00:71::/64'], gateway: '10.71.0.1', internal: false }],
  endpoints: [{ id: `${EP}0000`, networkId: 'dddddddddddd0000', sandboxId: 'c6', ip: '10.71.0.2', ip6: 'fd00:71::2', hostVeth: 'vethd6', netnsPath: '/run/netns/berth-666666666666' }],
  netnsNames: ['berth-666666666666'],
  ports: [
    { endpointId: `${EP}0000`, hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp', containerIp: '10.71.0.2', containerPort: 80 },
    { endpointId: `${EP}0000`, hostIp: '::', hostPort: 8080, proto: 'tcp', containerIp: 'fd00:71::2', containerPort: 80 },
  ],
  heldPorts: [
    { hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp', owner: 'c6', bound: true },
    { hostIp: '::', hostPort: 8080, proto: 'tcp', owner: 'c6', bound: true },
  ],
};
// findings about rules, ports and flows (this fixture does not model the veth's peer)
const RULE_KINDS = ['orphan-berth-rule', 'dangling-nat-rule', 'dangling-filter-rule', 'dangling-masquerade', 'duplicate-rule', 'shadowed-dnat', 'orphan-port-binding', 'stale-conntrack'];
const ours = (fs: ReturnType<typeof findStale>) => fs.filter((f) => RULE_KINDS.includes(f.kind) && f.evidence.some((e) => /fd00:71|br-dddd|e6e6e6|8080/.test(e)));

describe('cleanup on IPv6', () => {
  it("a live dual-stack container's ip6tables rules are not findings (good neighbour)", () => {
    expect(ours(findStale(buildHostInspect(hostRaw()), berth, []))).toEqual([]);
  });

  it("IPv6 port rules no mapping in the store renders are orphan ports, named on their family's address", () => {
    const extra = `-A BERTH -d fd00:71::2/128 ! -i ${BR} -o ${BR} -p tcp -m tcp --dport 81 ${TAG} -j ACCEPT\n`;
    const found = ours(findStale(buildHostInspect(hostRaw(extra)), berth, []));
    expect(found.map((f) => [f.kind, f.reason])).toEqual([['orphan-port-binding', 'Berth ACCEPT for [fd00:71::2]:81/tcp, a container port no mapping in the store publishes']]);
    // the store forgot the [::] mapping: its DNAT is an orphan, on [::]
    const no6 = { ...berth, ports: berth.ports.filter((p) => p.hostIp !== '::'), heldPorts: berth.heldPorts.filter((p) => p.hostIp !== '::') };
    const f6 = ours(findStale(buildHostInspect(hostRaw()), no6, [])).filter((f) => f.kind === 'orphan-port-binding');
    expect(f6.map((f) => f.reason)).toContain('Berth DNAT for host port [::]:8080/tcp, which no mapping in the store has');
  });

  it('stale IPv6 conntrack entries of a removed mapping are flagged with an ipv6 delete; live ones never', () => {
    const ct = parseConntrackList(
      [
        'ipv6     10 tcp      6 431999 ESTABLISHED src=2001:db8::2 dst=2001:db8::1 sport=40000 dport=8080 src=fd00:71::2 dst=2001:db8::2 sport=80 dport=40000 [ASSURED] mark=0 use=1',
        'ipv6     10 tcp      6 431999 ESTABLISHED src=2001:db8::2 dst=2001:db8::1 sport=40001 dport=8090 src=fd00:71::2 dst=2001:db8::2 sport=80 dport=40001 [ASSURED] mark=0 use=1',
      ].join('\n') + '\n',
    );
    expect(ct.map((e) => e.family)).toEqual(['ipv6', 'ipv6']);
    const found = findStale(buildHostInspect(hostRaw()), berth, ct).filter((f) => f.kind === 'stale-conntrack');
    expect(found.map((f) => f.evidence[0])).toEqual(['conntrack ipv6 tcp host port 8090 -> fd00:71::2:80']);
    expect(found[0].commands).toEqual([
      ['conntrack', '-D', '-f', 'ipv6', '-p', 'tcp', '--orig-dst', '2001:db8::1', '--orig-port-dst', '8090', '--reply-src', 'fd00:71::2', '--reply-port-src', '80'],
    ]);
  });
});
