import type { HostInspect } from '../../../src/shared/inspect';
import { BERTH_NETNS_RE, DOCKER_USER_BRIDGE_RE } from '../inspect/owner';
import { cidrOverlaps, parseToolPrefix, type Cidr } from '../../../src/shared/ip';
import { knowsId, type BerthOwned } from './berth-owned';
import { make, type HostLink, type Planned } from './planned';

const globalAddrs = (addrs: string[]) => addrs.filter((a) => !a.startsWith('fe80:') && !a.startsWith('169.254.'));
const linkEvidence = (l: HostLink) =>
  `${l.kind} ${l.name}${l.alias ? ` alias ${l.alias}` : ''}${l.master ? ` master ${l.master}` : ''}${l.peer ? ` peer ${l.peer}` : ''}`;
const delLink = (l: HostLink) => [['ip', 'link', 'delete', l.name]];
const peerNs = (l: HostLink) => (l.peer ? l.peer.slice(l.peer.indexOf('@') + 1) : null);

// Links and namespaces that nothing uses any more. Anything with a port on
// it, a live peer behind it, or a process in it is left alone.
export function findLinkIssues(host: HostInspect, berth: BerthOwned): Planned[] {
  const out: Planned[] = [];
  const ports = new Map<string, number>();
  for (const l of host.links) if (l.master) ports.set(l.master, (ports.get(l.master) ?? 0) + 1);
  const netnsByLabel = new Map(host.netns.map((n) => [n.name ?? n.path, n]));
  const routedDevs = new Set(host.routes.filter((r) => !r.dst.startsWith('fe80:') && r.dev).map((r) => r.dev));
  const berthBridges = new Set(berth.networks.map((n) => n.bridge));
  const berthVeths = new Set(berth.endpoints.map((e) => e.hostVeth));
  const netnsUnreadable = host.errors.some((e) => e.startsWith('netns '));
  // Interfaces and subnets the rules mention, each distinct one once; the
  // subnets only parsed if some bridge is a candidate (most hosts have none).
  const ruleIfs = new Set<string>();
  const ruleNetTexts = new Set<string>();
  for (const r of host.rules) {
    for (const k of ['i', '!i', 'o', '!o']) if (r.matches[k]) ruleIfs.add(r.matches[k]);
    for (const k of ['s', '!s', 'd', '!d']) if (r.matches[k]) ruleNetTexts.add(r.matches[k]);
  }
  let ruleNetList: Cidr[] | null = null;
  const ruleNets = () =>
    (ruleNetList ??= [...ruleNetTexts].map(parseToolPrefix).filter((p): p is Cidr => !!p && p.len > 0));
  const reported = new Set<string>();

  for (const l of host.links) {
    const ev = [linkEvidence(l), `owner evidence: ${l.ownerEvidence}`];
    const berthTag = l.alias?.startsWith('berth:') ? l.alias.slice(6) : null;
    const inUse = (ports.get(l.name) ?? 0) > 0;
    if (berthTag !== null && !knowsId(berth, berthTag) && !berthBridges.has(l.name) && !berthVeths.has(l.name)) {
      const peer = peerNs(l);
      const peerAlive = peer && peer !== 'host' && (netnsByLabel.get(peer)?.pids.length ?? 0) > 0;
      if (!inUse && !peerAlive) {
        out.push(make('orphan-berth-link', 'berth', `${l.kind} tagged berth:${berthTag}, which no network or endpoint in the store has`, ev, delLink(l), { type: 'link', link: l }));
        continue;
      }
    }
    if (l.kind === 'veth') {
      if (!l.peer && !netnsUnreadable) {
        out.push(make('veth-no-peer', l.owner, 'veth whose peer is in no namespace that can be seen (its container is gone)', ev, delLink(l), { type: 'link', link: l }));
      } else if (l.peer && !l.master && globalAddrs(l.addresses).length === 0 && !routedDevs.has(l.name) && !berthVeths.has(l.name)) {
        // a pair with both ends here is one finding, not two
        const [peerName, where] = l.peer.split('@');
        if (where === 'host' && reported.has(peerName)) continue;
        // its peer in a namespace with processes is someone's link (pipework-style): in use
        if (where !== 'host' && (where.startsWith('pid:') || (netnsByLabel.get(where)?.pids.length ?? 0) > 0)) continue;
        reported.add(l.name);
        out.push(make('veth-no-master', l.owner, 'veth on no bridge, with no address or route: it carries nothing', ev, delLink(l), { type: 'link', link: l }));
      }
      continue;
    }
    if (l.kind !== 'bridge' || inUse || l.name === 'docker0' || berthBridges.has(l.name) || berthTag !== null) continue;
    const enginesName = DOCKER_USER_BRIDGE_RE.test(l.name) || l.name.startsWith('cni') || l.name.startsWith('berth');
    if (!enginesName) continue;
    const addrs = globalAddrs(l.addresses);
    const nets = addrs.map(parseToolPrefix).filter((p): p is Cidr => !!p);
    const mentioned = ruleIfs.has(l.name) || ruleNets().some((r) => nets.some((n) => cidrOverlaps(r, n)));
    if (addrs.length === 0 || !mentioned) {
      const why = addrs.length === 0 ? 'no port and no address' : 'no port, and no firewall rule for it';
      out.push(make('empty-bridge', l.owner, `${l.owner === 'unknown' ? '' : `${l.owner} `}bridge with ${why}: no network behind it`, ev, delLink(l), { type: 'link', link: l }));
    }
  }

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
