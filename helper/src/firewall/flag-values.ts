// The helper's --firewall values, apart from the backends so the CLI can
// check the flag without loading them.
export type FirewallChoice = 'iptables' | 'nftables' | 'auto';
export const FIREWALL_CHOICES: FirewallChoice[] = ['iptables', 'nftables', 'auto'];
