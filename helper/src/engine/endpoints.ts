import { invalid } from '../../../src/shared/errors';
import { gateway6, subnetOf } from '../store/network-pools';
import type { EndpointRecord, NetworkRecord, State } from '../store/state';
import type { Engine } from './engine';
import { newId, randomMac, vethName } from './naming';
import type { SandboxRef } from './sandbox-ref';
import type { Undo } from './undo-steps';

const prefixOf = (cidr: string) => Number(cidr.split('/')[1]);

// Connects a sandbox to a bridge network: address from IPAM, a veth pair
// with its peer as the lowest free ethN in the sandbox (newEndpoint, then
// joinEndpoint; connect runs the join beside the firewall sync).
export async function attachEndpoint(eng: Engine, net: NetworkRecord, sb: SandboxRef, undo: Undo, o: JoinOptions): Promise<{ ep: EndpointRecord; routed: boolean }> {
  const ep = newEndpoint(eng, net, o);
  return { ep, routed: await joinEndpoint(eng, net, sb, ep, undo, o) };
}

// `known`: the interfaces of a sandbox Berth made itself (it holds nothing
// else). `others`: the holder's other endpoints. `state`: the operation's draft.
export interface JoinOptions {
  staticIp?: string;
  staticIp6?: string; // --ip6
  // more ip commands for the sandbox, run in the same process (a new sandbox's `lo up`)
  sandboxLines?: string[];
  // the sandbox's part may go on while the operation does (Engine.sandboxStep): only
  // when the route is set in it, so nothing after the join touches the sandbox
  overlap?: boolean;
  known?: EndpointRecord[];
  others: EndpointRecord[];
  state: State;
}

// An address of each family the network has; a refused --ip6 gives back the IPv4 one.
export function newEndpoint(eng: Engine, net: NetworkRecord, o: JoinOptions): EndpointRecord {
  if (o.staticIp && !net.enableIPv4) throw invalid(`network ${net.name} has no IPv4 (--ipv4=false): no --ip on it`);
  if (o.staticIp6 && !net.enableIPv6) throw invalid(`network ${net.name} has no IPv6: no --ip6 on it`);
  const ip = net.enableIPv4 ? eng.ipam.requestAddress(net.id, o.staticIp) : '';
  let ip6 = '';
  try {
    ip6 = net.enableIPv6 ? eng.ipam.requestAddress(net.id, o.staticIp6, true) : '';
  } catch (e) {
    if (ip) eng.ipam.releaseAddress(net.id, ip);
    throw e;
  }
  return {
    id: newId(),
    networkId: net.id,
    ip,
    prefixLen: ip ? prefixOf(subnetOf(net, ip)) : 0,
    ip6,
    prefixLen6: ip6 ? prefixOf(subnetOf(net, ip6)) : 0,
    mac: randomMac(),
    ifname: lowestFree((o.known ?? o.others).map((e) => e.ifname)),
    hostVeth: vethName(),
    staticIp: !!o.staticIp,
  };
}

// Makes the endpoint's veth pair. A foreign sandbox is not listed up front:
// the lowest ethN Berth has not used there is tried, and only when the
// sandbox already has one of that name are its links listed and the pair
// made again. The default route the sandbox must have with this endpoint in
// (syncDefaultRoute's choice) is set in the same ip process; returns false
// when there is none to set (the caller syncs the route then).
export async function joinEndpoint(eng: Engine, net: NetworkRecord, sb: SandboxRef, ep: EndpointRecord, undo: Undo, o: JoinOptions): Promise<boolean> {
  const route = defaultRouteLines(o.state, [...o.others.filter((e) => e.id !== ep.id), ep]);
  const inSandbox = (step: () => Promise<void>) => eng.sandboxStep(step, !!o.overlap && route !== null);
  const join = () => eng.driver(net).join(net, ep, sb, [...(o.sandboxLines ?? []), ...(route ?? [])], inSandbox);
  // a detached peer still on its way out may hold this ethN name (leave)
  await eng.kernel.linksReaped({ scope: sb.id });
  await eng.addressesSettled([ep.ip, ep.ip6]); // an old endpoint's rules for its address are gone first
  try {
    await join();
  } catch (e) {
    if (o.known || !/File exists/.test((e as Error).message)) throw e;
    ep.ifname = lowestFree((await eng.kernel.listLinks(sb.ns)).map((l) => l.ifname));
    await join();
  }
  undo.push(() => eng.driver(net).leave(net, ep, sb));
  return route !== null;
}

function lowestFree(used: string[]): string {
  const set = new Set(used);
  let n = 0;
  while (set.has(`eth${n}`)) n++;
  return `eth${n}`;
}

// The veth is unplugged now and deleted in the background (the driver's
// leave); `sb`: the sandbox that stays, whose next join waits for that
// deletion, or null when it goes too (or cannot be reached).
export async function detachEndpoint(eng: Engine, s: State, ep: EndpointRecord, sb: SandboxRef | null): Promise<void> {
  const net = s.networks[ep.networkId];
  if (net) await eng.driver(net).leave(net, ep, sb);
  try {
    for (const ip of [ep.ip, ep.ip6]) if (ip) eng.ipam.releaseAddress(ep.networkId, ip);
  } catch {
    /* the network's pool is already gone */
  }
}

// Docker's gateway choice (Endpoint.Less): non-internal before internal,
// then network name ascending.
export function gatewayEndpoint(s: State, eps: EndpointRecord[]): EndpointRecord | null {
  const ranked = eps
    .filter((e) => s.networks[e.networkId])
    .sort((a, b) => {
      const na = s.networks[a.networkId];
      const nb = s.networks[b.networkId];
      if (na.internal !== nb.internal) return na.internal ? 1 : -1;
      return na.name < nb.name ? -1 : na.name > nb.name ? 1 : 0;
    });
  const gw = ranked[0];
  return gw && !s.networks[gw.networkId].internal ? gw : null;
}

// The `ip route` line that points the sandbox's default route at the
// gateway endpoint's network, or null when no endpoint is a gateway.
// replace is idempotent: no need to read the table first.
// IPv6 picks its own gateway endpoint among those with an IPv6 address
// (written ::/0, so ip takes the family from the route itself).
function defaultRouteLines(s: State, eps: EndpointRecord[]): string[] | null {
  const gw = gatewayEndpoint(s, eps.filter((e) => e.ip));
  const gw6 = gatewayEndpoint(s, eps.filter((e) => e.ip6));
  const lines = [
    ...(gw ? [`route replace default via ${s.networks[gw.networkId].gateway} dev ${gw.ifname}`] : []),
    ...(gw6 ? [`route replace ::/0 via ${gateway6(s.networks[gw6.networkId])} dev ${gw6.ifname}`] : []),
  ];
  return lines.length ? lines : null;
}

// Points the sandbox's default route at the gateway endpoint's network.
// `goneWithLink`: the endpoint that held the route was just deleted, and its
// route with it, so with no gateway left there is nothing to read or delete.
export async function syncDefaultRoute(eng: Engine, s: State, sb: SandboxRef, eps: EndpointRecord[], goneWithLink = false): Promise<void> {
  const lines = defaultRouteLines(s, eps);
  if (lines) return eng.kernel.ipBatch(sb.ns, lines);
  if (goneWithLink) return;
  if ((await eng.kernel.listRoutes(sb.ns)).some((r) => r.dst === 'default')) await eng.kernel.ipBatch(sb.ns, ['route del default']);
}
