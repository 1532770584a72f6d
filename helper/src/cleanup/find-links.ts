import type { HostInspect } from '../../../src/shared/inspect';
import { knowsId, type BerthOwned } from './berth-owned';
import { emptyBridge } from './find-bridges';
import { findNetnsIssues } from './find-netns';
import { vethIssue } from './find-veths';
import { berthTagOf, delLink, inUse, linkEvidence, madeByBerth, scanLinks, type LinkScan } from './link-scan';
import { make, type HostLink, type Planned } from './planned';

// Links and namespaces that nothing uses any more. Anything with a port on
// it, a live peer behind it, or a process in it is left alone. A link gets
// at most one finding: Berth's tag first, then by kind (find-veths.ts,
// find-bridges.ts); namespaces are find-netns.ts.
export function findLinkIssues(host: HostInspect, berth: BerthOwned): Planned[] {
  const scan = scanLinks(host, berth);
  const out: Planned[] = [];
  for (const l of host.links) {
    const f = orphanBerthLink(l, scan) ?? (l.kind === 'veth' ? vethIssue(l, scan) : emptyBridge(l, scan));
    if (f) out.push(f);
  }
  return [...out, ...findNetnsIssues(host, berth)];
}

// A link tagged berth:<id> for an id the store does not have, or made by
// Berth and not tagged yet (its MAC mark) under a name the store does not
// have, unused and with no live peer: left by a Berth that crashed or lost its store.
function orphanBerthLink(l: HostLink, scan: LinkScan): Planned | null {
  const tag = berthTagOf(l);
  if (!madeByBerth(l) || (tag !== null && knowsId(scan.berth, tag)) || scan.berthBridges.has(l.name) || scan.berthVeths.has(l.name)) return null;
  const peer = l.peer ? l.peer.slice(l.peer.indexOf('@') + 1) : null;
  const peerAlive = peer && peer !== 'host' && (scan.netnsByLabel.get(peer)?.pids.length ?? 0) > 0;
  if (inUse(l, scan) || peerAlive) return null;
  const what = tag === null ? `${l.kind} made by Berth (its MAC address is Berth's mark) and never tagged` : `${l.kind} tagged berth:${tag}`;
  return make('orphan-berth-link', 'berth', `${what}, which no network or endpoint in the store has`, linkEvidence(l), delLink(l), { type: 'link', link: l });
}

// Berth's desired state whose kernel objects vanished: only the engine can
// fix these (it releases the endpoint), so they carry no command.
export function findMissing(host: HostInspect, berth: BerthOwned): Planned[] {
  const out: Planned[] = [];
  const links = new Set(host.links.map((l) => l.name));
  const paths = new Set(host.netns.map((n) => n.path));
  const names = new Set(host.netns.map((n) => n.name).filter(Boolean));
  const miss = (what: 'network' | 'endpoint' | 'netns', id: string, reason: string, ev: string[]) =>
    out.push(make('missing-kernel-object', 'berth', reason, ev, [], { type: 'store', what, id }));
  for (const n of berth.networks)
    if (n.bridge && !links.has(n.bridge)) miss('network', n.id, `network ${n.name}: bridge ${n.bridge} is gone`, [`network ${n.id} bridge ${n.bridge}`]);
  for (const e of berth.endpoints) {
    const gone = [!links.has(e.hostVeth) && `veth ${e.hostVeth}`, e.netnsPath && !paths.has(e.netnsPath) && `netns ${e.netnsPath}`].filter(Boolean);
    if (gone.length) miss('endpoint', e.id, `endpoint ${e.id.slice(0, 12)} (${e.ip}): ${gone.join(' and ')} gone`, [`endpoint ${e.id} ${gone.join(', ')}`]);
  }
  for (const n of berth.netnsNames)
    if (!names.has(n)) miss('netns', n, `namespace ${n} is gone`, [`netns ${n}`]);
  return out;
}
