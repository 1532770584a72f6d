// Docker 28's chain layout with BERTH in place of DOCKER (docs/docker-behaviour.md).
export const CHAIN = {
  nat: 'BERTH',
  filter: 'BERTH',
  forward: 'BERTH-FORWARD',
  bridge: 'BERTH-BRIDGE',
  ct: 'BERTH-CT',
  iso1: 'BERTH-ISOLATION-STAGE-1',
  iso2: 'BERTH-ISOLATION-STAGE-2',
  user: 'BERTH-USER',
} as const;

// Chains Berth rewrites whole on every apply (declaring a chain in
// `iptables-restore --noflush` flushes it, so one batch replaces its content
// atomically). BERTH-USER holds the user's own rules and is never rewritten.
export const OWN_CHAINS: Record<'filter' | 'nat', string[]> = {
  filter: [CHAIN.filter, CHAIN.forward, CHAIN.bridge, CHAIN.ct, CHAIN.iso1, CHAIN.iso2],
  nat: [CHAIN.nat],
};

// Owner id of the jumps from built-in chains into Berth's chains.
export const JUMP_OWNER = 'jump';
