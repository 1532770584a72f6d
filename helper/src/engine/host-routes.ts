import type { Kernel } from '../kernel/host-kernel';

// Routes already on the host that an automatic subnet must not overlap
// (a VPN, the LAN, someone's docker0). The default route overlaps everything
// and says nothing.
export async function hostRoutes(k: Kernel): Promise<{ cidr: string; dev?: string }[]> {
  const routes = await k.listRoutes();
  return routes
    .filter((r) => r.dst && r.dst !== 'default' && !r.dst.includes(':'))
    .map((r) => ({ cidr: r.dst.includes('/') ? r.dst : `${r.dst}/32`, dev: r.dev }));
}
