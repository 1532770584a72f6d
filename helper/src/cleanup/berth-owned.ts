import { JUMP_OWNER } from '../firewall/chains';
import type { HeldPort } from '../portmap/allocator';
// What the store says Berth owns; the engine provides it to findStale.
export interface BerthOwned {
  // subnet: the first IPv4 one ('' on an IPv6-only network); subnets: every one, of both families
  networks: { id: string; name: string; bridge: string; subnet: string; subnets?: string[]; gateway: string; internal: boolean }[];
  // ip: IPv4 ('' on an IPv6-only network); ip6: the IPv6 address, when the endpoint has one
  endpoints: { id: string; networkId: string; sandboxId: string; ip: string; ip6?: string; hostVeth: string; netnsPath: string }[];
  netnsNames: string[]; // Berth's named netns (berth-<id12>) the store knows
  // published mappings in the store (those whose rules Berth writes)
  ports: { endpointId: string; hostIp: string; hostPort: number; proto: string; containerIp: string; containerPort: number }[];
  // host ports the helper holds right now: allocator entries, and whether a socket is bound
  heldPorts: HeldPort[];
  // links Berth unplugged and deletes in the background (kernel/link-reaper.ts): its own, on their way out
  leaving?: string[];
}

export const emptyBerthOwned = (): BerthOwned => ({ networks: [], endpoints: [], netnsNames: [], ports: [], heldPorts: [] });

// Tags may carry a full id or its 12-character short form.
export function knowsId(berth: BerthOwned, tag: string): boolean {
  if (tag === JUMP_OWNER) return true; // Berth's jumps from built-in chains into its own
  const match = (id: string) => id === tag || id.startsWith(tag) || tag.startsWith(id);
  return berth.networks.some((n) => match(n.id)) || berth.endpoints.some((e) => match(e.id));
}

// knowsId for one reading: each tag is looked up once (a network's or endpoint's rules all carry
// the same tag), not once per rule against every network and endpoint.
export function knownIds(berth: BerthOwned): (tag: string) => boolean {
  const seen = new Map<string, boolean>();
  return (tag) => {
    let known = seen.get(tag);
    if (known === undefined) seen.set(tag, (known = knowsId(berth, tag)));
    return known;
  };
}

// Every address of Berth's endpoints, both families.
export const endpointAddrs = (berth: BerthOwned): string[] => berth.endpoints.flatMap((e) => [e.ip, e.ip6 ?? '']).filter(Boolean);
// Every subnet of Berth's networks, both families.
export const networkSubnets = (berth: BerthOwned): string[] => berth.networks.flatMap((n) => n.subnets ?? [n.subnet]).filter(Boolean);
