import type { HostInspect } from '../../../src/shared/inspect';
import { BERTH_NETNS_RE } from '../inspect/owner';
import type { BerthOwned } from './berth-owned';
import { make, type Planned } from './planned';

// Named namespaces with no process and nothing but lo: Berth's that the
// store does not know, and anyone else's.
export function findNetnsIssues(host: HostInspect, berth: BerthOwned): Planned[] {
  const out: Planned[] = [];
  for (const ns of host.netns) {
    if (!ns.name || ns.pids.length > 0) continue;
    const attached = ns.links.filter((l) => l.name !== 'lo');
    if (attached.length > 0) continue;
    const ev = [`netns ${ns.name} (${ns.path}), no process, nothing but lo`, `owner evidence: ${ns.ownerEvidence}`];
    const cmd = [['ip', 'netns', 'delete', ns.name]];
    if (BERTH_NETNS_RE.test(ns.name)) {
      if (!berth.netnsNames.includes(ns.name))
        out.push(make('orphan-berth-netns', 'berth', `Berth namespace ${ns.name} that the store does not know`, ev, cmd, { type: 'netns', netns: ns }));
    } else {
      out.push(make('netns-no-process', ns.owner, `namespace ${ns.name} with no process and nothing attached`, ev, cmd, { type: 'netns', netns: ns }));
    }
  }
  return out;
}
