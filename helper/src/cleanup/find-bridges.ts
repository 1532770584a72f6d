import { cidrOverlaps, parseToolPrefix, type Cidr } from '../../../src/shared/ip';
import { DOCKER_USER_BRIDGE_RE } from '../inspect/owner';
import { make, type HostLink, type Planned } from './planned';
import { madeByBerth, delLink, globalAddrs, inUse, linkEvidence, type LinkScan } from './link-scan';

// A bridge named as an engine names its networks (br-<id>, cni*, berth*),
// with no port, and no address or no firewall rule that mentions it: no
// network is behind it. docker0 and Berth's own bridges are never proposed,
// nor a bridge whose engine's API still lists its network (an empty network
// is not a dead one: removing the bridge would break it).
export function emptyBridge(l: HostLink, scan: LinkScan): Planned | null {
  if (l.kind !== 'bridge' || inUse(l, scan) || l.name === 'docker0' || scan.berthBridges.has(l.name) || madeByBerth(l)) return null;
  if (l.ownerObject?.kind === 'network') return null;
  const enginesName = DOCKER_USER_BRIDGE_RE.test(l.name) || l.name.startsWith('cni') || l.name.startsWith('berth');
  if (!enginesName) return null;
  const addrs = globalAddrs(l.addresses);
  const nets = addrs.map(parseToolPrefix).filter((p): p is Cidr => !!p);
  const mentioned = () => scan.ruleIfs().has(l.name) || scan.ruleNets().some((r) => nets.some((n) => cidrOverlaps(r, n)));
  if (addrs.length > 0 && mentioned()) return null;
  const why = addrs.length === 0 ? 'no port and no address' : 'no port, and no firewall rule for it';
  return make('empty-bridge', l.owner, `${l.owner === 'unknown' ? '' : `${l.owner} `}bridge with ${why}: no network behind it`, linkEvidence(l), delLink(l), { type: 'link', link: l });
}
