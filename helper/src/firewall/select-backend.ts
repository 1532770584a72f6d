import { BerthError } from '../../../src/shared/errors';
import { hasIptables } from '../kernel/iptables';
import { hasNft } from '../kernel/nft';
import { noneBackend, type FirewallBackend } from './backend';
import { withGuest } from './guest';
import { iptablesBackend } from './iptables-backend';
import type { FirewallChoice } from './flag-values';
import { nftablesBackend } from './nftables-backend';

// `berth helper --firewall`: a backend named explicitly must work; `auto`
// keeps iptables wherever it works (Berth's first backend, and what Docker
// 28 uses), else nftables, else none (the helper warns).
export async function chooseFirewall(choice: FirewallChoice): Promise<FirewallBackend> {
  if (choice === 'iptables' || (choice === 'auto' && (await hasIptables()))) {
    if (choice === 'iptables' && !(await hasIptables())) throw new BerthError('kernel', '--firewall iptables: iptables-save does not work here');
    return withGuest(iptablesBackend());
  }
  if (await hasNft()) return withGuest(nftablesBackend());
  if (choice === 'nftables') throw new BerthError('kernel', '--firewall nftables: nft does not work here');
  return noneBackend;
}
