import type { SubnetCheck } from '../../../shared/network';

// What the subnet field says, from the helper's check of the text typed.
export function subnetStatus(check: SubnetCheck | undefined): { error: string | null; warning: string | null } {
  if (!check) return { error: null, warning: null };
  const describe = (o: SubnetCheck['overlaps'][number]) =>
    o.kind === 'network' ? `network ${o.what} (${o.cidr})` : `host route ${o.cidr}${o.what ? ` via ${o.what}` : ''}`;
  if (!check.valid) {
    const overl = check.overlaps.map(describe).join(', ');
    return { error: check.error ?? (overl ? `overlaps ${overl}` : 'invalid subnet'), warning: null };
  }
  if (check.overlaps.length) return { error: null, warning: `Overlaps ${check.overlaps.map(describe).join(', ')}` };
  return { error: null, warning: null };
}
