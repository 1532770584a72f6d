import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { HostRaw } from '../kernel/host-raw-types';
import { parseConntrackList } from '../kernel/conntrack-parse';
import { buildHostInspect } from '../inspect/build';
import { PortService } from '../engine/ports';
import type { Engine } from '../engine/engine';
import type { State } from '../store/state';
import { applyFindings } from './apply';
import { emptyBerthOwned, type BerthOwned } from './berth-owned';
import { findStale, planStale } from './findings';

// The Docker host of hostraw.json plus a Berth network br-aaaaaaaaaaaa
// (10.70.0.0/24) with one live container at 10.70.0.2 publishing 9000->80/tcp
// and 5353->53/udp.
const raw = JSON.parse(readFileSync(new URL('../inspect/fixtures/hostraw.json', import.meta.url), 'utf8')) as HostRaw;
const ctText = readFileSync(new URL('./fixtures/conntrack-extended.txt', import.meta.url), 'utf8');
const TAG = '-m comment --comment "berth:e1e1e1e1e1e1"';
const BR = 'br-aaaaaaaaaaaa';
const berthRules = `*nat
:BERTH - [0:0]
-A BERTH ! -i ${BR} -p tcp -m tcp --dport 9000 ${TAG} -j DNAT --to-destination 10.70.0.2:80
-A BERTH ! -i ${BR} -p udp -m udp --dport 5353 ${TAG} -j DNAT --to-destination 10.70.0.2:53
-A BERTH ! -i ${BR} -p tcp -m tcp --dport 9001 ${TAG} -j DNAT --to-destination 10.70.0.2:81
-A PREROUTING -p tcp -m tcp --dport 9200 -j DNAT --to-destination 10.70.0.2:80
COMMIT
*filter
:BERTH - [0:0]
-A BERTH -d 10.70.0.2/32 ! -i ${BR} -o ${BR} -p tcp -m tcp --dport 80 ${TAG} -j ACCEPT
-A BERTH -d 10.70.0.2/32 ! -i ${BR} -o ${BR} -p udp -m udp --dport 53 ${TAG} -j ACCEPT
-A BERTH -d 10.70.0.2/32 ! -i ${BR} -o ${BR} -p tcp -m tcp --dport 81 ${TAG} -j ACCEPT
COMMIT
`;
const hostRaw: HostRaw = {
  ...raw,
  links: [...raw.links, { ifindex: 50, ifname: BR, ifalias: 'berth:aaaaaaaaaaaa', flags: ['UP'], mtu: 1500, operstate: 'UP', address: '02:42:0a:46:00:01', linkinfo: { info_kind: 'bridge' } }],
  addrs: [...raw.addrs, { ifindex: 50, ifname: BR, addr_info: [{ family: 'inet', local: '10.70.0.1', prefixlen: 24 }] }],
  netns: [...raw.netns, { name: 'berth-111111111111', path: '/run/netns/berth-111111111111', inode: 4026532999, error: null, links: [{ ifindex: 2, ifname: 'eth0', addr_info: [{ family: 'inet', local: '10.70.0.2', prefixlen: 24 }] }] }],
  ss: 'tcp LISTEN 0 511 0.0.0.0:7777 0.0.0.0:* users:(("node",pid=42,fd=20))\n',
  iptables: { ipv4: `${raw.iptables.ipv4}${berthRules}`, ipv6: null },
};
const host = buildHostInspect(hostRaw);
const berth: BerthOwned = {
  ...emptyBerthOwned(),
  networks: [{ id: 'aaaaaaaaaaaa0000', name: 'pub', bridge: BR, subnet: '10.70.0.0/24', gateway: '10.70.0.1', internal: false }],
  endpoints: [{ id: 'e1e1e1e1e1e10000', networkId: 'aaaaaaaaaaaa0000', sandboxId: 'c1', ip: '10.70.0.2', hostVeth: 'vethb0', netnsPath: '/run/netns/berth-111111111111' }],
  netnsNames: ['berth-111111111111'],
  ports: [
    { endpointId: 'e1e1e1e1e1e10000', hostIp: '0.0.0.0', hostPort: 9000, proto: 'tcp', containerIp: '10.70.0.2', containerPort: 80 },
    { endpointId: 'e1e1e1e1e1e10000', hostIp: '::', hostPort: 9000, proto: 'tcp', containerIp: '10.70.0.2', containerPort: 80 },
    { endpointId: 'e1e1e1e1e1e10000', hostIp: '0.0.0.0', hostPort: 5353, proto: 'udp', containerIp: '10.70.0.2', containerPort: 53 },
  ],
  heldPorts: [
    { hostIp: '0.0.0.0', hostPort: 9000, proto: 'tcp', owner: 'c1', bound: true },
    { hostIp: '::', hostPort: 9000, proto: 'tcp', owner: 'c1', bound: true },
    { hostIp: '0.0.0.0', hostPort: 5353, proto: 'udp', owner: 'c1', bound: true },
    { hostIp: '0.0.0.0', hostPort: 7777, proto: 'tcp', owner: 'c1c1c1c1c1c1c1c1', bound: true },
    { hostIp: '0.0.0.0', hostPort: 6000, proto: 'udp', owner: 'c2c2c2c2c2c2c2c2', bound: false },
  ],
};
const ct = parseConntrackList(ctText);
const of = (kind: string) => findStale(host, berth, ct).filter((f) => f.kind === kind);

describe('parseConntrackList', () => {
  it('reads original and reply tuples, state and flags; skips port-less protocols', () => {
    expect(ct).toHaveLength(10);
    expect(ct[0]).toMatchObject({
      family: 'ipv4', proto: 'tcp', state: 'ESTABLISHED',
      orig: { src: '198.51.100.2', dst: '198.51.100.1', sport: 40000, dport: 9000 },
      reply: { src: '10.70.0.2', dst: '198.51.100.2', sport: 80, dport: 40000 },
    });
    expect(ct[3]).toMatchObject({ proto: 'udp', state: null, reply: { src: '10.70.0.9', sport: 53 } });
    expect(parseConntrackList('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n')).toEqual([]);
  });
});

describe('orphan-port-binding', () => {
  const found = of('orphan-port-binding');
  it('flags held ports and Berth port rules no mapping has, never a live one', () => {
    expect(found.map((f) => f.evidence[0]).sort()).toEqual([
      'host port 0.0.0.0:6000/udp held by Berth (an allocator entry) for c2c2c2c2c2c2',
      'host port 0.0.0.0:7777/tcp held by Berth (a socket the helper has bound) for c1c1c1c1c1c1',
      `ipv4 filter: -A BERTH -d 10.70.0.2/32 ! -i ${BR} -o ${BR} -p tcp -m tcp --dport 81 ${TAG} -j ACCEPT`,
      `ipv4 nat: -A BERTH ! -i ${BR} -p tcp -m tcp --dport 9001 ${TAG} -j DNAT --to-destination 10.70.0.2:81`,
    ]);
    expect(found.every((f) => f.owner === 'berth' && f.risk === 'safe' && f.commands.length === 0)).toBe(true);
    expect(found.find((f) => f.evidence[0].includes(':7777'))!.evidence[1]).toBe('listening: tcp 0.0.0.0:7777 pid 42 (node)');
    expect(found.find((f) => f.evidence[0].includes('--dport 9001'))!.reason).toBe('Berth DNAT for host port 0.0.0.0:9001/tcp, which no mapping in the store has');
    // the known-endpoint tag keeps them out of orphan-berth-rule
    expect(of('orphan-berth-rule')).toEqual([]);
  });

  it('is released through the engine on apply', async () => {
    const dataRoot = await mkdtemp(path.join(tmpdir(), 'berth-ports-'));
    try {
      const release = vi.fn(async () => {});
      const chosen = planStale(host, berth, ct).filter((p) => p.kind === 'orphan-port-binding');
      const res = await applyFindings(host, chosen, { dataRoot, releaseOrphans: release });
      expect(res.failed).toEqual([]);
      expect(res.applied.sort()).toEqual(chosen.map((p) => p.id).sort());
      expect(release).toHaveBeenCalledTimes(1);
      expect((release.mock.calls[0] as unknown[])[0]).toEqual(expect.arrayContaining([
        { hostIp: '0.0.0.0', hostPort: 7777, proto: 'tcp' },
        { hostIp: '0.0.0.0', hostPort: 6000, proto: 'udp' },
        { hostIp: '0.0.0.0', hostPort: 9001, proto: 'tcp' },
        { hostIp: '0.0.0.0', hostPort: null, proto: 'tcp' },
      ]));
      // without the engine, the finding fails by name and nothing else happens
      const alone = await applyFindings(host, chosen.slice(0, 1), { dataRoot });
      expect(alone.failed).toEqual([{ id: chosen[0].id, error: 'the engine releases this port: run berth doctor' }]);
    } finally {
      await rm(dataRoot, { recursive: true, force: true });
    }
  });
});

describe('stale-conntrack', () => {
  const found = of('stale-conntrack');
  it('flags flows of removed mappings and dead container addresses, grouped, with exact deletes', () => {
    expect(found.map((f) => `${f.owner} ${f.evidence[0]}`).sort()).toEqual([
      'berth conntrack tcp host port 9100 -> 10.70.0.2:80',
      'berth conntrack udp host port 5353 -> 10.70.0.9:53',
      'docker conntrack tcp host port 8081 -> 172.17.0.3:80',
    ]);
    const removed = found.find((f) => f.evidence[0].includes('9100'))!;
    expect(removed.reason).toBe('conntrack entries of host port 9100/tcp, which is no longer published to 10.70.0.2:80');
    expect(removed.evidence[1]).toMatch(/^2 entries, e\.g\. ipv4 +2 tcp/);
    expect(removed.commands).toEqual([
      ['conntrack', '-D', '-f', 'ipv4', '-p', 'tcp', '--orig-dst', '198.51.100.1', '--orig-port-dst', '9100', '--reply-src', '10.70.0.2', '--reply-port-src', '80'],
    ]);
    expect(removed.risk).toBe('safe');
    expect(found.find((f) => f.owner === 'docker')!.risk).toBe('foreign');
    expect(found.find((f) => f.evidence[0].includes('10.70.0.9'))!.reason).toBe('conntrack entries to 10.70.0.9, a container address no live namespace holds');
  });

  it('never flags a live mapping, a flow a DNAT rule still maps, or untranslated flows', () => {
    const text = found.map((f) => f.evidence.join('\n')).join('\n');
    expect(text).not.toMatch(/dport=9000 |sport=5001 |dport=8080 |dport=9200 |dst=1\.1\.1\.1|src=10\.70\.0\.1 /);
  });

  it('keeps its id when entries come and go between plan and apply', () => {
    const fewer = findStale(host, berth, ct.filter((e) => e.orig.sport !== 40002)).find((f) => f.kind === 'stale-conntrack' && f.evidence[0].includes('9100'))!;
    expect(fewer.id).toBe(found.find((f) => f.evidence[0].includes('9100'))!.id);
    expect(fewer.evidence[1]).toMatch(/^1 entry, /);
  });
});

describe('PortService held ports', () => {
  it('lists allocator entries and releases only those no mapping in the store has', async () => {
    const svc = new PortService({} as Engine, async () => {
      throw new Error('not bound in this test');
    });
    svc.alloc.reserve({ hostIp: '0.0.0.0', hostPort: 9000, proto: 'tcp' }, 'c1');
    svc.alloc.reserve({ hostIp: '0.0.0.0', hostPort: 7777, proto: 'tcp' }, 'c1');
    expect(svc.held()).toEqual([
      { hostIp: '0.0.0.0', hostPort: 7777, proto: 'tcp', owner: 'c1', bound: false },
      { hostIp: '0.0.0.0', hostPort: 9000, proto: 'tcp', owner: 'c1', bound: false },
    ]);
    const state = {
      containers: { c1: { id: 'c1', state: { status: 'running' }, ports: [{ hostIp: '0.0.0.0', hostPort: 9000, containerPort: 80, proto: 'tcp', spec: '9000:80' }] } },
    } as unknown as State;
    // 9000 is in the store now (the plan was older): kept
    await svc.releaseOrphans(state, [{ hostIp: '0.0.0.0', hostPort: 7777, proto: 'tcp' }, { hostIp: '0.0.0.0', hostPort: 9000, proto: 'tcp' }]);
    expect(svc.held().map((h) => h.hostPort)).toEqual([9000]);
  });
});
