import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyRules, linkOwnerMap } from './build';
import { nameEngineObjects } from './engine-host-names';
import { nameEngineRules } from './engine-names';
import { useEngineSockets } from './engines';
import { parseIptablesSave } from './iptables-parse';
import type { HostInspect } from '../../../src/shared/inspect';

// A fake Docker API: real HTTP on a unix socket in a temp dir, answering the
// two calls Berth makes the way Docker does (GET /containers/json, /networks).
const CONTAINERS = [
  { Id: 'c0ffee'.padEnd(64, '1'), Names: ['/web'], NetworkSettings: { Networks: { appnet: { IPAddress: '198.18.200.2', GlobalIPv6Address: '' } } } },
  { Id: 'beef'.padEnd(64, '2'), Names: ['/db\u001b[31m'], NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.3' } } } },
  // on docker0 at an address appnet's subnet reuses: named only on its own network
  { Id: 'cafe'.padEnd(64, '6'), Names: ['/twin'], NetworkSettings: { Networks: { bridge: { NetworkID: 'aaaa'.padEnd(64, '4'), IPAddress: '198.18.200.7' } } } },
];
const NETWORKS = [
  { Id: 'f2978adb140b'.padEnd(64, '3'), Name: 'appnet', Driver: 'bridge', Options: {} },
  { Id: 'aaaa'.padEnd(64, '4'), Name: 'bridge', Driver: 'bridge', Options: { 'com.docker.network.bridge.name': 'docker0' } },
  { Id: 'bbbb'.padEnd(64, '5'), Name: 'host', Driver: 'host', Options: {} },
];

let dir: string;
let sock: string;
let mode: 'ok' | 'error' | 'hang' = 'ok';
const asked: string[] = [];
const server = http.createServer((req, res) => {
  asked.push(req.url ?? '');
  if (mode === 'hang') return; // never answers
  if (mode === 'error') return void res.writeHead(500).end('{"message":"boom"}');
  const body = req.url?.startsWith('/containers/json') ? CONTAINERS : req.url?.startsWith('/networks') ? NETWORKS : null;
  if (!body) return void res.writeHead(404).end('{"message":"page not found"}');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-docker-api-'));
  sock = join(dir, 'docker.sock');
  await new Promise<void>((r) => server.listen(sock, r));
  useEngineSockets({ docker: sock, podman: join(dir, 'no-podman.sock') });
});
afterAll(async () => {
  useEngineSockets({});
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  mode = 'ok';
  asked.length = 0;
});

const fx = (n: string) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');
const dockerRules = () => classifyRules(parseIptablesSave(fx('docker20.save'), 'ipv4'), linkOwnerMap([]));
const berthRule = () =>
  parseIptablesSave('*nat\n:BERTH - [0:0]\n-A BERTH ! -i berth1 -p tcp -m tcp --dport 8080 -m comment --comment berth:0123456789ab -j DNAT --to-destination 198.18.200.2:80\nCOMMIT\n', 'ipv4');

describe("Docker's rules named through Docker's API", () => {
  it('names the container a DNAT or filter rule sends to, else the network of its bridge', async () => {
    const rules = [...dockerRules(), ...classifyRules(berthRule(), linkOwnerMap([]))];
    const errors: string[] = [];
    await nameEngineRules(rules, errors);
    expect(errors).toEqual([]);
    expect(asked.sort()).toEqual(['/containers/json', '/networks']); // one reading for all rules
    const by = (text: string) => rules.find((r) => r.text === text)!;
    const web = { kind: 'container', id: CONTAINERS[0].Id, name: 'web' };
    const appnet = { kind: 'network', id: NETWORKS[0].Id, name: 'appnet' };
    expect(by('-A DOCKER ! -i br-f2978adb140b -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.200.2:80').ownerObject).toEqual(web);
    expect(by('-A DOCKER -d 198.18.200.2/32 ! -i br-f2978adb140b -o br-f2978adb140b -p tcp -m tcp --dport 80 -j ACCEPT').ownerObject).toEqual(web);
    expect(by('-A POSTROUTING -s 198.18.200.2/32 -d 198.18.200.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE').ownerObject).toEqual(web);
    expect(by('-A FORWARD -o br-f2978adb140b -j DOCKER').ownerObject).toEqual(appnet);
    expect(by('-A POSTROUTING -s 198.18.200.0/24 ! -o br-f2978adb140b -j MASQUERADE').ownerObject).toEqual(appnet);
    expect(by('-A DOCKER-USER -j RETURN').ownerObject ?? null).toBeNull();
    // Berth's rule to the same address is Berth's: the client names it from its own tag
    expect(rules.find((r) => r.owner === 'berth')!.ownerObject).toBeUndefined();
  });

  it('names by the bridge in the rule first: a stale rule or another network\'s address takes no container name', async () => {
    const rules = parseIptablesSave(
      '*nat\n:DOCKER - [0:0]\n' +
        // its network is gone (no such bridge in the API): stale, though web has that address today
        '-A DOCKER ! -i br-0123456789ab -p tcp -m tcp --dport 8081 -j DNAT --to-destination 198.18.200.2:80\n' +
        // on appnet, to an address only twin (on docker0) has: appnet's, not twin's
        '-A DOCKER ! -i br-f2978adb140b -p tcp -m tcp --dport 8082 -j DNAT --to-destination 198.18.200.7:80\n' +
        // no bridge (a hairpin): the one container that has the address
        '-A POSTROUTING -s 198.18.200.7/32 -d 198.18.200.7/32 -p tcp -m tcp --dport 80 -j MASQUERADE\n' +
        'COMMIT\n', 'ipv4');
    classifyRules(rules, linkOwnerMap([]));
    for (const r of rules) r.owner = 'docker';
    await nameEngineRules(rules, []);
    expect(rules.map((r) => r.ownerObject ? `${r.ownerObject.kind} ${r.ownerObject.name}` : null)).toEqual([null, 'network appnet', 'container twin']);
  });

  it("shows only printable text of what the API answers, and names docker0's rules 'bridge'", async () => {
    const rules = parseIptablesSave(
      '*nat\n:DOCKER - [0:0]\n-A DOCKER ! -i docker0 -p tcp -m tcp --dport 5432 -j DNAT --to-destination 172.17.0.3:5432\n-A DOCKER -i docker0 -j RETURN\nCOMMIT\n', 'ipv4');
    classifyRules(rules, linkOwnerMap([]));
    await nameEngineRules(rules, []);
    expect(rules[0].ownerObject?.name).toBe('db[31m');
    expect(rules[1].ownerObject).toMatchObject({ kind: 'network', name: 'bridge' });
  });

  it('asks nothing when no rule is another engine’s', async () => {
    const rules = classifyRules(berthRule(), linkOwnerMap([]));
    await nameEngineRules(rules, []);
    expect(asked).toEqual([]);
  });

  it('an API that fails or does not answer is named in the errors; the rules stay, unnamed', async () => {
    for (const m of ['error', 'hang'] as const) {
      mode = m;
      const rules = dockerRules();
      const errors: string[] = [];
      await nameEngineRules(rules, errors);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(m === 'error' ? /^docker API .*HTTP 500/ : /^docker API .*did not answer/);
      expect(rules.every((r) => !r.ownerObject)).toBe(true);
      expect(rules.length).toBeGreaterThan(10);
    }
  });

  it('a socket path that is not a socket is not asked', async () => {
    useEngineSockets({ docker: dir });
    try {
      const errors: string[] = [];
      const rules = dockerRules();
      await nameEngineRules(rules, errors);
      expect(errors).toEqual([]);
      expect(asked).toEqual([]);
    } finally {
      useEngineSockets({ docker: sock, podman: join(dir, 'no-podman.sock') });
    }
  });
});

describe("Docker's bridges, veths and namespaces named through Docker's API", () => {
  const link = (name: string, kind: string, o: Partial<HostInspect['links'][number]> = {}): HostInspect['links'][number] =>
    ({ ifindex: 1, name, kind, state: 'UP', mtu: 1500, mac: '', master: null, peer: null, alias: null, addresses: [], owner: 'docker', ownerEvidence: '', ...o });
  const netns = (name: string, ifname: string, addr: string, owner: HostInspect['netns'][number]['owner'] = 'docker'): HostInspect['netns'][number] =>
    ({ name, path: `/run/netns/${name}`, inode: 1, pids: [], processes: [], links: [{ name: 'lo', addresses: [] }, { name: ifname, addresses: [addr] }], owner, ownerEvidence: '' });
  const host = (links: HostInspect['links'], ns: HostInspect['netns']): HostInspect =>
    ({ takenAt: '', links, routes: [], netns: ns, sockets: [], rules: [], nftTables: [], errors: [] });

  it('a bridge is its network; a veth on it and the namespace behind it are the container with that address on that network', async () => {
    const h = host(
      [
        link('br-f2978adb140b', 'bridge', { addresses: ['198.18.200.1/24'] }),
        link('docker0', 'bridge'),
        link('vethweb', 'veth', { master: 'br-f2978adb140b', peer: 'eth0@webns' }),
        // on docker0, to a namespace with web's address: docker0's network has no container there
        link('vethodd', 'veth', { master: 'docker0', peer: 'eth0@oddns' }),
        // a bridge no Docker network has now, and a veth on it to a namespace with twin's address
        link('br-0123456789ab', 'bridge'),
        link('vethold', 'veth', { master: 'br-0123456789ab', peer: 'eth0@oldns' }),
      ],
      [netns('webns', 'eth0', '198.18.200.2/24'), netns('oddns', 'eth0', '198.18.200.2/24'), netns('oldns', 'eth0', '198.18.200.7/24')],
    );
    await nameEngineObjects(h);
    expect(h.errors).toEqual([]);
    const named = (x: { ownerObject?: { kind: string; name: string } | null }) => (x.ownerObject ? `${x.ownerObject.kind} ${x.ownerObject.name}` : null);
    expect(Object.fromEntries(h.links.map((l) => [l.name, named(l)]))).toEqual({
      'br-f2978adb140b': 'network appnet', docker0: 'network bridge', vethweb: 'container web', vethodd: null, 'br-0123456789ab': null, vethold: null,
    });
    expect(Object.fromEntries(h.netns.map((n) => [n.name, named(n)]))).toEqual({ webns: 'container web', oddns: null, oldns: null });
  });

  it("Berth's own namespace on another engine's bridge takes no name from it; nothing is asked when nothing is another engine's", async () => {
    const h = host([link('br-f2978adb140b', 'bridge'), link('vethb', 'veth', { master: 'br-f2978adb140b', peer: 'eth0@berth-0123456789ab' })],
      [netns('berth-0123456789ab', 'eth0', '198.18.200.2/24', 'berth')]);
    await nameEngineObjects(h);
    expect(h.netns[0].ownerObject).toBeUndefined();
    expect(h.links[1].ownerObject).toBeUndefined();
    asked.length = 0;
    const mine = host([link('berth1', 'bridge', { owner: 'berth' })], []);
    await nameEngineObjects(mine);
    expect(asked).toEqual([]);
  });
});
