import { JUMP_OWNER } from '../firewall/chains';
import type { HeldPort } from '../portmap/allocator';
// What the store says Berth owns; the engine provides it to findStale.
export interface BerthOwned {
  networks: { id: string; name: string; bridge: string; subnet: string; gateway: string; internal: boolean }[];
  endpoints: { id: string; networkId: string; sandboxId: string; ip: string; hostVeth: string; netnsPath: string }[];
  netnsNames: string[]; // Berth's named netns (berth-<id12>) the store knows
  // published mappings in the store (those whose rules Berth writes)
  ports: { endpointId: string; hostIp: string; hostPort: number; proto: string; containerIp: string; containerPort: number }[];
  // host ports the helper holds right now: allocator entries, and whether a socket is bound
  heldPorts: HeldPort[];
}

export const emptyBerthOwned = (): BerthOwned => ({ networks: [], endpoints: [], netnsNames: [], ports: [], heldPorts: [] });

// Tags may carry a full id or its 12-character short form.
export function knowsId(berth: BerthOwned, tag: string): boolean {
  if (tag === JUMP_OWNER) return true; // Berth's jumps from built-in chains into its own
  const match = (id: string) => id === tag || id.startsWith(tag) || tag.startsWith(id);
  return berth.networks.some((n) => match(n.id)) || berth.endpoints.some((e) => match(e.id));
}
