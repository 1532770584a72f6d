import { make, type HostLink, type Planned } from './planned';
import { delLink, globalAddrs, linkEvidence, type LinkScan } from './link-scan';

// A veth whose container is gone: no peer anywhere that can be seen, or a
// peer but no bridge, address or route (it carries nothing).
export function vethIssue(l: HostLink, scan: LinkScan): Planned | null {
  if (!l.peer && !scan.netnsUnreadable)
    return make('veth-no-peer', l.owner, 'veth whose peer is in no namespace that can be seen (its container is gone)', linkEvidence(l), delLink(l), { type: 'link', link: l });
  if (!l.peer || l.master || globalAddrs(l.addresses).length > 0 || scan.routedDevs.has(l.name) || scan.berthVeths.has(l.name)) return null;
  // a pair with both ends here is one finding, not two
  const [peerName, where] = l.peer.split('@');
  if (where === 'host' && scan.reported.has(peerName)) return null;
  // its peer in a namespace with processes is someone's link (pipework-style): in use
  if (where !== 'host' && (where.startsWith('pid:') || (scan.netnsByLabel.get(where)?.pids.length ?? 0) > 0)) return null;
  scan.reported.add(l.name);
  return make('veth-no-master', l.owner, 'veth on no bridge, with no address or route: it carries nothing', linkEvidence(l), delLink(l), { type: 'link', link: l });
}
