import type { HostInspect } from '../../../src/shared/inspect';
import type { HostRaw, IpLinkJson, RawNetns } from '../kernel/host-raw-types';
import { linkNameOwner, type Verdict } from './owner';
import { hasBerthMac } from '../../../src/shared/link-mark';

type HostLink = HostInspect['links'][number];

export const addrList = (l: IpLinkJson) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);

export const nsLabel = (ns: Pick<RawNetns, 'name' | 'path'>) => {
  if (ns.name) return ns.name;
  const pid = /^\/proc\/(\d+)\/ns\/net$/.exec(ns.path);
  return pid ? `pid:${pid[1]}` : ns.path;
};

// A veth's peer is "ifname@host" in the same namespace, "ifname@<netns>"
// elsewhere (found by the peer pointing back at this ifindex), or null when
// no namespace we can see holds it.
type PeerIndex = Map<string, { ns: RawNetns; peer: IpLinkJson }[]>;
// Links in other namespaces by "their ifindex/their peer's ifindex", so each lookup is one get.
function peerIndex(raw: HostRaw): PeerIndex {
  const idx: PeerIndex = new Map();
  for (const ns of raw.netns)
    for (const p of ns.links) {
      if (p.link_index === undefined) continue;
      const k = `${p.ifindex}/${p.link_index}`;
      idx.set(k, [...(idx.get(k) ?? []), { ns, peer: p }]);
    }
  return idx;
}

function findPeer(l: IpLinkJson, raw: HostRaw, idx: PeerIndex): string | null {
  if (l.link) return `${l.link}@host`;
  if (l.link_index === undefined || l.link_netnsid === undefined) return null;
  const byId = raw.nsids.find((n) => n.nsid === l.link_netnsid)?.name;
  const candidates = idx.get(`${l.link_index}/${l.ifindex}`) ?? [];
  const best = candidates.find((c) => c.ns.name === byId) ?? candidates[0];
  return best ? `${best.peer.ifname}@${nsLabel(best.ns)}` : null;
}

const kindOf = (l: IpLinkJson) =>
  l.linkinfo?.info_kind ?? (l.ifname === 'lo' || l.flags?.includes('LOOPBACK') ? 'loopback' : 'device');

export function buildLinks(raw: HostRaw, netnsOwners: Map<string, Verdict>): HostLink[] {
  const addrs = new Map(raw.addrs.map((a) => [a.ifindex, addrList(a)]));
  const idx = peerIndex(raw);
  const first = raw.links.map((l) => {
    const alias = l.ifalias ?? null;
    const peer = kindOf(l) === 'veth' ? findPeer(l, raw, idx) : null;
    return {
      ifindex: l.ifindex,
      name: l.ifname,
      kind: kindOf(l),
      state: l.operstate ?? 'UNKNOWN',
      mtu: l.mtu ?? 0,
      mac: l.address ?? '',
      master: l.master ?? null,
      peer,
      alias,
      addresses: addrs.get(l.ifindex) ?? [],
      owner: 'unknown' as HostLink['owner'],
      ownerEvidence: 'no owner evidence',
    };
  });
  const byName = new Map(first.map((l) => [l.name, l]));
  // Bridges and devices first: veths then inherit from their master or peer's netns.
  for (const l of first) {
    const v = hasBerthMac(l.name, l.mac) ? { owner: 'berth' as const, evidence: `MAC address ${l.mac} (Berth's mark for ${l.name})` } : linkNameOwner(l.name, l.alias);
    if (v && !(l.kind === 'veth' && v.owner !== 'berth')) [l.owner, l.ownerEvidence] = [v.owner, v.evidence];
  }
  for (const l of first) {
    if (l.kind !== 'veth' || l.owner !== 'unknown') continue;
    const master = l.master ? byName.get(l.master) : undefined;
    const peerNs = l.peer ? netnsOwners.get(l.peer.slice(l.peer.indexOf('@') + 1)) : undefined;
    if (master && master.owner !== 'unknown' && master.owner !== 'system')
      [l.owner, l.ownerEvidence] = [master.owner, `master ${master.name} (${master.ownerEvidence})`];
    else if (peerNs && peerNs.owner !== 'unknown')
      [l.owner, l.ownerEvidence] = [peerNs.owner, `peer in ${l.peer} (${peerNs.evidence})`];
  }
  return first;
}
