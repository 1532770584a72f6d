import type { Container } from '../../../shared/container';
import type { Network } from '../../../shared/network';
import { containerName } from './format';

// What a Berth tag (`berth:<id12>` in a rule's comment or a link's alias)
// stands for: a network's rules carry the network's id, a published port's
// rules and a container's veth carry its endpoint's id (docs/architecture.md).
export type BerthObject =
  | { kind: 'network'; id: string; name: string }
  | { kind: 'container'; id: string; name: string; network: string };

const TAG = /\bberth:([0-9a-f]{12})\b/;
export const berthTag = (text: string | null | undefined): string | null => (text ? (TAG.exec(text)?.[1] ?? null) : null);

export function berthNames(networks: Network[] = [], containers: Container[] = []): Map<string, BerthObject> {
  const out = new Map<string, BerthObject>();
  for (const n of networks) out.set(n.Id.slice(0, 12), { kind: 'network', id: n.Id, name: n.Name });
  for (const c of containers)
    for (const [network, ep] of Object.entries(c.NetworkSettings.Networks))
      if (ep.EndpointID) out.set(ep.EndpointID.slice(0, 12), { kind: 'container', id: c.Id, name: containerName(c), network });
  return out;
}

export const describeObject = (o: BerthObject) => (o.kind === 'network' ? `network ${o.name}` : `container ${o.name} (on ${o.network})`);
