import type { z } from 'zod';
import { conflict, invalid, notFound } from '../../../src/shared/errors';
import type { ConnectParams, DisconnectParams, EndpointInfo } from '../../../src/shared/network';
import type { ContainerRecord, EndpointRecord, ForeignRecord, NetworkRecord, State } from '../store/state';
import { findContainer, findNetwork, type Engine } from './engine';
import { isUp } from './containers';
import { gateway6 } from '../store/network-pools';
import { detachEndpoint, gatewayEndpoint, joinEndpoint, newEndpoint, syncDefaultRoute } from './endpoints';
import { openNamedNetns, openPidNetns, type ForeignNs } from './foreign-access';
import type { SandboxRef } from './sandbox-ref';
import { modeOf, sandboxOf } from './sandbox-lifecycle';
import { Undo } from './undo-steps';

type Target = z.output<typeof ConnectParams>['target'];

// Who is being connected: a Berth container, or a foreign sandbox (a PID's
// or a named netns) that Berth records so it can detach exactly what it added.
interface Holder {
  name: string;
  endpoints: EndpointRecord[];
  sandbox: SandboxRef | null; // null: a stopped container
  container?: ContainerRecord;
  release?: () => void; // closes what the holder keeps open
}

async function foreignHolder(eng: Engine, s: State, t: Target, create: boolean): Promise<Holder> {
  let rec: ForeignRecord | undefined;
  let name: string;
  let id: string;
  let ns: ForeignNs | null = null;
  if (t.pid !== undefined) {
    name = `pid ${t.pid}`;
    const st = await eng.kernel.procStartTime(t.pid);
    if (st === null) throw notFound(`no process with PID ${t.pid}`);
    id = `pid:${t.pid}:${st}`;
    rec = s.foreign[id];
    // a new attach is checked; a recorded one (checked then) may always be detached
    if (create || rec) ns = await openPidNetns(t.pid, eng.opts.ownerUid).catch((e) => (create ? Promise.reject(e) : null));
    if (ns && ns.startTime !== st) throw notFound(`no process with PID ${t.pid}`);
    rec ??= create ? { id, kind: 'pid', pid: t.pid, startTime: st, endpoints: [] } : undefined;
  } else {
    const netns = t.netns!;
    name = `netns ${netns}`;
    if (!(await eng.kernel.listNetns()).includes(netns)) throw notFound(`no network namespace named ${netns}`);
    if (netns.startsWith('berth-')) throw invalid(`${netns} belongs to a Berth container: connect the container by name`);
    id = `netns:${netns}`;
    rec = s.foreign[id];
    if (create || rec) ns = create ? openNamedNetns(netns, eng.opts.ownerUid) : tryOpen(() => openNamedNetns(netns, eng.opts.ownerUid));
    rec ??= create ? { id, kind: 'netns', netnsName: netns, endpoints: [] } : undefined;
  }
  if (!rec) {
    ns?.held.close();
    throw notFound(`${name} is not connected to any Berth network`);
  }
  s.foreign[rec.id] = rec;
  // no sandbox (refused now): disconnect removes the host side, and the peer with it
  const sb: SandboxRef | null = ns ? { id, name, ns: ns.held.path, linkTarget: ns.held.path, path: ns.held.path } : null;
  return { name, endpoints: rec.endpoints, sandbox: sb, release: () => ns?.held.close() };
}

const tryOpen = (f: () => ForeignNs): ForeignNs | null => {
  try {
    return f();
  } catch {
    return null;
  }
};

function containerHolder(s: State, ref: string): Holder {
  const c = findContainer(s, ref);
  const m = modeOf(c);
  if (m.kind === 'host' || m.kind === 'container')
    throw invalid('container sharing network namespace with another container or host cannot be connected to any other network');
  if (m.kind === 'none') throw invalid('container cannot be connected to multiple networks with one of the networks in private (none) mode');
  return { name: c.name, endpoints: c.endpoints, sandbox: isUp(c) ? sandboxOf(s, c) : null, container: c };
}

// A foreign namespace stays open until the operation, rollback included, is
// over (a run again after a batch's rollback closes the one before). A
// foreign sandbox's address and route are set while the next member of the
// batch runs (Engine.tx's overlap): it publishes no ports, so nothing after
// its join touches the sandbox.
export async function connect(eng: Engine, p: z.output<typeof ConnectParams>): Promise<EndpointInfo> {
  let release = () => {};
  const hold = (r: () => void) => {
    release();
    release = r;
  };
  try {
    return await eng.tx(async (s, undo) => connectIn(eng, s, undo, p, hold), { overlap: p.target.container === undefined });
  } finally {
    release();
  }
}

async function connectIn(eng: Engine, s: State, undo: Undo, p: z.output<typeof ConnectParams>, hold: (release: () => void) => void): Promise<EndpointInfo> {
  const net = findNetwork(s, p.network);
  if (net.driver !== 'bridge')
    throw invalid(`container cannot be disconnected from host network or connected to ${net.name === 'none' ? 'none' : 'host'} network`);
  const h = p.target.container !== undefined ? containerHolder(s, p.target.container) : await foreignHolder(eng, s, p.target, true);
  if (h.release) hold(h.release);
  const c = h.container;
  if (h.endpoints.some((e) => e.networkId === net.id) || c?.networks.some((n) => n.networkId === net.id))
    throw conflict(`endpoint with name ${h.name} already exists in network ${net.name}`);
  if (p.ip && !net.userSubnet)
    throw invalid('user specified IP address is supported only when connecting to networks with user configured subnets');
  if (p.aliases.length) {
    if (!c || net.predefined) throw invalid('network-scoped alias is supported only for containers in user defined networks');
    c.aliases = { ...c.aliases, [net.id]: p.aliases };
  }
  c?.networks.push({ networkId: net.id, staticIp: p.ip, ...(p.ip6 ? { staticIp6: p.ip6 } : {}) });
  if (!h.sandbox) return info(net, null); // stopped: joins on start, like Docker
  // a Berth container's own sandbox holds only what Berth put there
  const known = c && !c.networkMode.startsWith('container:') ? h.endpoints : undefined;
  const o = { staticIp: p.ip, staticIp6: p.ip6, known, others: [...h.endpoints], state: s };
  const ep = newEndpoint(eng, net, o);
  h.endpoints.push(ep);
  const sb = h.sandbox;
  if (publishes(h)) {
    // ports follow the gateway and their rules follow the ports: in turn
    const routed = await joinEndpoint(eng, net, sb, ep, undo, o);
    await moveGateway(eng, s, h, undo, routed ? 'set' : 'sync');
  } else {
    const routed = await eng.alongFirewall(s, undo, () => joinEndpoint(eng, net, sb, ep, undo, { ...o, overlap: !c }));
    if (!routed) await syncDefaultRoute(eng, s, sb, h.endpoints);
  }
  eng.emit({ type: 'endpoint.joined', network: net.name, sandbox: h.name, ip: ep.ip });
  return info(net, ep);
}

export async function disconnect(eng: Engine, p: z.output<typeof DisconnectParams>): Promise<void> {
  let release = () => {};
  const hold = (r: () => void) => {
    release();
    release = r;
  };
  try {
    await eng.tx(async (s, undo) => disconnectIn(eng, s, undo, p, hold));
  } finally {
    release();
  }
}

async function disconnectIn(eng: Engine, s: State, undo: Undo, p: z.output<typeof DisconnectParams>, hold: (release: () => void) => void): Promise<void> {
  const net = findNetwork(s, p.network);
  if (net.driver === 'host') throw invalid('container cannot be disconnected from host network or connected to host network');
  const h = p.target.container !== undefined ? containerHolder(s, p.target.container) : await foreignHolder(eng, s, p.target, false);
  if (h.release) hold(h.release);
  const c = h.container;
  const i = h.endpoints.findIndex((e) => e.networkId === net.id);
  const configured = c?.networks.findIndex((n) => n.networkId === net.id) ?? -1;
  if (i < 0 && configured < 0) throw notFound(`container ${h.name} is not connected to network ${net.name}`);
  if (configured >= 0) c!.networks.splice(configured, 1);
  if (c?.aliases?.[net.id]) delete c.aliases[net.id];
  let ep: EndpointRecord | null = null;
  let wasGateway = false;
  if (i >= 0) {
    wasGateway = gatewayEndpoint(s, h.endpoints)?.id === h.endpoints[i].id;
    [ep] = h.endpoints.splice(i, 1);
  }
  const unplug = async () => {
    if (!ep) return;
    await detachEndpoint(eng, s, ep, h.sandbox);
    // Undone (the store's commit failed, e.g. a full disk): the endpoint is
    // stored again, so its veth, deleted in the background meanwhile, is
    // made again under the same names and address (docs/decisions.md).
    const sb = h.sandbox;
    const back = ep;
    const known = c && !c.networkMode.startsWith('container:') ? h.endpoints : undefined;
    if (sb) undo.push(() => joinEndpoint(eng, net, sb, back, new Undo(), { others: h.endpoints, known, state: s }));
    // the sandbox may be gone (foreign)
    if (h.sandbox) await moveGateway(eng, s, h, undo, wasGateway ? 'gone' : 'sync', false).catch(() => {});
  };
  const inTurn = publishes(h);
  if (inTurn) await unplug();
  for (const [id, f] of Object.entries(s.foreign)) if (!f.endpoints.length) delete s.foreign[id];
  if (inTurn) await eng.syncFirewall(s, undo);
  else await eng.alongFirewall(s, undo, unplug); // the state is final: the rules go beside the unplugging
  eng.emit({ type: 'endpoint.left', network: net.name, sandbox: h.name });
}

// A container that publishes ports: their proxies and rules follow the
// gateway endpoint, so its links, ports and rules change one after another.
// Everyone else's firewall sync runs beside the link changes.
const publishes = (h: Holder) => !!h.container && (h.container.ports.length > 0 || h.container.portSpecs.length > 0 || h.container.publishAll);

// The default route (and published ports) follow Docker's gateway choice.
// route: 'set' when the attach already set it in the sandbox, 'gone' when
// the endpoint that held it was just deleted (and the route with its link).
// firewall: false when the caller syncs the firewall itself afterwards, so
// an operation writes it once.
async function moveGateway(eng: Engine, s: State, h: Holder, undo: Undo, route: 'set' | 'gone' | 'sync', firewall = true): Promise<void> {
  if (!h.sandbox) return;
  if (route !== 'set') await syncDefaultRoute(eng, s, h.sandbox, h.endpoints, route === 'gone');
  if (h.container) await eng.ports.attach(s, h.container, undo);
  if (firewall) await eng.syncFirewall(s, undo);
}

function info(net: NetworkRecord, ep: EndpointRecord | null): EndpointInfo {
  return {
    EndpointID: ep?.id ?? '',
    NetworkID: net.id,
    Network: net.name,
    IPAddress: ep?.ip ?? '',
    IPPrefixLen: ep?.prefixLen ?? 0,
    Gateway: net.gateway,
    GlobalIPv6Address: ep?.ip6 ?? '',
    GlobalIPv6PrefixLen: ep?.prefixLen6 ?? 0,
    IPv6Gateway: ep?.ip6 ? gateway6(net) : '',
    MacAddress: ep?.mac ?? '',
    InterfaceName: ep?.ifname ?? '',
    HostInterface: ep?.hostVeth ?? '',
  };
}

// Foreign sandboxes whose process or netns went away: their endpoints are released.
export async function deadForeign(eng: Engine, s: State): Promise<string[]> {
  const names = new Set(await eng.kernel.listNetns());
  const dead: string[] = [];
  for (const f of Object.values(s.foreign)) {
    const alive = f.kind === 'pid' ? await eng.kernel.isAlive(f.pid!, f.startTime!) : names.has(f.netnsName!);
    if (!alive) dead.push(f.id);
  }
  return dead;
}

