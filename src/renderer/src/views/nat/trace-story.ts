import type { Container } from '../../../../shared/container';
import type { BaseChain, FirewallRule, NatConntrackResult } from '../../../../shared/inspect';
import { tryParseAddr } from '../../../../shared/ip';
import type { Network } from '../../../../shared/network';
import { berthTag } from '../../lib/berth-names';
import { bridgeName, containerName } from '../../lib/format';
import { builtinChains, inCidr, isV6, traceFilter, type FilterResult, type Packet, type TraceResult } from './packet-match';

// One published port as the tracer needs it: who, where it listens, where it goes.
export interface Published {
  container: string;
  containerIp: string;
  containerPort: number;
  hostIp: string; // '' for every address
  hostPort: number;
  proto: string;
  bridge: string;
  endpoint?: string; // its endpoint's id (12): the berth:<id> tag of the port's rules
}

// One entry per bind and container address (IPv4 and IPv6 of a dual-stack
// container: a DNAT of either family names it).
export function publishedPorts(containers: Container[] = [], networks: Network[] = []): Published[] {
  const out: Published[] = [];
  for (const c of containers) {
    if (!c.State.Running) continue;
    const nets = Object.entries(c.NetworkSettings.Networks).filter(([, v]) => v.IPAddress || v.GlobalIPv6Address);
    if (!nets.length) continue;
    const [netName, ep] = nets[0];
    const n = networks.find((x) => x.Name === netName);
    const ips = [ep.IPAddress, ep.GlobalIPv6Address].filter((x): x is string => !!x);
    for (const [key, binds] of Object.entries(c.NetworkSettings.Ports ?? {})) {
      const [port, proto = 'tcp'] = key.split('/');
      for (const b of binds ?? [])
        for (const containerIp of ips)
          out.push({ container: containerName(c), containerIp, containerPort: Number(port), hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort), proto, bridge: n ? bridgeName(n) : '', endpoint: ep.EndpointID?.slice(0, 12) });
    }
  }
  return out;
}

// Every network's subnets and bridge: where routing sends a DNATed packet.
export interface BridgeRoute {
  subnet: string;
  bridge: string;
}
export const bridgeRoutes = (networks: Network[] = []): BridgeRoute[] =>
  networks.flatMap((n) => n.IPAM.Config.map((c) => ({ subnet: c.Subnet, bridge: bridgeName(n) })));

const LOOPBACK = (ip: string) => (isV6(ip) ? ip === '::1' : inCidr(ip, '127.0.0.0/8'));
const listensOn = (p: Published, dst: string) => {
  const any = p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::';
  if (any) return p.hostIp === '::' || p.hostIp === '' ? true : !isV6(dst);
  return p.hostIp.replace(/^\[|\]$/g, '') === dst;
};
const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
export const where = (r: FirewallRule) => `${r.table} ${r.chain} #${r.position}`;
// a rule's chain in a sentence: "BERTH" (iptables), "nat-berth in ip berth" (nft)
const chainOf = (r: FirewallRule) => (r.source === 'nftables' ? `${r.chain} in ${r.table}` : r.chain);
const baseWhere = (b: BaseChain) => `${b.table} ${b.chain}`;
export const dropWhere = (f: FilterResult) => (f.hit ? where(f.hit) : `the policy (drop) of ${f.policy ? baseWhere(f.policy) : f.hook}`);
// ", accepted by BERTH and filter-FORWARD in ip berth": the rules that let it through; nothing when only policies did
const acceptedBy = (stages: FilterResult[]) => {
  const by = [...new Set(stages.flatMap((s) => s.accepted.flatMap((a) => (a.rule ? [chainOf(a.rule)] : []))))];
  return by.length ? `, accepted by ${by.join(' and ')}` : '';
};

const sameAddr = (a: string, b: string) => {
  const x = tryParseAddr(a);
  const y = tryParseAddr(b);
  return !!x && !!y && x.v6 === y.v6 && x.n === y.n;
};

// The connections conntrack already tracks to the traced address and port,
// in one line: where each really goes (a reply from the container: DNATed;
// from the address itself: untranslated, e.g. a UDP flow that began before
// its port was published). null when there are none.
export function conntrackLine(r: NatConntrackResult, dst: string, published: Published[]): string | null {
  if (!r.total) return null;
  const groups = new Map<string, number>();
  for (const f of r.flows) {
    const p = published.find((x) => sameAddr(x.containerIp, f.to) && x.containerPort === f.toPort);
    const name = sameAddr(f.to, dst) ? 'this host, untranslated' : p ? `${p.container}:${f.toPort}` : hostPort(f.to, f.toPort);
    groups.set(name, (groups.get(name) ?? 0) + 1);
  }
  // containers first, then the host; each by name
  const host = (name: string) => Number(name.startsWith('this host'));
  const parts = [...groups].sort(([a], [b]) => host(a) - host(b) || a.localeCompare(b)).map(([name, n]) => `${n} to ${name}`).join(', ');
  const shown = r.total > r.flows.length ? ` (of the first ${r.flows.length})` : '';
  return `conntrack already tracks ${r.total} connection${r.total === 1 ? '' : 's'} to this address and port: ${parts}${shown}. Their packets keep the path their first packet took, whatever the rules above say`;
}

// Who a DNAT sends to, by the rule's owner first, its address only within
// that owner: a stale Docker rule to an address a live Berth container also
// has (overlapping subnets) is not that container's. Berth's rule: its
// berth:<endpoint> tag, else the address among Berth's ports on the rule's
// bridge; another engine's: the object its API named, else the bare address.
export function dnatObject(dnat: FirewallRule, ip: string, port: number, published: Published[]): { target: Published | null; name: string } {
  if (dnat.owner !== 'berth') return { target: null, name: dnat.ownerObject?.kind === 'container' ? `${dnat.ownerObject.name}:${port}` : hostPort(ip, port) };
  const tag = berthTag(dnat.comment);
  const bridge = dnat.matches['!i'];
  const target =
    (tag && published.find((p) => p.endpoint === tag && p.containerPort === port)) ||
    published.find((p) => sameAddr(p.containerIp, ip) && p.containerPort === port && (!bridge || !p.bridge || p.bridge === bridge)) ||
    null;
  return { target, name: target ? `${target.container}:${port}` : hostPort(ip, port) };
}

export interface TraceStory {
  // the one line a user acts on
  line: string;
  tone: 'ok' | 'drop' | 'none';
  proxy: Published | null; // carried by the userland proxy
  target: Published | null; // the container the packet reaches (by DNAT or proxy)
  filter: FilterResult | null; // the filter walk that decided: the one that dropped it, else the last (FORWARD after DNAT from outside)
  stages: FilterResult[]; // every filter walk, in the packet's order
  preNat?: boolean; // dropped before NAT: the nat walk's answer never applies
}

// What happens to the packet, end to end, iptables and nftables alike:
// the filter chains before NAT (raw, mangle: Berth drops 127.x arriving
// from outside there), the nat walk (done by the caller), then
// - after DNAT from outside: the FORWARD walk to the container's bridge;
// - after DNAT of a packet sent from this host: filter OUTPUT;
// - untranslated: delivery to this host (OUTPUT over lo for local traffic,
//   then INPUT), where the userland proxy takes a published port (nat OUTPUT
//   leaves 127.0.0.0/8 and ::1 alone, and a port with no DNAT of the
//   packet's family is the proxy's).
// Each walk's drop ends the story; the line says what decided.
export function traceStory(nat: TraceResult, pkt: Packet, published: Published[], rules: FirewallRule[], chains: BaseChain[] = [], routes: BridgeRoute[] = []): TraceStory {
  const cs = chains.length ? chains : builtinChains(rules);
  const none = { proxy: null, target: null };
  const before = traceFilter(rules, cs, pkt, pkt.local ? 'output' : 'prerouting', (b) => b.priority < -100);
  if (before.verdict === 'DROP')
    return { ...none, line: `is dropped by ${dropWhere(before)} before NAT`, tone: 'drop', filter: before, stages: [before], preNat: true };
  if (nat.verdict === 'DROP')
    return { ...none, line: `is dropped by ${nat.hit ? where(nat.hit) : `the policy (drop) of ${nat.chain}`} in NAT`, tone: 'drop', filter: null, stages: [before] };

  // the proxy connects to the container's address of the packet's family where it has one
  const ports = published
    .filter((p) => p.hostPort === pkt.port && p.proto === pkt.proto && listensOn(p, pkt.dst))
    .sort((a, b) => Number(isV6(b.containerIp) === isV6(pkt.dst)) - Number(isV6(a.containerIp) === isV6(pkt.dst)));
  const dnat = nat.hit && nat.verdict === 'DNAT' ? nat.hit : null;
  if (!dnat) {
    // delivered here (REDIRECT too: to another port of this host)
    const redirect = nat.hit && nat.verdict === 'REDIRECT' ? nat.hit : null;
    const port = redirect ? Number(redirect.targetArgs['to-ports'] ?? redirect.targetArgs.port ?? pkt.port) || pkt.port : pkt.port;
    const stages = pkt.local
      ? [traceFilter(rules, cs, { ...pkt, port, outIface: 'lo' }, 'output', (b) => b.priority > -100), traceFilter(rules, cs, { ...pkt, port, local: false, inIface: 'lo' }, 'input')]
      : [traceFilter(rules, cs, { ...pkt, port }, 'prerouting', (b) => b.priority > -100), traceFilter(rules, cs, { ...pkt, port }, 'input')];
    const dropped = stages.find((s) => s.verdict === 'DROP') ?? null;
    const decided = dropped ?? stages[stages.length - 1];
    if (redirect) {
      const what = `is redirected to this host's port ${port} by ${where(redirect)}`;
      return { ...none, line: dropped ? `${what}, then dropped by ${dropWhere(dropped)}` : `${what}${acceptedBy(stages)}`, tone: dropped ? 'drop' : 'ok', filter: decided, stages };
    }
    if (ports.length) {
      const p = ports[0];
      const via = pkt.local && LOOPBACK(pkt.dst) ? 'nat OUTPUT leaves loopback alone' : 'no NAT rule translates it';
      const proxy = `through the userland proxy: the helper listens on ${hostPort(p.hostIp || (isV6(pkt.dst) ? '::' : '0.0.0.0'), p.hostPort)} and connects to ${hostPort(p.containerIp, p.containerPort)} (${via})`;
      if (dropped)
        return { line: `would reach ${p.container}:${p.containerPort} ${proxy}, but is dropped by ${dropWhere(dropped)} first`, tone: 'drop', proxy: p, target: p, filter: dropped, stages };
      return { line: `reaches ${p.container}:${p.containerPort} ${proxy}; the container sees the connection come from its gateway${acceptedBy(stages)}`, tone: 'ok', proxy: p, target: p, filter: decided, stages };
    }
    if (dropped) return { ...none, line: `is not translated, and is dropped by ${dropWhere(dropped)}`, tone: 'drop', filter: dropped, stages };
    return { ...none, line: '', tone: 'none', filter: null, stages };
  }

  const to = dnat.targetArgs['to-destination'] ?? '';
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(to.split('-')[0]);
  const ip = m?.[1] ?? '';
  const port = Number(m?.[2] ?? pkt.port);
  const { target, name } = dnatObject(dnat, ip, port, published);
  const natWhere = `DNAT in ${chainOf(dnat)}`;
  // after DNAT the destination is the container: not local, routed to its
  // bridge (the rule's own `! -i` bridge before any subnet, which may overlap another engine's)
  const bridge = target?.bridge || dnat.matches['!i'] || routes.find((r) => inCidr(ip, r.subnet))?.bridge;
  const after: Packet = { ...pkt, dst: ip, port, dstLocal: false, outIface: bridge || undefined };
  const stages = pkt.local
    ? [traceFilter(rules, cs, after, 'output', (b) => b.priority > -100)]
    : [traceFilter(rules, cs, { ...after, outIface: undefined }, 'prerouting', (b) => b.priority > -100), traceFilter(rules, cs, after, 'forward')];
  const dropped = stages.find((s) => s.verdict === 'DROP') ?? null;
  const filter = dropped ?? stages[stages.length - 1];
  const local = pkt.local ? ' (sent from this host: filter OUTPUT, not FORWARD, decides)' : '';
  if (dropped) return { proxy: null, target, line: `is translated to ${name} by ${natWhere}${local}, then dropped by ${dropWhere(dropped)}`, tone: 'drop', filter, stages };
  const by = acceptedBy(stages);
  return { proxy: null, target, line: `reaches ${name} via ${natWhere}${local}${by || `, accepted: no ${pkt.local ? 'OUTPUT' : 'FORWARD'} rule decides and the policy is accept`}`, tone: 'ok', filter, stages };
}
