import type { HostInspect } from '../../../src/shared/inspect';
import { deleteLinks } from '../kernel/links';
import { deleteNetns, listNetns } from '../kernel/netns';
import { errText, ofKind, type Outcome } from './apply-outcome';
import type { HostLink, Planned } from './planned';
import type { RemovedLink, Snapshot } from './snapshot';

// What undo needs to make a removed link again, its peer included.
function describeLink(l: HostLink, host: HostInspect): RemovedLink {
  let peer: RemovedLink['peer'] = null;
  if (l.peer) {
    const at = l.peer.lastIndexOf('@');
    const name = l.peer.slice(0, at);
    const where = l.peer.slice(at + 1);
    const ns = where === 'host' ? null : where;
    const addrs =
      ns === null
        ? host.links.find((x) => x.name === name)?.addresses ?? []
        : host.netns.find((n) => (n.name ?? n.path) === ns || `pid:${n.pids[0]}` === ns)?.links.find((x) => x.name === name)?.addresses ?? [];
    const up = ns === null ? host.links.find((x) => x.name === name)?.state !== 'DOWN' : addrs.length > 0;
    peer = { name, netns: ns, addresses: addrs, up };
  }
  return { name: l.name, kind: l.kind, mac: l.mac, mtu: l.mtu, master: l.master, alias: l.alias, addresses: l.addresses, up: l.state !== 'DOWN', peer };
}

// Links: one idempotent batch. A link that vanished on its own since the
// plan (its peer's namespace went, the engine tore it down) is what the
// finding asked for: done, not failed. Only a link still there failed.
export async function removeLinks(host: HostInspect, chosen: Planned[], snap: Snapshot, out: Outcome): Promise<void> {
  const linkF = ofKind(chosen, 'link');
  if (!linkF.length) return;
  const links = linkF.map((p) => p.target.link);
  let left = new Set<string>();
  let alreadyGone = new Set<string>();
  let error = '';
  try {
    alreadyGone = new Set(await deleteLinks(links.map((l) => l.name)));
  } catch (e) {
    error = errText(e);
    const named = (e as { details?: { left?: unknown } }).details?.left;
    left = new Set(Array.isArray(named) ? named.map(String) : links.map((l) => l.name));
  }
  linkF.forEach((p, i) => {
    if (left.has(links[i].name)) out.failed.push({ id: p.id, error });
    else {
      out.applied.push(p.id);
      // undo puts back only what this apply removed
      if (!alreadyGone.has(links[i].name)) snap.links.push(describeLink(links[i], host));
    }
  });
}

// Namespaces, one by one; one still listed after the delete failed.
export async function removeNetns(chosen: Planned[], snap: Snapshot, out: Outcome): Promise<void> {
  for (const { id, target: { netns: ns } } of ofKind(chosen, 'netns')) {
    try {
      const deleted = await deleteNetns(ns.name as string);
      if ((await listNetns()).includes(ns.name as string)) throw new Error(`ip netns delete ${ns.name} left it in place`);
      // gone before we got to it: done, but nothing of ours for undo to put back
      if (deleted) snap.netns.push({ name: ns.name as string, loUp: ns.links.some((l) => l.name === 'lo' && l.addresses.length > 0) });
      out.applied.push(id);
    } catch (e) {
      out.failed.push({ id, error: errText(e) });
    }
  }
}
