import { ipBatch, listLinks, listRoutes } from '../kernel/links';
import type { EndpointRecord, NetworkRecord, State } from '../store/state';
import { driverFor } from './drivers';
import type { Engine } from './engine';
import { newId, randomMac, vethName } from './naming';
import type { SandboxRef } from './sandbox';
import type { Undo } from './undo';

const prefixOf = (cidr: string) => Number(cidr.split('/')[1]);

// Connects a sandbox to a bridge network: address from IPAM, a veth pair
// with its peer as the lowest free ethN in the sandbox.
// `known`: the interfaces of a sandbox Berth made itself (it holds nothing
// else), which spares listing its links; foreign sandboxes are listed.
export async function attachEndpoint(
  eng: Engine,
  net: NetworkRecord,
  sb: SandboxRef,
  undo: Undo,
  staticIp?: string,
  known?: EndpointRecord[],
): Promise<EndpointRecord> {
  const ip = eng.ipam.requestAddress(net.id, staticIp);
  const used = new Set(known ? known.map((e) => e.ifname) : (await listLinks(sb.ns)).map((l) => l.ifname));
  let n = 0;
  while (used.has(`eth${n}`)) n++;
  const ep: EndpointRecord = {
    id: newId(),
    networkId: net.id,
    ip,
    prefixLen: prefixOf(net.subnet),
    mac: randomMac(),
    ifname: `eth${n}`,
    hostVeth: vethName(),
    staticIp: !!staticIp,
  };
  await driverFor(net).join(net, ep, sb);
  undo.push(() => driverFor(net).leave(net, ep, sb));
  return ep;
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

// Points the sandbox's default route at the gateway endpoint's network.
export async function syncDefaultRoute(s: State, sb: SandboxRef, eps: EndpointRecord[]): Promise<void> {
  const gw = gatewayEndpoint(s, eps);
  if (gw) {
    // replace is idempotent: no need to read the table first
    await ipBatch(sb.ns, [`route replace default via ${s.networks[gw.networkId].gateway} dev ${gw.ifname}`]);
    return;
  }
  if ((await listRoutes(sb.ns)).some((r) => r.dst === 'default')) await ipBatch(sb.ns, ['route del default']);
}
