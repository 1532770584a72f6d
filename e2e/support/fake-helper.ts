// An in-memory stand-in for the helper's engine, behind the real RPC server
// (startFakeHelper). Used to test the GUI's views without root or kernel;
// the real e2e uses the engine.
import { createHash, randomBytes } from 'node:crypto';
import { BerthError } from '../../src/shared/errors';
import { METHOD_NAMES } from '../../src/shared/method-names';
import { methods, type MethodName } from '../../src/shared/methods';
import { RpcServer, type CallContext, type Handlers } from '../../helper/src/server/rpc-server';
import type { BerthEvent } from '../../src/shared/events';
import type { Network } from '../../src/shared/network';
import type { Container, ForeignSandbox } from '../../src/shared/container';
import { isCIDRv4 } from '../../src/shared/validators';
import type { PortMapping } from '../../src/shared/ports';
import type { Finding, FirewallRule, HostInspect } from '../../src/shared/inspect';
import { parseIptablesSave } from '../../helper/src/inspect/iptables-parse';
import { countersSince, makeSnapshot, queryRules, SnapshotCache } from '../../helper/src/inspect/nat-query';
import { parsePublish } from '../../helper/src/portmap/spec';
import { hostIpsOverlap, joinHostPort } from '../../src/shared/ip';

const id = () => randomBytes(32).toString('hex');
const ipToInt = (ip: string) => ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
function range(cidr: string): [number, number] {
  const [ip, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  const start = Math.floor(ipToInt(ip) / size) * size;
  return [start, start + size - 1];
}
const overlaps = (a: string, b: string) => {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
};

export interface FakeOptions {
  extraRules?: number; // synthetic foreign nat rules, to scroll through
  findings?: Finding[]; // what cleanup.plan reports (default: FAKE_FINDINGS)
}

export class FakeEngine {
  networks = new Map<string, Network>();
  containers = new Map<string, Container>();
  hostRoutes = ['192.168.1.0/24'];
  ports = new Map<string, PortMapping[]>(); // by container id
  findings: Finding[];
  snapshots: { id: string; findings: Finding[] }[] = [];
  // sandboxes of other engines and plain namespaces (sandbox.listForeign)
  foreign: ForeignSandbox[] = [{ source: 'netns', id: 'ns-dev', name: 'dev-ns', pid: null, netnsPath: '/run/netns/dev-ns', status: 'present', addresses: ['10.99.0.2/24'], attachedNetworks: [] }];
  // veth name per endpoint id (host.inspect)
  private veths = new Map<string, { name: string; peer: string; bridge: string }>();
  doctorRuns = 0;
  private subs = new Set<(e: BerthEvent) => void>();
  private nextIp = new Map<string, number>();
  private nextEphemeral = 32768;
  private extraRules: number;

  constructor(opts: FakeOptions = {}) {
    this.extraRules = opts.extraRules ?? 0;
    this.findings = [...(opts.findings ?? FAKE_FINDINGS)];
    this.addNetwork({ name: 'bridge', subnet: '172.17.0.0/16', options: { 'com.docker.network.bridge.name': 'berth0' } });
  }

  // How long the fake takes to answer (a cleanup shows its progress).
  latency(method: MethodName): number {
    return method === 'cleanup.apply' ? 900 : 60;
  }

  // A slow helper, made deterministic: answers to the calls `when` matches
  // are held back until the test calls the returned release().
  private gates = new Set<{ when: (method: MethodName, params: any) => boolean; held: (() => void)[] }>();
  holdAnswers(when: (method: MethodName, params: any) => boolean): () => void {
    const gate = { when, held: [] as (() => void)[] };
    this.gates.add(gate);
    return () => {
      this.gates.delete(gate);
      for (const send of gate.held.splice(0)) send();
    };
  }
  // A helper that fails, made deterministic: the calls `when` matches are
  // refused ('unavailable', as a busy or restarting helper's would be) until
  // the test calls the returned restore().
  private failing = new Set<(method: MethodName, params: any) => boolean>();
  failAnswers(when: (method: MethodName, params: any) => boolean): () => void {
    this.failing.add(when);
    return () => void this.failing.delete(when);
  }
  refuses(method: MethodName, params: unknown): boolean {
    return [...this.failing].some((f) => f(method, params));
  }
  answer(method: MethodName, params: unknown, send: () => void): void {
    for (const g of this.gates) if (g.when(method, params)) return void g.held.push(send);
    setTimeout(send, this.latency(method));
  }

  allMappings(): { c: Container; m: PortMapping }[] {
    return [...this.containers.values()].flatMap((c) => (this.ports.get(c.Id) ?? []).map((m) => ({ c, m })));
  }

  // `port add`: Docker's -p text, checked against every live mapping.
  publish(c: Container, spec: string): PortMapping[] {
    if (!c.State.Running) throw new BerthError('conflict', `Container ${c.Name.slice(1)} is not running: start it, or give the ports to \`berth run -p\``);
    const gw = Object.values(c.NetworkSettings.Networks)[0]?.IPAddress;
    const added: PortMapping[] = [];
    const taken = (ip: string, port: number, proto: string) =>
      [...this.allMappings().map((x) => x.m), ...added].some((m) => m.proto === proto && m.hostPort === port && hostIpsOverlap(m.hostIp, ip));
    const local = ['0.0.0.0', '::', '::1', '192.168.1.10'];
    for (const r of parsePublish(spec)) {
      if (r.hostIp && !local.includes(r.hostIp) && !r.hostIp.startsWith('127.'))
        throw new BerthError('invalid_argument', `Bind for ${joinHostPort(r.hostIp, r.hostPortStart || r.containerPort)} failed: ${r.hostIp} is not an address of this host`);
      const ips = r.hostIp ? [r.hostIp] : ['0.0.0.0', '::'];
      for (const ip of ips) {
        let port = 0;
        if (r.hostPortStart === 0) {
          while (taken(ip, this.nextEphemeral, r.proto)) this.nextEphemeral++;
          port = this.nextEphemeral++;
        } else {
          for (let p = r.hostPortStart; p <= r.hostPortEnd && !port; p++) if (!taken(ip, p, r.proto)) port = p;
          if (!port) throw new BerthError('conflict', `Bind for ${joinHostPort(ip, r.hostPortStart)} failed: port is already allocated`);
        }
        added.push({ hostIp: ip, hostPort: port, containerPort: r.containerPort, proto: r.proto, containerIp: gw });
      }
    }
    this.ports.set(c.Id, [...(this.ports.get(c.Id) ?? []), ...added]);
    this.syncPorts(c);
    return added;
  }
  unpublish(c: Container, spec: string): PortMapping[] {
    const [r] = parsePublish(spec);
    const list = this.ports.get(c.Id) ?? [];
    const gone = list.filter((m) => m.containerPort === r.containerPort && m.proto === r.proto && (!r.hostIp || m.hostIp === r.hostIp) && (!r.hostPortStart || (m.hostPort >= r.hostPortStart && m.hostPort <= r.hostPortEnd)));
    if (!gone.length) throw new BerthError('not_found', `No public port '${r.containerPort}/${r.proto}' published for ${c.Name.slice(1)} matching ${spec}`);
    this.ports.set(c.Id, list.filter((m) => !gone.includes(m)));
    this.syncPorts(c);
    return gone.map(({ containerIp: _ip, ...m }) => m);
  }
  syncPorts(c: Container) {
    const ports: Container['NetworkSettings']['Ports'] = {};
    for (const m of this.ports.get(c.Id) ?? []) (ports[`${m.containerPort}/${m.proto}`] ??= []).push({ HostIp: m.hostIp, HostPort: String(m.hostPort) });
    c.NetworkSettings.Ports = ports;
    this.emit({ type: 'ports.changed', container: c.Id });
  }

  // The nat and filter tables as iptables-save -c would print them for this
  // state, read with the helper's own parser; plus Docker's rules, a few
  // nftables ones and, on request, thousands of foreign rules.
  natSnapshots = new SnapshotCache();
  natRules(): FirewallRule[] {
    const nets = [...this.networks.values()];
    const br = (n: Network) => n.Options['com.docker.network.bridge.name'];
    const cnt = (i: number) => `[${(i * 37) % 900}:${((i * 37) % 900) * 64}]`;
    const nat: string[] = [
      '*nat',
      '[1204:72240] -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment berth:jump -j BERTH',
      '[310:18600] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      '[0:0] -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment berth:jump -j BERTH',
      '[0:0] -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
      ...nets.map((n, i) => `${cnt(i + 3)} -A POSTROUTING -s ${n.IPAM.Config[0].Subnet} ! -o ${br(n)} -m comment --comment berth:${n.Id.slice(0, 12)} -j MASQUERADE`),
      '[88:5280] -A POSTROUTING -s 172.30.0.0/16 ! -o docker0 -j MASQUERADE',
      ...nets.map((n) => `[0:0] -A BERTH -i ${br(n)} -j RETURN`),
      ...this.allMappings().map(({ c, m }, i) => {
        const n = this.net(Object.keys(c.NetworkSettings.Networks)[0] ?? 'bridge');
        const v6 = m.hostIp.includes(':');
        if (v6) return '';
        const d = m.hostIp === '0.0.0.0' ? '' : `-d ${m.hostIp}/32 `;
        // a published port's rules carry its endpoint's id, as Berth writes them (the GUI names the container by it)
        const tag = (Object.values(c.NetworkSettings.Networks)[0]?.EndpointID ?? c.Id).slice(0, 12);
        return `${cnt(i + 11)} -A BERTH ${d}! -i ${br(n)} -p ${m.proto} -m ${m.proto} --dport ${m.hostPort} -m comment --comment berth:${tag} -j DNAT --to-destination ${m.containerIp}:${m.containerPort}`;
      }).filter(Boolean),
      '[0:0] -A DOCKER -i docker0 -j RETURN',
      '[57:3420] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9000 -j DNAT --to-destination 172.30.0.2:9000',
    ];
    for (let i = 0; i < this.extraRules; i++) {
      const svc = `KUBE-SVC-${(i * 2654435761 % 0xffffffff).toString(16).toUpperCase().padStart(8, '0')}`;
      nat.push(`${cnt(i)} -A KUBE-SERVICES -d 10.96.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m comment --comment "default/svc-${i} cluster IP" -m tcp --dport ${1000 + (i % 60000)} -j ${svc}`);
    }
    nat.push('COMMIT');
    const filter = [
      '*filter',
      '[2310:1402112] -A FORWARD -m comment --comment berth:jump -j BERTH-USER',
      '[2310:1402112] -A FORWARD -m comment --comment berth:jump -j BERTH-FORWARD',
      ...nets.map((n) => `[0:0] -A BERTH ! -i ${br(n)} -o ${br(n)} -j DROP`),
      '[12:720] -A DOCKER-USER -j RETURN',
      'COMMIT',
    ];
    const v4 = parseIptablesSave([...nat, ...filter].join('\n') + '\n', 'ipv4');
    const v6 = parseIptablesSave(
      ['*nat', ...this.allMappings().filter(({ m }) => m.hostIp === '::').map(({ c, m }) => `[0:0] -A BERTH -p ${m.proto} -m ${m.proto} --dport ${m.hostPort} -m comment --comment berth:${c.Id.slice(0, 12)} -j DNAT --to-destination [fd00::2]:${m.containerPort}`), 'COMMIT', ''].join('\n'),
      'ipv6',
    );
    const rules = [...v4, ...v6];
    for (const r of rules) {
      const c = r.comment ?? '';
      const berth = r.chain.startsWith('BERTH') || c.startsWith('berth:');
      const docker = r.chain.startsWith('DOCKER') || r.target === 'DOCKER' || r.text.includes('docker0');
      const kube = r.chain.startsWith('KUBE');
      r.owner = berth ? 'berth' : docker ? 'docker' : kube ? 'kubernetes' : 'unknown';
      r.ownerEvidence = berth ? (c.startsWith('berth:') ? `comment ${c}` : `chain ${r.chain}`) : docker ? `chain or interface of Docker (${r.chain})` : kube ? `chain ${r.chain}` : 'no known owner';
    }
    const nft: FirewallRule = {
      id: 'nft/inet/firewalld/nat_PREROUTING/1', family: 'ipv4', source: 'nftables', table: 'inet firewalld', chain: 'nat_PREROUTING', position: 1,
      text: 'tcp dport 2222 counter packets 4 bytes 240 dnat ip to 192.168.1.50:22', matches: { 'tcp dport': '2222' }, target: 'DNAT',
      targetArgs: { 'to-destination': '192.168.1.50:22', handle: '12' }, packets: 4, bytes: 240, comment: null, owner: 'firewalld', ownerEvidence: 'table inet firewalld', mapping: '0.0.0.0:2222 -> 192.168.1.50:22/tcp',
    };
    return [...rules, nft];
  }
  subscribe(cb: (e: BerthEvent) => void) {
    this.subs.add(cb);
    return () => this.subs.delete(cb);
  }
  emit(e: BerthEvent) {
    this.subs.forEach((cb) => cb(e));
  }

  suggest(): string {
    for (let i = 17; i < 32; i++) {
      const c = `172.${i}.0.0/16`;
      if (![...this.networks.values()].some((n) => overlaps(n.IPAM.Config[0].Subnet, c))) return c;
    }
    return '192.168.0.0/20';
  }

  check(subnet?: string) {
    const suggested = this.suggest();
    if (!subnet) return { suggested, valid: true, overlaps: [] };
    if (!isCIDRv4(subnet)) return { suggested, valid: false, error: `invalid subnet "${subnet}": not an IPv4 CIDR (like 10.1.0.0/24)`, overlaps: [] };
    const ov = [
      ...[...this.networks.values()]
        .filter((n) => overlaps(n.IPAM.Config[0].Subnet, subnet))
        .map((n) => ({ kind: 'network' as const, what: n.Name, cidr: n.IPAM.Config[0].Subnet })),
      ...this.hostRoutes.filter((r) => overlaps(r, subnet)).map((r) => ({ kind: 'route' as const, what: 'eth0', cidr: r })),
    ];
    const bad = ov.find((o) => o.kind === 'network');
    return { suggested, valid: !bad, error: bad ? `subnet ${subnet} overlaps network ${bad.what} (${bad.cidr})` : undefined, overlaps: ov };
  }

  addNetwork(p: { name: string; subnet?: string; gateway?: string; ipRange?: string; internal?: boolean; options?: Record<string, string>; labels?: Record<string, string> }): Network {
    if ([...this.networks.values()].some((n) => n.Name === p.name)) throw new BerthError('conflict', `network with name ${p.name} already exists`);
    const subnet = p.subnet ?? this.suggest();
    const c = this.check(subnet);
    if (!c.valid) throw new BerthError(c.error?.includes('overlaps') ? 'conflict' : 'invalid_argument', c.error ?? 'invalid subnet');
    const [start] = range(subnet);
    const nid = id();
    const n: Network = {
      Name: p.name, Id: nid, Created: new Date().toISOString(), Scope: 'local', Driver: 'bridge', EnableIPv4: true, EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: subnet, Gateway: p.gateway ?? intToIp(start + 1), ...(p.ipRange ? { IPRange: p.ipRange } : {}) }] },
      Internal: p.internal ?? false, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
      Containers: {}, Options: { 'com.docker.network.bridge.name': `br-${nid.slice(0, 12)}`, ...(p.options ?? {}) }, Labels: p.labels ?? {},
    };
    this.networks.set(nid, n);
    this.nextIp.set(nid, start + 2);
    this.emit({ type: 'network.created', id: nid, name: n.Name });
    return n;
  }
  net(name: string): Network {
    const n = [...this.networks.values()].find((x) => x.Name === name || x.Id.startsWith(name));
    if (!n) throw new BerthError('not_found', `network ${name} not found`);
    return n;
  }
  ctr(name: string): Container {
    const c = [...this.containers.values()].find((x) => x.Name === '/' + name || x.Id.startsWith(name));
    if (!c) throw new BerthError('not_found', `no such container: ${name}`);
    return c;
  }
  attach(c: Container, n: Network) {
    if (c.NetworkSettings.Networks[n.Name]) throw new BerthError('conflict', `${c.Name.slice(1)} is already on ${n.Name}`);
    const ipn = this.nextIp.get(n.Id)!;
    this.nextIp.set(n.Id, ipn + 1);
    const ip = intToIp(ipn);
    const eid = id();
    const len = Number(n.IPAM.Config[0].Subnet.split('/')[1]);
    c.NetworkSettings.Networks[n.Name] = {
      NetworkID: n.Id, EndpointID: eid, Gateway: n.IPAM.Config[0].Gateway ?? '', IPAddress: ip, IPPrefixLen: len,
      MacAddress: '02:42:ac:11:00:02', InterfaceName: `eth${Object.keys(c.NetworkSettings.Networks).length}`, IPAMConfig: null,
    };
    n.Containers[c.Id] = { Name: c.Name.slice(1), EndpointID: eid, MacAddress: '02:42:ac:11:00:02', IPv4Address: `${ip}/${len}`, IPv6Address: '' };
    this.veths.set(eid, { name: `veth${eid.slice(0, 7)}`, peer: `${c.NetworkSettings.Networks[n.Name].InterfaceName}@berth-${c.Id.slice(0, 12)}`, bridge: n.Options['com.docker.network.bridge.name'] });
    this.emit({ type: 'endpoint.joined', network: n.Name, sandbox: c.Name.slice(1), ip });
    return { ip, len, eid };
  }
  // A foreign sandbox (`network connect --netns`) joins a Berth network.
  attachForeign(sandbox: string, network: string) {
    const f = this.foreign.find((x) => x.name === sandbox || x.id === sandbox);
    if (!f) throw new BerthError('not_found', `no such namespace: ${sandbox}`);
    const n = this.net(network);
    if (n.Containers[f.id]) throw new BerthError('conflict', `${f.name} is already on ${n.Name}`);
    const ipn = this.nextIp.get(n.Id)!;
    this.nextIp.set(n.Id, ipn + 1);
    const ip = intToIp(ipn);
    const eid = id();
    const len = Number(n.IPAM.Config[0].Subnet.split('/')[1]);
    const ifname = `eth${f.attachedNetworks.length + 1}`;
    n.Containers[f.id] = { Name: f.name, EndpointID: eid, MacAddress: '02:42:0a:63:00:09', IPv4Address: `${ip}/${len}`, IPv6Address: '' };
    f.attachedNetworks.push(n.Name);
    f.addresses.push(`${ip}/${len}`);
    this.veths.set(eid, { name: `veth${eid.slice(0, 7)}`, peer: `${ifname}@${f.name}`, bridge: n.Options['com.docker.network.bridge.name'] });
    this.emit({ type: 'endpoint.joined', network: n.Name, sandbox: f.name, ip });
    return { ip, len, eid, ifname };
  }

  // What host.inspect reads: eth0 with the LAN address, Berth's bridges and
  // one veth per endpoint (alias berth:<endpoint>, peer in the sandbox).
  hostInspect(): HostInspect {
    const nets = [...this.networks.values()];
    const live = new Set(nets.flatMap((n) => Object.values(n.Containers).map((e) => e.EndpointID)));
    let ix = 1;
    const link = (l: Partial<HostInspect['links'][number]> & { name: string; kind: string }): HostInspect['links'][number] => ({
      ifindex: ix++, state: 'UP', mtu: 1500, mac: '02:00:00:00:00:01', master: null, peer: null, alias: null, addresses: [], owner: 'system', ownerEvidence: 'physical device', ...l,
    });
    const links = [
      link({ name: 'lo', kind: 'loopback', state: 'UNKNOWN', mtu: 65536, addresses: ['127.0.0.1/8', '::1/128'] }),
      link({ name: 'eth0', kind: 'device', addresses: ['192.168.1.10/24', 'fe80::1/64'] }),
      link({ name: 'wlan0', kind: 'device', state: 'DOWN' }),
      ...nets.map((n) => link({ name: n.Options['com.docker.network.bridge.name'], kind: 'bridge', alias: `berth:${n.Id.slice(0, 12)}`, addresses: [`${n.IPAM.Config[0].Gateway}/${n.IPAM.Config[0].Subnet.split('/')[1]}`], owner: 'berth', ownerEvidence: `link alias berth:${n.Id.slice(0, 12)}` })),
      ...[...this.veths.entries()].filter(([eid]) => live.has(eid)).map(([eid, v]) => link({ name: v.name, kind: 'veth', master: v.bridge, peer: v.peer, alias: `berth:${eid.slice(0, 12)}`, owner: 'berth', ownerEvidence: `link alias berth:${eid.slice(0, 12)}` })),
    ];
    return {
      takenAt: new Date().toISOString(),
      links,
      routes: [
        { dst: 'default', gateway: '192.168.1.1', dev: 'eth0', scope: null, protocol: 'dhcp' },
        { dst: '192.168.1.0/24', gateway: null, dev: 'eth0', scope: 'link', protocol: 'kernel' },
        ...nets.map((n) => ({ dst: n.IPAM.Config[0].Subnet, gateway: null, dev: n.Options['com.docker.network.bridge.name'], scope: 'link', protocol: 'kernel' })),
      ],
      netns: [],
      sockets: [],
      rules: [],
      nftTables: [],
      errors: [],
    };
  }

  detach(c: Container, n: Network) {
    if (!c.NetworkSettings.Networks[n.Name]) throw new BerthError('not_found', `${c.Name.slice(1)} is not connected to ${n.Name}`);
    delete c.NetworkSettings.Networks[n.Name];
    delete n.Containers[c.Id];
    this.emit({ type: 'endpoint.left', network: n.Name, sandbox: c.Name.slice(1) });
  }

  handle(method: MethodName, p: any): unknown {
    switch (method) {
      case 'system.info':
        return { version: '0.1.0-fake', pid: process.pid, kernel: '6.1.0-fake', firewallBackend: 'iptables', ipForward: true, hostChanges: [], dataRoot: '/tmp', ownerUid: 1000, socket: 'fake', startedAt: new Date().toISOString(), warnings: [] };
      case 'network.list': return [...this.networks.values()];
      case 'network.inspect': return this.net(p.name);
      case 'network.checkSubnet': return this.check(p.subnet);
      case 'network.create': return this.addNetwork(p);
      case 'network.remove': {
        const n = this.net(p.name);
        if (n.Name === 'bridge') throw new BerthError('invalid_argument', 'bridge is a pre-defined network and cannot be removed');
        if (Object.keys(n.Containers).length) throw new BerthError('in_use', `network ${n.Name} has active endpoints`);
        this.networks.delete(n.Id);
        this.emit({ type: 'network.removed', id: n.Id, name: n.Name });
        return { removed: [n.Name] };
      }
      case 'network.prune': {
        const gone = [...this.networks.values()].filter((n) => n.Name !== 'bridge' && !Object.keys(n.Containers).length);
        gone.forEach((n) => { this.networks.delete(n.Id); this.emit({ type: 'network.removed', id: n.Id, name: n.Name }); });
        return { removed: gone.map((n) => n.Name) };
      }
      case 'network.connect': {
        if (p.target.netns) {
          const n = this.net(p.network);
          const r = this.attachForeign(p.target.netns, n.Name);
          return { EndpointID: r.eid, NetworkID: n.Id, Network: n.Name, IPAddress: r.ip, IPPrefixLen: r.len, Gateway: n.IPAM.Config[0].Gateway, MacAddress: '02:42:0a:63:00:09', InterfaceName: r.ifname, HostInterface: `veth${r.eid.slice(0, 7)}` };
        }
        const n = this.net(p.network);
        const c = this.ctr(p.target.container);
        const r = this.attach(c, n);
        return { EndpointID: r.eid, NetworkID: n.Id, Network: n.Name, IPAddress: r.ip, IPPrefixLen: r.len, Gateway: n.IPAM.Config[0].Gateway, MacAddress: '02:42:ac:11:00:02', InterfaceName: 'eth1', HostInterface: 'vethfake' };
      }
      case 'network.disconnect': {
        this.detach(this.ctr(p.target.container), this.net(p.network));
        return { disconnected: true };
      }
      case 'container.list': return [...this.containers.values()].filter((c) => p.all || c.State.Running);
      case 'container.inspect': return this.ctr(p.name);
      case 'container.run': {
        const name = p.name ?? `c-${id().slice(0, 6)}`;
        if ([...this.containers.values()].some((c) => c.Name === '/' + name)) throw new BerthError('conflict', `container name ${name} is already in use`);
        const n = this.net(p.network);
        const cid = id();
        const c: Container = {
          Id: cid, Name: '/' + name, Created: new Date().toISOString(), Path: p.cmd[0], Args: p.cmd.slice(1),
          State: { Status: 'running', Running: true, Pid: 4000 + this.containers.size, ExitCode: 0, StartedAt: new Date().toISOString(), FinishedAt: '', Error: '' },
          Config: { Hostname: cid.slice(0, 12), Cmd: p.cmd, Env: [], User: '', WorkingDir: '', ExposedPorts: {} },
          HostConfig: { NetworkMode: n.Name, PortBindings: {}, PublishAllPorts: false, AutoRemove: false },
          NetworkSettings: { SandboxKey: `/run/netns/berth-${cid.slice(0, 12)}`, Ports: {}, Networks: {} },
          LogPath: '',
        };
        this.containers.set(cid, c);
        this.attach(c, n);
        for (const spec of p.ports as string[]) this.publish(c, spec);
        this.emit({ type: 'container.changed', id: cid, name, status: 'running' });
        return c;
      }
      case 'container.stop':
      case 'container.start': {
        const c = this.ctr(p.name);
        const run = method === 'container.start';
        c.State = { ...c.State, Running: run, Status: run ? 'running' : 'exited', ExitCode: run ? 0 : 137 };
        this.emit({ type: 'container.changed', id: c.Id, name: p.name, status: c.State.Status });
        return c;
      }
      case 'container.remove': {
        const c = this.ctr(p.name);
        if (c.State.Running && !p.force) throw new BerthError('conflict', `container ${p.name} is running: stop it first or force`);
        for (const nn of Object.keys(c.NetworkSettings.Networks)) this.detach(c, this.net(nn));
        this.containers.delete(c.Id);
        this.ports.delete(c.Id);
        this.emit({ type: 'container.removed', id: c.Id, name: p.name });
        return { removed: [p.name] };
      }
      case 'container.logs': {
        const c = this.ctr(p.name);
        return { data: `started ${c.Config.Cmd.join(' ')}\nlistening on ${Object.values(c.NetworkSettings.Networks).map((x) => x.IPAddress).join(', ')}\n`, stderr: '', exitCode: c.State.Running ? null : c.State.ExitCode };
      }
      case 'port.list': return this.ports.get(this.ctr(p.container).Id) ?? [];
      case 'port.add': return this.publish(this.ctr(p.container), p.spec);
      case 'port.remove': return this.unpublish(this.ctr(p.container), p.spec);
      case 'nat.query': {
        // the helper's own query code over this engine's rules, one reading kept for paging
        const snap = this.natSnapshots.get(p.snapshot) ?? this.natSnapshots.put(makeSnapshot(this.natRules(), []));
        return queryRules(snap, p);
      }
      case 'nat.counters': {
        return countersSince(this.natSnapshots.get(p.snapshot), p.ids, new Map(this.natRules().map((r) => [r.id, r])));
      }
      case 'nat.conntrack': return { total: 0, flows: [], errors: [] };
      case 'cleanup.plan': return { takenAt: new Date().toISOString(), findings: this.findings };
      case 'cleanup.apply': {
        const byId = new Map(this.findings.map((f) => [f.id, f]));
        const unknown = (p.ids ?? []).filter((x: string) => !byId.has(x));
        if (unknown.length) throw new BerthError('not_found', `no such finding: ${unknown.join(', ')} (the host may have changed: run berth cleanup again)`);
        const chosen: Finding[] = p.ids?.length ? p.ids.map((x: string) => byId.get(x)!) : this.findings.filter((f) => f.risk === 'safe' || p.includeForeign);
        const snapshotId = `2026-11-22T16-20-15Z-${id().slice(0, 6)}`;
        this.findings = this.findings.filter((f) => !chosen.includes(f));
        this.snapshots.push({ id: snapshotId, findings: chosen });
        chosen.forEach((f, i) => setTimeout(() => this.emit({ type: 'progress', op: 'cleanup.apply', done: i + 1, total: chosen.length, message: `removing ${f.kind}` }), (i * 800) / chosen.length));
        setTimeout(() => this.emit({ type: 'cleanup.applied', snapshotId, count: chosen.length }), 880);
        return { snapshotId, applied: chosen.map((f) => f.id), failed: [] };
      }
      case 'cleanup.undo': {
        const last = this.snapshots.pop();
        if (!last) throw new BerthError('not_found', 'no cleanup snapshot to undo');
        this.findings = [...this.findings, ...last.findings];
        this.emit({ type: 'cleanup.undone', snapshotId: last.id });
        return { snapshotId: last.id, restored: last.findings.flatMap((f) => f.evidence.slice(0, 1)) };
      }
      case 'doctor': {
        const healthy = [...this.networks.values()].flatMap((n) => [`bridge ${n.Options['com.docker.network.bridge.name']} (${n.Name})`, `nat POSTROUTING masquerade ${n.IPAM.Config[0].Subnet}`]);
        const first = this.doctorRuns++ === 0;
        return { healthy, missing: first ? ['nat BERTH: -i berth0 -j RETURN'] : [], extra: [], healed: first };
      }
      case 'sandbox.listForeign':
        return this.foreign;
      case 'host.inspect':
        return this.hostInspect();
      default:
        throw new BerthError('not_found', `${method} is not implemented by the fake helper`);
    }
  }
}

// Served by the helper's own RPC server (framing, token, params parsed by
// the contract, error frames), so the GUI meets the same server as in
// production; every result the fake engine gives is parsed by the
// contract's result schema before it is sent, so a fake that drifts from the
// contract fails the test that met it instead of passing on a shape the
// real helper never sends.
export async function startFakeHelper(socketPath: string, engine = new FakeEngine()) {
  const handlers = Object.fromEntries(
    METHOD_NAMES.map((m) => [
      m,
      async (params: unknown, ctx: CallContext) => {
        if (m === 'events.subscribe') {
          ctx.subscribe();
          return { subscribed: true };
        }
        if (engine.refuses(m, params)) throw new BerthError('unavailable', `the helper did not answer ${m} (a failure the test asked for)`);
        const result = methods[m].result.parse(engine.handle(m, params));
        // a little latency, so progress states are visible (and gates hold answers back)
        await new Promise<void>((r) => engine.answer(m, params, r));
        return result;
      },
    ]),
  ) as unknown as Handlers;
  const server = new RpcServer({ socketPath, ownerUid: process.getuid!(), ownerGid: process.getgid!(), handlers, log: () => {} });
  const off = engine.subscribe((e) => server.broadcast(e));
  await server.listen();
  return {
    engine,
    close: async () => {
      off();
      await server.close();
    },
  };
}

const finding = (kind: Finding['kind'], owner: Finding['owner'], reason: string, evidence: string[], commands: string[][]): Finding => ({
  id: createHash('sha256').update(`${kind}\n${evidence.join('\n')}`).digest('hex').slice(0, 16),
  kind, owner, reason, evidence, commands, risk: owner === 'berth' ? 'safe' : 'foreign',
});

// What a host with some history looks like to `berth cleanup`.
export const FAKE_FINDINGS: Finding[] = [
  finding('orphan-berth-rule', 'berth', 'DNAT for a container that no longer exists', ['ipv4 nat: -A BERTH ! -i br-3f2a9c1e7b01 -p tcp -m tcp --dport 8088 -m comment --comment berth:7c1e0a9d2b44 -j DNAT --to-destination 10.40.0.7:80', 'owner evidence: comment berth:7c1e0a9d2b44 (no such container in the store)'], [['iptables', '-t', 'nat', '-D', 'BERTH', '!', '-i', 'br-3f2a9c1e7b01', '-p', 'tcp', '-m', 'tcp', '--dport', '8088', '-m', 'comment', '--comment', 'berth:7c1e0a9d2b44', '-j', 'DNAT', '--to-destination', '10.40.0.7:80']]),
  finding('orphan-berth-rule', 'berth', 'Masquerade for a network that was removed', ['ipv4 nat: -A POSTROUTING -s 10.40.0.0/24 ! -o br-3f2a9c1e7b01 -m comment --comment berth:3f2a9c1e7b01 -j MASQUERADE', 'owner evidence: comment berth:3f2a9c1e7b01'], [['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-s', '10.40.0.0/24', '!', '-o', 'br-3f2a9c1e7b01', '-m', 'comment', '--comment', 'berth:3f2a9c1e7b01', '-j', 'MASQUERADE']]),
  finding('orphan-berth-link', 'berth', 'veth of a removed container, still on a bridge', ['link vb7c1e0a9d (veth, master berth0, peer gone)', 'owner evidence: alias berth:7c1e0a9d2b44'], [['ip', 'link', 'delete', 'vb7c1e0a9d']]),
  finding('orphan-berth-netns', 'berth', 'Network namespace no Berth container uses', ['netns berth-7c1e0a9d2b44 (/run/netns/berth-7c1e0a9d2b44), no process'], [['ip', 'netns', 'delete', 'berth-7c1e0a9d2b44']]),
  finding('dangling-nat-rule', 'docker', 'Docker DNAT to an address no container holds', ['ipv4 nat: -A DOCKER ! -i docker0 -p tcp -m tcp --dport 5000 -j DNAT --to-destination 172.30.0.9:5000', 'owner evidence: chain DOCKER'], [['iptables', '-t', 'nat', '-D', 'DOCKER', '!', '-i', 'docker0', '-p', 'tcp', '-m', 'tcp', '--dport', '5000', '-j', 'DNAT', '--to-destination', '172.30.0.9:5000']]),
  finding('empty-bridge', 'unknown', 'Bridge with no ports and no addresses', ['link br-test0 (bridge, down, no ports)'], [['ip', 'link', 'delete', 'br-test0']]),
];
