import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostRaw } from '../kernel/host-raw-types';
import { buildHostInspect } from '../inspect/build';
import { emptyBerthOwned, type BerthOwned } from './berth-owned';
import { findStale } from './findings';
import { insertLines, restoreText, deleteLines } from './restore-text';
import { selectFindings } from './select';
import { planStale } from './findings';
import { berthLinkMac } from '../../../src/shared/link-mark';

const raw = JSON.parse(readFileSync(new URL('../inspect/fixtures/hostraw.json', import.meta.url), 'utf8')) as HostRaw;
const extra = `*nat
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.3:80
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.2:90
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.2:91
-A POSTROUTING -s 10.22.0.0/16 -m comment --comment "name: \\"cninet\\" id: \\"dead\\"" -j CNI-0123abcd
-A CNI-0123abcd ! -d 224.0.0.0/4 -j MASQUERADE
-A POSTROUTING -s 172.31.0.0/24 -m comment --comment "berth:ffffffffffff" -j MASQUERADE
-A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE
COMMIT
*filter
-A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A INPUT -s 10.99.0.0/16 -j ACCEPT
COMMIT
`;
const host = buildHostInspect({ ...raw, iptables: { ipv4: `${raw.iptables.ipv4}${extra}`, ipv6: null } });
const berth: BerthOwned = {
  ...emptyBerthOwned(),
  networks: [{ id: 'n0000000000001', name: 'gone', bridge: 'berth-gone', subnet: '172.29.0.0/24', gateway: '172.29.0.1', internal: false }],
  endpoints: [{ id: 'e0000000000001', networkId: 'n0000000000001', sandboxId: 's1', ip: '172.29.0.2', hostVeth: 'vethgone', netnsPath: '/run/netns/berth-cccccccccccc' }],
};

describe('findStale', () => {
  const found = findStale(host, berth);
  const kinds = found.map((f) => `${f.kind} ${f.owner} ${f.evidence[0]}`);
  it('finds every stale item with owner and reason', () => {
    expect(kinds).toEqual(expect.arrayContaining([
      'dangling-nat-rule docker ipv4 nat: -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.3:80',
      'dangling-filter-rule docker ipv4 filter: -A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
      'duplicate-rule docker ipv4 nat: -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      'shadowed-dnat docker ipv4 nat: -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.2:91',
      expect.stringMatching(/^dangling-masquerade cni ipv4 nat: -A POSTROUTING -s 10.22.0.0\/16/),
      'orphan-berth-rule berth ipv4 nat: -A POSTROUTING -s 172.31.0.0/24 -m comment --comment "berth:ffffffffffff" -j MASQUERADE',
      'empty-bridge docker bridge br-0123456789ab',
      expect.stringMatching(/^veth-no-master unknown veth vethdead[01] peer vethdead[01]@host$/),
      'netns-no-process unknown netns emptyns (/run/netns/emptyns), no process, nothing but lo',
    ]));
    const missing = found.filter((f) => f.kind === 'missing-kernel-object').map((f) => f.reason);
    expect(missing).toEqual(['network gone: bridge berth-gone is gone', 'endpoint e00000000000 (172.29.0.2): veth vethgone and netns /run/netns/berth-cccccccccccc gone']);
  });
  it('flags nothing in use and no policy rule', () => {
    const text = found.map((f) => f.evidence[0]).join('\n');
    expect(found.filter((f) => f.evidence[0].includes('172.17.0.2:80'))).toHaveLength(1);
    expect(text).not.toMatch(/bridge docker0|veth veth1a2b3c4|veth vethp|10\.0\.0\.0\/8|10\.99\.0\.0|netns dctr/);
    expect(found.filter((f) => f.evidence[0].includes('vethdead'))).toHaveLength(1);
  });
  it('gives exact commands, stable ids and risk', () => {
    const dup = found.find((f) => f.kind === 'duplicate-rule')!;
    expect(dup.commands).toEqual([['iptables', '-t', 'nat', '-D', 'DOCKER', '!', '-i', 'docker0', '-p', 'tcp', '-m', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '172.17.0.2:80']]);
    expect(dup.risk).toBe('foreign');
    expect(found.find((f) => f.kind === 'orphan-berth-rule')!.risk).toBe('safe');
    expect(findStale(host, berth).map((f) => f.id)).toEqual(found.map((f) => f.id));
    expect(new Set(found.map((f) => f.id)).size).toBe(found.length);
  });
  it('selects Berth findings by default, foreign by flag or id, refuses unknown ids', () => {
    const planned = planStale(host, berth);
    expect(selectFindings(planned, {}).every((p) => p.risk === 'safe')).toBe(true);
    expect(selectFindings(planned, { includeForeign: true })).toHaveLength(planned.length);
    const foreign = planned.find((p) => p.risk === 'foreign')!;
    expect(selectFindings(planned, { ids: [foreign.id] })).toEqual([foreign]);
    expect(() => selectFindings(planned, { ids: [foreign.id, 'nope'] })).toThrow(/no such finding: nope/);
  });
});

it('builds restore batches: -D per rule, -I at original positions in ascending order', () => {
  const rules = [
    { family: 'ipv4' as const, table: 'nat', chain: 'DOCKER', position: 5, spec: '-j RETURN' },
    { family: 'ipv4' as const, table: 'nat', chain: 'DOCKER', position: 2, spec: '-p tcp -j DNAT --to-destination 1.2.3.4:5' },
    { family: 'ipv4' as const, table: 'filter', chain: 'X', position: 1, spec: '-m comment --comment "a b" -j ACCEPT' },
  ];
  expect(restoreText(deleteLines(rules))).toBe(
    '*nat\n-D DOCKER -j RETURN\n-D DOCKER -p tcp -j DNAT --to-destination 1.2.3.4:5\nCOMMIT\n*filter\n-D X -m comment --comment "a b" -j ACCEPT\nCOMMIT\n',
  );
  expect(insertLines(rules).map((l) => l.line)).toEqual(['-I X 1 -m comment --comment "a b" -j ACCEPT', '-I DOCKER 2 -p tcp -j DNAT --to-destination 1.2.3.4:5', '-I DOCKER 5 -j RETURN']);
});

it('deletes a later copy of a duplicate by number, highest first, before spec deletes', () => {
  const rules = [
    { family: 'ipv4' as const, table: 'nat', chain: 'DOCKER', position: 3, spec: '-p tcp -j DNAT --to-destination 1.2.3.4:5', byPosition: true },
    { family: 'ipv4' as const, table: 'nat', chain: 'DOCKER', position: 2, spec: '-j RETURN' },
    { family: 'ipv4' as const, table: 'nat', chain: 'DOCKER', position: 7, spec: '-j RETURN', byPosition: true },
  ];
  expect(deleteLines(rules).map((l) => l.line)).toEqual(['-D DOCKER 7', '-D DOCKER 3', '-D DOCKER -j RETURN']);
});

describe('liveness by evidence', () => {
  // A host with a default route, the rules of a user's firewall for remote
  // networks, and the leftovers of a Docker network whose bridge is gone.
  const remote = `*filter
:ufw-user-forward - [0:0]
:DOCKER-USER - [0:0]
:BERTH-USER - [0:0]
-A ufw-user-forward -s 203.0.113.0/24 -j ACCEPT
-A ufw-user-forward -d 8.8.8.0/24 -j ACCEPT
-A DOCKER-USER -s 192.0.2.0/24 -j ACCEPT
-A DOCKER-USER -d 192.168.50.0/24 -j ACCEPT
-A BERTH-USER -d 10.200.0.0/24 -j ACCEPT
-A FORWARD -d 10.201.0.0/24 -j ACCEPT
COMMIT
*nat
-A POSTROUTING -s 100.64.0.0/16 -j MASQUERADE
-A POSTROUTING -s 10.202.0.0/16 -j MASQUERADE
-A POSTROUTING -s 172.19.0.0/16 ! -o br-aaaaaaaaaaaa -j MASQUERADE
-A POSTROUTING -s 172.19.0.2/32 -d 172.19.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A POSTROUTING -s 10.5.0.0/24 ! -o br-bbbbbbbbbbbb -j MASQUERADE
-A DOCKER ! -i br-aaaaaaaaaaaa -p tcp -m tcp --dport 8090 -j DNAT --to-destination 172.19.0.2:80
-A DOCKER ! -i br-bbbbbbbbbbbb -p tcp -m tcp --dport 8091 -j DNAT --to-destination 10.5.0.2:80
COMMIT
`;
  const withDefault = (withRoute: boolean) =>
    buildHostInspect({
      ...raw,
      routes: withRoute ? [{ dst: 'default', gateway: '172.17.0.254', dev: 'docker0', protocol: 'static', flags: [] } as never, ...raw.routes] : raw.routes,
      iptables: { ipv4: `${raw.iptables.ipv4}${remote}`, ipv6: null },
    });
  const texts = (h: ReturnType<typeof withDefault>) => planStale(h, emptyBerthOwned()).filter((f) => f.kind.startsWith('dangling'));

  it('never calls a network the default route reaches dead, nor a rule in a user chain', () => {
    const found = texts(withDefault(true));
    const text = found.map((f) => f.evidence[0]).join('\n');
    for (const net of ['203.0.113.0/24', '8.8.8.0/24', '192.0.2.0/24', '192.168.50.0/24', '10.200.0.0/24', '10.201.0.0/24', '100.64.0.0/16', '10.202.0.0/16'])
      expect(text).not.toContain(net);
  });

  it("still finds a dead Docker network's DNAT, MASQUERADE and hairpin, each with its evidence", () => {
    const found = texts(withDefault(true));
    const by = (needle: string) => found.find((f) => f.evidence[0].includes(needle));
    expect(by('--dport 8090')).toMatchObject({ kind: 'dangling-nat-rule', owner: 'docker', risk: 'foreign' });
    expect(by('--dport 8090')!.evidence).toContain("evidence: 172.19.0.2 is in docker's address pool 172.19.0.0/16, where the host has no bridge and no route");
    expect(by('--dport 8091')!.evidence).toContain('evidence: bridge br-bbbbbbbbbbbb does not exist');
    expect(by('-s 10.5.0.0/24')!.evidence).toContain('evidence: bridge br-bbbbbbbbbbbb does not exist');
    expect(by('-s 172.19.0.0/16')).toMatchObject({ kind: 'dangling-masquerade', owner: 'docker' });
    // the hairpin's owner comes from the DNAT it serves
    expect(by('-d 172.19.0.2/32')).toMatchObject({ kind: 'dangling-masquerade', owner: 'docker' });
    expect(by('-d 172.19.0.2/32')!.evidence[1]).toMatch(/hairpin MASQUERADE for the DNAT in chain DOCKER/);
  });

  it('without a default route, a user rule for an unrouted network is still not proven dead', () => {
    const text = texts(withDefault(false)).map((f) => f.evidence[0]).join('\n');
    for (const net of ['203.0.113.0/24', '10.200.0.0/24', '10.201.0.0/24', '100.64.0.0/16', '10.202.0.0/16']) expect(text).not.toContain(net);
    expect(text).toContain('--dport 8091');
  });
});

describe('a link Berth made and never tagged (killed between the add and the alias)', () => {
  const bridge = (name: string, address: string) => ({ ifindex: 900, ifname: name, flags: ['BROADCAST', 'MULTICAST'], mtu: 1500, operstate: 'DOWN', address, linkinfo: { info_kind: 'bridge' } });
  const marked = buildHostInspect({ ...raw, links: [...raw.links, bridge('br-aaaaaaaaaaaa', berthLinkMac('br-aaaaaaaaaaaa')), bridge('br-bbbbbbbbbbbb', '02:11:22:33:44:55')] });
  const found = findStale(marked, berth).filter((f) => /br-(a|b){12}/.test(f.evidence[0]));
  it("is Berth's orphan by its MAC mark; the same bridge without the mark stays a foreign empty bridge", () => {
    expect(found.map((f) => `${f.kind} ${f.owner} ${f.evidence[0]}`)).toEqual([
      'orphan-berth-link berth bridge br-aaaaaaaaaaaa',
      'empty-bridge docker bridge br-bbbbbbbbbbbb',
    ]);
  });
  it('is not flagged while the store has it', () => {
    const known = { ...berth, networks: [...berth.networks, { id: 'n2', name: 'k', bridge: 'br-aaaaaaaaaaaa', subnet: '', gateway: '', internal: false }] };
    expect(findStale(marked, known).filter((f) => f.evidence[0].includes('br-aaaaaaaaaaaa'))).toEqual([]);
  });
  // a reading of the host made before a removal, the store read after it (kernel/link-reaper.ts)
  it('is not flagged while the helper is deleting it in the background', () => {
    expect(findStale(marked, { ...berth, leaving: ['br-aaaaaaaaaaaa'] }).filter((f) => f.evidence[0].includes('br-aaaaaaaaaaaa'))).toEqual([]);
  });
});

describe("an empty bridge its engine's API still lists", () => {
  it('is a live network: not proposed', () => {
    const listed = buildHostInspect(raw);
    const br = listed.links.find((l) => l.name === 'br-0123456789ab')!;
    br.ownerObject = { kind: 'network', id: '0123456789ab', name: 'cachenet' };
    expect(findStale(listed, berth).filter((f) => f.evidence[0].includes('br-0123456789ab'))).toEqual([]);
  });
});

it('counts each later copy of a rule within its table only', () => {
  const copies = `*nat
-A DOCKER -p udp -m udp --dport 53 -j RETURN
-A DOCKER -p udp -m udp --dport 53 -j RETURN
-A DOCKER -p udp -m udp --dport 54 -j RETURN
-A DOCKER -p udp -m udp --dport 53 -j RETURN
COMMIT
*filter
-A DOCKER -p udp -m udp --dport 53 -j RETURN
-A DOCKER -p udp -m udp --dport 54 -j RETURN
-A DOCKER -p udp -m udp --dport 54 -j RETURN
COMMIT
`;
  const h = buildHostInspect({ ...raw, iptables: { ipv4: copies, ipv6: copies }, nft: null });
  const dups = findStale(h, emptyBerthOwned()).filter((f) => f.kind === 'duplicate-rule').map((f) => `${f.evidence[0].split(':')[0]} ${f.evidence[2]} ${f.evidence[0].slice(-18)}`);
  expect(dups).toEqual([
    'ipv4 nat copy 2 dport 53 -j RETURN', 'ipv4 nat copy 3 dport 53 -j RETURN', 'ipv4 filter copy 2 dport 54 -j RETURN',
    'ipv6 nat copy 2 dport 53 -j RETURN', 'ipv6 nat copy 3 dport 53 -j RETURN', 'ipv6 filter copy 2 dport 54 -j RETURN',
  ]);
});
