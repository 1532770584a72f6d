import type { Ruleset } from './render';

// What differs between Berth's desired rules and the kernel's.
export interface FirewallDiff {
  missing: string[]; // rules (or chains) Berth wants that are not there
  extra: string[]; // Berth-tagged rules that should not be there
}

// One firewall backend per host; iptables today, nftables next (netavark's
// FirewallDriver shape). `apply` is idempotent: reconcile calls it again.
export interface FirewallBackend {
  readonly name: 'iptables' | 'nftables' | 'none';
  apply(rs: Ruleset, opts?: { forwardPolicyDrop?: boolean; pruneUnknown?: boolean }): Promise<FirewallDiff>;
  diff(rs: Ruleset): Promise<FirewallDiff>;
}

export const noneBackend: FirewallBackend = {
  name: 'none',
  apply: async () => ({ missing: [], extra: [] }),
  diff: async () => ({ missing: [], extra: [] }),
};
