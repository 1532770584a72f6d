import { ipBatch, listLinks, listRoutes } from '../kernel/links';
import type { EndpointRecord, NetworkRecord, State } from '../store/state';
import { driverFor } from './drivers';
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
  return { ep, routed: await joinEndpoint(net, sb, ep, undo, o) };
}

// `known`: the interfaces of a sandbox Berth made itself (it holds nothing
// else). `others`: the holder's other endpoints. `state`: the operation's draft.
export interface JoinOptions {
  staticIp?: string;
  // more ip commands for the sandbox, run in the same process (a new sandbox's `lo up`)
  sandboxLines?: string[];
  known?: EndpointRecord[];
  others: EndpointRecord[];
  state: State;
}

export function newEndpoint(eng: Engine, net: NetworkRecord, o: JoinOptions): EndpointRecord {
  return {
    id: newId(),
    networkId: net.id,
    ip: eng.ipam.requestAddress(net.id, o.staticIp),
    prefixLen: prefixOf(net.subnet),
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
export async function joinEndpoint(net: NetworkRecord, sb: SandboxRef, ep: EndpointRecord, undo: Undo, o: JoinOptions): Promise<boolean> {
  const route = defaultRouteLines(o.state, [...o.others.filter((e) => e.id !== ep.id), ep]);
  const join = () => driverFor(net).join(net, ep, sb, [...(o.sandboxLines ?? []), ...(route ?? [])]);
  try {
    await join();
  } catch (e) {
    if (o.known || !/File exists/.test((e as Error).message)) throw e;
    ep.ifname = lowestFree((await listLinks(sb.ns)).map((l) => l.ifname));
    await join();
  }
  undo.push(() => driverFor(net).leave(net, ep, sb));
  return route !== null;
}

function lowestFree(used: string[]): string {
  const set = new Set(used);
  let n = 0;
  while (set.has(`eth${n}`)) n++;
  return `eth${n}`;
}

export async function detachEndpoint(eng: Engine, s: State, ep: EndpointRecord, sb: SandboxRef | null): Promise<void> {
  const net = s.networks[ep.networkId];
  if (net) await driverFor(net).leave(net, ep, sb);
  try {
    eng.ipam.releaseAddress(ep.networkId, ep.ip);
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
function defaultRouteLines(s: State, eps: EndpointRecord[]): string[] | null {
  const gw = gatewayEndpoint(s, eps);
  return gw ? [`route replace default via ${s.networks[gw.networkId].gateway} dev ${gw.ifname}`] : null;
}

// Points the sandbox's default route at the gateway endpoint's network.
// `goneWithLink`: the endpoint that held the route was just deleted, and its
// route with it, so with no gateway left there is nothing to read or delete.
export async function syncDefaultRoute(s: State, sb: SandboxRef, eps: EndpointRecord[], goneWithLink = false): Promise<void> {
  const lines = defaultRouteLines(s, eps);
  if (lines) return ipBatch(sb.ns, lines);
  if (goneWithLink) return;
  if ((await listRoutes(sb.ns)).some((r) => r.dst === 'default')) await ipBatch(sb.ns, ['route del default']);
}
