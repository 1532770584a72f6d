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

// Chains whose whole content is Berth's: each apply brings them to exactly
// the rendered list, in one atomic batch (by rule edits, chain-edit.ts, or by
// declaring the chain, which flushes it). BERTH-USER holds the user's own
// rules and is never written.
export const OWN_CHAINS: Record<'filter' | 'nat', string[]> = {
  filter: [CHAIN.filter, CHAIN.forward, CHAIN.bridge, CHAIN.ct, CHAIN.iso1, CHAIN.iso2],
  nat: [CHAIN.nat],
};

// Owner id of the jumps from built-in chains into Berth's chains.
export const JUMP_OWNER = 'jump';
