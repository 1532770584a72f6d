// An in-memory stand-in for the helper, speaking the real contract over a
// unix socket (params validated with the contract's zod schemas). Used to
// develop and smoke-test the GUI without root; the real e2e uses the engine.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { BerthError, RPC_CODES, isBerthError } from '../../src/shared/errors';
import { isMethodName, methods, type MethodName } from '../../src/shared/methods';
import type { BerthEvent } from '../../src/shared/events';
import type { Network } from '../../src/shared/network';
import type { Container } from '../../src/shared/container';
import { isCIDRv4 } from '../../src/shared/validators';

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

export class FakeEngine {
  networks = new Map<string, Network>();
  containers = new Map<string, Container>();
  hostRoutes = ['192.168.1.0/24'];
  private subs = new Set<(e: BerthEvent) => void>();
  private nextIp = new Map<string, number>();

  constructor() {
    this.addNetwork({ name: 'bridge', subnet: '172.17.0.0/16', options: { 'com.docker.network.bridge.name': 'berth0' } });
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
    this.emit({ type: 'endpoint.joined', network: n.Name, sandbox: c.Name.slice(1), ip });
    return { ip, len, eid };
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
        return { version: '0.1.0-fake', pid: process.pid, kernel: '6.1.0-fake', firewallBackend: 'iptables', ipForward: true, hostChanges: [], dataRoot: '/tmp', socket: 'fake', startedAt: new Date().toISOString(), warnings: [] };
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
          NetworkSettings: { SandboxKey: `/run/netns/berth-${cid.slice(0, 12)}`, Ports: Object.fromEntries((p.ports as string[]).map((s) => { const parts = s.split(':'); return [`${parts[parts.length - 1]}/tcp`, [{ HostIp: '0.0.0.0', HostPort: parts[parts.length - 2] ?? '0' }]]; })), Networks: {} },
          LogPath: '',
        };
        this.containers.set(cid, c);
        this.attach(c, n);
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
        this.emit({ type: 'container.removed', id: c.Id, name: p.name });
        return { removed: [p.name] };
      }
      case 'container.logs': {
        const c = this.ctr(p.name);
        return { data: `started ${c.Config.Cmd.join(' ')}\nlistening on ${Object.values(c.NetworkSettings.Networks).map((x) => x.IPAddress).join(', ')}\n`, exitCode: c.State.Running ? null : c.State.ExitCode };
      }
      case 'sandbox.listForeign':
        return [{ source: 'netns', id: 'ns-dev', name: 'dev-ns', pid: null, netnsPath: '/run/netns/dev-ns', status: 'present', addresses: ['10.99.0.2/24'], attachedNetworks: [] }];
      default:
        throw new BerthError('not_found', `${method} is not implemented by the fake helper`);
    }
  }
}

export async function startFakeHelper(socketPath: string, engine = new FakeEngine()) {
  const token = randomBytes(16).toString('hex');
  await writeFile(`${socketPath}.token`, token + '\n', { mode: 0o600 });
  const server = net.createServer((sock) => {
    let buf = '';
    let authed = false;
    let off: (() => void) | null = null;
    sock.setEncoding('utf8');
    sock.on('error', () => {});
    sock.on('close', () => off?.());
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const req = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        const reply = (body: object) => sock.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, ...body }) + '\n');
        const fail = (e: BerthError) => reply({ error: { code: RPC_CODES[e.kind], message: e.message, data: { kind: e.kind } } });
        if (!authed && req.auth !== token) { fail(new BerthError('unauthorized', 'missing or wrong token')); continue; }
        authed = true;
        if (!isMethodName(req.method)) { fail(new BerthError('invalid_argument', `unknown method ${req.method}`)); continue; }
        const parsed = methods[req.method as MethodName].params.safeParse(req.params ?? {});
        if (!parsed.success) { fail(new BerthError('invalid_argument', parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; '))); continue; }
        if (req.method === 'events.subscribe') {
          off ??= engine.subscribe((e) => sock.write(JSON.stringify({ jsonrpc: '2.0', method: 'event', params: e }) + '\n'));
          reply({ result: { subscribed: true } });
          continue;
        }
        try {
          // a little latency, so progress states are visible
          const result = engine.handle(req.method, parsed.data);
          setTimeout(() => reply({ result }), 60);
        } catch (e) {
          fail(isBerthError(e) ? e : new BerthError('internal', String(e)));
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  return { engine, close: () => new Promise<void>((r) => server.close(() => r())) };
}
