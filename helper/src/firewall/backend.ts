import type { FirewallModel } from './model';

// What differs between Berth's desired rules and the kernel's.
export interface FirewallDiff {
  missing: string[]; // rules (or chains) Berth wants that are not there
  extra: string[]; // Berth-tagged rules that should not be there
}

export interface ApplyOptions {
  // ip_forward was off before Berth: forwarded traffic nobody accepted is dropped
  forwardPolicyDrop?: boolean;
  // the same for IPv6 forwarding (ip6tables FORWARD, the ip6 table's forward chain)
  forwardPolicyDrop6?: boolean;
  // at helper start: Berth rules of owners the model does not know are debris
  pruneUnknown?: boolean;
  // the model the kernel was brought to before this operation: whatever it
  // owned (e.g. a network this operation removes) is still ours to delete
  previous?: FirewallModel;
}

// One firewall backend per host (netavark's FirewallDriver shape). Each one
// receives the semantic model and renders it itself, so iptables and
// nftables carry the same rules. `apply` is idempotent: reconcile and the
// drift healer call it again.
export interface FirewallBackend {
  readonly name: 'iptables' | 'nftables' | 'none';
  apply(m: FirewallModel, opts?: ApplyOptions): Promise<FirewallDiff>;
  diff(m: FirewallModel): Promise<FirewallDiff>;
  // how many rules the model renders to, for drift reports
  ruleCount(m: FirewallModel): number;
  // what Berth did in the host's other firewalls, and where it could not (guest.ts)
  neighbours?(): { done: string[]; warnings: string[] };
  // takes Berth's accepts out of the other firewalls (berth system reset)
  removeGuests?(): Promise<void>;
  // removes every rule, chain and table of Berth's (berth system reset; the model is empty)
  reset?(): Promise<void>;
  // An apply that only takes rules away answers before its commit, which
  // follows in the background (write-queue.ts). `settled`: every write so
  // far is in the kernel (or failed and is owed to the next apply);
  // `pending`: one is still on its way. Readers of the ruleset wait first.
  settled?(): Promise<void>;
  pending?(): boolean;
}

export const noneBackend: FirewallBackend = {
  name: 'none',
  apply: async () => ({ missing: [], extra: [] }),
  diff: async () => ({ missing: [], extra: [] }),
  ruleCount: () => 0,
};
