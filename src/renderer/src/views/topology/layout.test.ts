import { describe, expect, it } from 'vitest';
import { roundedPath } from './geometry';
import { buildTopology } from './layout';
import { G, X, type ContainerData, type ForeignData, type LinkData, type NetworkData, type PortData, type TopoNode } from './model';
import { ctrFx, fixture, netFx } from './fixture';

const byId = (nodes: TopoNode[], id: string) => nodes.find((n) => n.id === id)!;
const overlap = (a: TopoNode, b: TopoNode) =>
  a.position.x < b.position.x + b.width! && b.position.x < a.position.x + a.width! && a.position.y < b.position.y + b.height! && b.position.y < a.position.y + a.height!;

describe('buildTopology', () => {
  it('makes one node per host, bridge network, container, foreign sandbox and published port', () => {
    const f = fixture();
    const t = buildTopology(f);
    const kinds = t.nodes.map((n) => `${n.type}:${(n.data as { label: string }).label}`);
    expect(kinds).toEqual([
      'host:Host',
      'network:back', 'network:front', 'network:bridge', // user networks by name, the default bridge last
      'container:api', 'container:web', 'foreign:dev-ns', 'container:worker', // by the networks they join
      'port:8080/tcp', 'port:8443/tcp',
    ]);
    expect(t.counts).toEqual({ networks: 3, containers: 3, foreign: 1, ports: 2, endpoints: 5 });
    expect(t.empty).toBe(false);
  });

  it('draws each endpoint link on its own vertical, the farthest-reaching turning first (no bundle)', () => {
    const t = buildTopology(fixture());
    const eps = t.edges.filter((e) => (e.data as LinkData).kind === 'endpoint');
    const bySource = new Map<string, typeof eps>();
    for (const e of eps) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
    const shared = [...bySource.values()].filter((l) => l.length > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const list of shared) {
      const xs = list.map((e) => (e.data as LinkData).trunkX);
      expect(new Set(xs).size, list.map((e) => e.id).join(' ')).toBe(list.length);
    }
  });

  it('puts host, networks and containers in columns, without overlaps, from y = 0', () => {
    const t = buildTopology(fixture());
    for (const n of t.nodes) {
      const x = { host: X.host, port: X.host, network: X.net, container: X.ctr, foreign: X.ctr }[n.type!];
      expect(n.position.x, n.id).toBe(x);
      expect(n.width).toBeGreaterThan(0);
      expect(n.height).toBeGreaterThan(0);
    }
    for (let i = 0; i < t.nodes.length; i++) for (let j = i + 1; j < t.nodes.length; j++) expect(overlap(t.nodes[i], t.nodes[j]), `${t.nodes[i].id} / ${t.nodes[j].id}`).toBe(false);
    expect(Math.min(...t.nodes.map((n) => n.position.y))).toBe(0);
    // ports sit under the host
    const host = byId(t.nodes, 'host');
    for (const p of t.nodes.filter((n) => n.type === 'port')) expect(p.position.y).toBeGreaterThanOrEqual(host.position.y + host.height!);
  });

  it('is deterministic: input order does not change the picture', () => {
    const a = fixture();
    const b = fixture();
    const t1 = buildTopology(a);
    const t2 = buildTopology({ ...b, networks: [...b.networks].reverse(), containers: [...b.containers].reverse() });
    expect(t2.nodes.map((n) => [n.id, n.position])).toEqual(t1.nodes.map((n) => [n.id, n.position]));
    expect(t2.edges.map((e) => e.id)).toEqual(t1.edges.map((e) => e.id));
  });

  it('labels endpoint edges with the interface, IP and host veth', () => {
    const f = fixture();
    const t = buildTopology(f);
    const ep = (sb: string, net: string) => t.edges.find((e) => e.id === `ep:${sb}:${net}`)!;
    const web = ep(`ctr:${f.web.Id}`, 'front');
    expect(web).toMatchObject({ source: `net:${f.front.Id}`, sourceHandle: 'out', target: `ctr:${f.web.Id}`, targetHandle: 'ep-0' });
    expect(web.data).toMatchObject({ kind: 'endpoint', label: 'eth0 10.1.0.2', sublabel: 'vethaaa0001' });
    expect(web.ariaLabel).toBe('web eth0 10.1.0.2 on front, host veth vethaaa0001');
    // second endpoint row gets the second handle; veth found by bridge + peer
    expect(ep(`ctr:${f.api.Id}`, 'back')).toMatchObject({ targetHandle: 'ep-1', data: { label: 'eth1 10.2.0.2', sublabel: 'vethbbb0002' } });
    expect(ep(`ctr:${f.api.Id}`, 'front').data?.sublabel).toBeUndefined();
    // foreign: interface from the veth's peer
    expect(ep('fgn:ns-dev', 'front').data).toMatchObject({ label: 'eth1 10.1.0.9', sublabel: 'vethddd0004' });
    // a stopped container's endpoint is drawn, as down
    expect(ep(`ctr:${f.worker.Id}`, 'bridge').className).toContain('is-down');
  });

  it('draws uplinks host → bridge with masquerade, routed and internal styles', () => {
    const f = fixture();
    f.networks.push(netFx('plain', '10.9.0.0/24', { Options: { 'com.docker.network.bridge.name': 'br-plain', 'com.docker.network.bridge.enable_ip_masquerade': 'false' } }));
    const t = buildTopology(f);
    const up = (n: { Id: string }) => t.edges.find((e) => e.id === `uplink:${n.Id}`)!;
    expect(up(f.front).data).toMatchObject({ kind: 'uplink', tone: 'masq', label: 'NAT' });
    expect(up(f.back).data).toMatchObject({ tone: 'internal', label: 'internal' });
    expect(up(f.networks[3]).data).toMatchObject({ tone: 'plain', label: 'routed' });
    expect(up(f.front).className).toContain('tone-masq');
    expect(up(f.front)).toMatchObject({ source: 'host', target: `net:${f.front.Id}` });
    const front = byId(t.nodes, `net:${f.front.Id}`).data as NetworkData;
    expect(front).toMatchObject({ bridge: 'br-front', subnet: '10.1.0.0/24', gateway: '10.1.0.1', masquerade: true, icc: true, endpoints: 3 });
    expect(front.bridgeLink?.state).toBe('UP');
    expect(byId(t.nodes, `net:${f.back.Id}`).data).toMatchObject({ internal: true, icc: false, masquerade: false });
    expect(byId(t.nodes, `net:${f.front.Id}`).ariaLabel).toBe('Network front, bridge br-front, subnet 10.1.0.0/24, gateway 10.1.0.1, masquerade, 3 endpoints');
  });

  it('merges IPv4 and IPv6 bindings of a port and routes it to the container header', () => {
    const f = fixture();
    const t = buildTopology(f);
    const p = t.nodes.find((n) => n.type === 'port' && (n.data as PortData).hostPort === 8080)!;
    expect(p.data).toMatchObject({ hostIps: ['0.0.0.0', '::'], containerPort: 80, proto: 'tcp', container: 'web', containerIp: '10.1.0.2' });
    const e = t.edges.find((x) => x.source === p.id)!;
    expect(e).toMatchObject({ target: `ctr:${f.web.Id}`, targetHandle: 'pub' });
    // the lane across the networks column misses every network box
    const lane = (e.data as LinkData).laneY!;
    for (const n of t.nodes.filter((x) => x.type === 'network')) expect(lane <= n.position.y - 4 || lane >= n.position.y + n.height! + 4, n.id).toBe(true);
  });

  it('gives every edge a handle its node declares (static handles, no DOM needed)', () => {
    const t = buildTopology(fixture());
    for (const e of t.edges) {
      const s = byId(t.nodes, e.source);
      const d = byId(t.nodes, e.target);
      expect(s.handles?.some((h) => h.id === e.sourceHandle && h.type === 'source'), e.id).toBe(true);
      expect(d.handles?.some((h) => h.id === e.targetHandle && h.type === 'target'), e.id).toBe(true);
    }
    // endpoint handles line up with the rows
    const api = t.nodes.find((n) => (n.data as ContainerData).label === 'api')!;
    expect(api.handles!.find((h) => h.id === 'ep-1')!.y + 4).toBe(G.ctrHead + G.ctrRow * 1.5);
  });

  it('shows host interfaces and the default route, skipping loopback, bridges and veths', () => {
    const t = buildTopology(fixture());
    const host = byId(t.nodes, 'host');
    expect(host.data).toMatchObject({ interfaces: [{ name: 'eth0', addresses: ['192.168.1.10/24'] }], defaultRoute: 'default via 192.168.1.1 dev eth0' });
    expect(host.ariaLabel).toBe('Host, interfaces eth0 192.168.1.10/24');
    // without host.inspect the host is still drawn
    const f = fixture();
    const bare = buildTopology({ ...f, host: null });
    expect(byId(bare.nodes, 'host').data).toMatchObject({ interfaces: [], defaultRoute: null });
    expect(bare.edges.find((e) => e.id.startsWith('ep:'))?.data?.sublabel).toBeUndefined();
  });

  it('is empty with only the default bridge, and skips host/null networks', () => {
    const t = buildTopology({ networks: [netFx('bridge', '172.17.0.0/16'), { ...netFx('host', ''), Driver: 'host' }, { ...netFx('none', ''), Driver: 'null' }], containers: [] });
    expect(t.empty).toBe(true);
    expect(t.nodes.map((n) => n.type)).toEqual(['host', 'network']);
    expect(t.edges.map((e) => e.id)).toEqual([expect.stringMatching(/^uplink:/)]);
  });

  it('keeps a container without networks, after the others', () => {
    const f = fixture();
    const lone = ctrFx('lone', []);
    const t = buildTopology({ ...f, containers: [...f.containers, lone] });
    const sbs = t.nodes.filter((n) => n.type === 'container' || n.type === 'foreign');
    expect((sbs[sbs.length - 1].data as ContainerData).label).toBe('lone');
    expect(sbs[sbs.length - 1].ariaLabel).toBe('Container lone, running, no network');
    expect((t.nodes.find((n) => n.type === 'foreign')!.data as ForeignData).source).toBe('netns');
  });
});

describe('roundedPath', () => {
  it('rounds corners and drops zero-length and straight-through points', () => {
    expect(roundedPath([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 20, y: 0 }])).toBe('M0,0 L20,0');
    expect(roundedPath([{ x: 0, y: 0 }, { x: 20, y: 0 }, { x: 20, y: 0 }, { x: 20, y: 20 }], 4)).toBe('M0,0 L16,0 Q20,0 20,4 L20,20');
  });
});
