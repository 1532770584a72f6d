import type { FirewallBackend } from '../firewall/backend';
import type { Kernel } from '../kernel/host-kernel';
import { LINK_ALIAS_PREFIX } from './naming';

// What a Berth store once held, as the kernel still shows it: berth-*
// namespaces, links tagged with Berth's alias (bridges and veths), rules in
// Berth's chains beyond the empty ruleset. An empty store next to any of
// these was emptied or lost, not fresh: the helper refuses to start rather
// than restore "nothing" and tear them down (`berth helper --reset` accepts it).
export async function berthObjectsInKernel(kernel: Kernel, firewall: FirewallBackend): Promise<string[]> {
  const found: string[] = [];
  for (const ns of await kernel.listNetns()) if (ns.startsWith('berth-')) found.push(`network namespace ${ns}`);
  for (const l of await kernel.listLinks()) if (l.ifalias?.startsWith(LINK_ALIAS_PREFIX)) found.push(`link ${l.ifname} (${l.ifalias})`);
  const fw = await firewall.diff({ networks: [], endpoints: [], ports: [] });
  found.push(...fw.extra.map((r) => `rule ${r}`));
  return found;
}
