import type { FirewallRule, HostInspect, Owner } from '../../../src/shared/inspect';
import { JUMP_OWNER, OWN_CHAINS } from '../firewall/chains';
import { cidrContains, tryParseAddr, parseToolPrefix, type Cidr } from '../../../src/shared/ip';
import { dnatTarget } from '../inspect/nat-decode';
import type { ConntrackEntry } from '../kernel/conntrack-parse';
import { knownIds, networkSubnets, type BerthOwned } from './berth-owned';
import { berthTag, isHostPrefix } from './find-rules';
import type { Liveness } from './liveness';
import { findingId, make, ruleEvidence, type Planned } from './planned';

type Mapping = BerthOwned['ports'][number];

const anyAddr = (ip: string) => ip === '' || ip === '0.0.0.0' || ip === '::';
const canon = (ip: string) => (ip === '' ? '0.0.0.0' : ip);
const hostPortText = (ip: string, port: number | string, proto: string) =>
  `${ip.includes(':') ? `[${ip}]` : ip}:${port}/${proto}`;
// a mapping on 0.0.0.0 serves every address of its family
const servesHost = (m: Mapping, ip: string) => canon(m.hostIp) === canon(ip) || (anyAddr(m.hostIp) && m.hostIp.includes(':') === ip.includes(':'));

// `--dport` as iptables-save writes it: "80", "8000:8010"; anything else
// (multiport lists) is taken as matching, so nothing is flagged on a guess.
function dportMatches(spec: string | undefined, port: number): boolean {
  if (!spec) return true;
  const range = /^(\d+):(\d+)$/.exec(spec);
  if (range) return port >= Number(range[1]) && port <= Number(range[2]);
  return /^\d+$/.test(spec) ? Number(spec) === port : true;
}

// Host ports Berth holds with no mapping in the store behind them: an
// allocator entry or bound socket the service kept, or a port rule in
// Berth's own chains, tagged for a known endpoint, that no mapping renders.
// Only the engine can release these (it owns the sockets and rewrites its
// chains from the store), so they carry no command.
export function findOrphanPorts(host: HostInspect, berth: BerthOwned): Planned[] {
  const out: Planned[] = [];
  const mapped = new Set(berth.ports.map((m) => `${canon(m.hostIp)}|${m.hostPort}|${m.proto}`));
  const knows = knownIds(berth);
  for (const h of berth.heldPorts) {
    if (mapped.has(`${canon(h.hostIp)}|${h.hostPort}|${h.proto}`)) continue;
    const where = hostPortText(h.hostIp, h.hostPort, h.proto);
    const what = h.bound ? 'a socket the helper has bound' : 'an allocator entry';
    const sock = host.sockets.find((s) => s.port === h.hostPort && s.proto.startsWith(h.proto) && (s.address === h.hostIp || anyAddr(s.address)));
    const ev = [`host port ${where} held by Berth (${what}) for ${h.owner.slice(0, 12)}`];
    if (sock) ev.push(`listening: ${sock.proto} ${sock.address}:${sock.port}${sock.pid ? ` pid ${sock.pid} (${sock.process})` : ''}`);
    out.push(make('orphan-port-binding', 'berth', `host port ${where} is held by Berth (${what}) but no mapping in the store has it`, ev, [],
      { type: 'port', hostIp: canon(h.hostIp), hostPort: h.hostPort, proto: h.proto }));
  }
  for (let i = 0; i < host.rules.length; i++) {
    const r = host.rules[i]; // by index: no iterator result per rule (find-rules.ts)
    if (r.source !== 'iptables' || (r.table !== 'nat' && r.table !== 'filter')) continue;
    if (!OWN_CHAINS[r.table].includes(r.chain)) continue;
    const tag = berthTag(r.comment);
    // unknown tags are orphan-berth-rule; jumps are not port rules
    if (tag === undefined || tag === JUMP_OWNER || !knows(tag)) continue;
    const proto = r.matches.p;
    const dport = r.matches.dport;
    if (!proto || !dport || !/^\d+$/.test(dport)) continue;
    const ev = [ruleEvidence(r), `owner evidence: ${r.ownerEvidence}`];
    const orphan = (reason: string, hostIp: string, hostPort: number | null) =>
      out.push(make('orphan-port-binding', 'berth', reason, ev, [], { type: 'port', hostIp, hostPort, proto }));
    if (r.table === 'nat' && r.target === 'DNAT') {
      const t = dnatTarget(r);
      const hostIp = r.matches.d?.split('/')[0] ?? (r.family === 'ipv6' ? '::' : '0.0.0.0');
      const live = berth.ports.some(
        (m) => m.proto === proto && m.hostPort === Number(dport) && servesHost(m, hostIp) && t !== null && m.containerIp === t.ip && (t.port === null || String(m.containerPort) === t.port),
      );
      if (!live) orphan(`Berth DNAT for host port ${hostPortText(hostIp, dport, proto)}, which no mapping in the store has`, hostIp, Number(dport));
    } else if (r.table === 'filter' && r.target === 'ACCEPT' && isHostPrefix(r.matches.d)) {
      const ip = r.matches.d!.split('/')[0];
      const live = berth.ports.some((m) => m.proto === proto && m.containerIp === ip && String(m.containerPort) === dport);
      if (!live) orphan(`Berth ACCEPT for ${hostPortText(ip, dport, proto)}, a container port no mapping in the store publishes`, r.family === 'ipv6' ? '::' : '0.0.0.0', null);
    }
  }
  return out;
}

// Conntrack entries that keep steering packets along a mapping that is
// gone: flows DNAT'd (the reply comes from another address or port than the
// original destination) to a container address no live namespace holds, or
// to a live Berth container on a host port no mapping and no DNAT rule still
// publishes. Entries of a live mapping are never flagged; foreign ones only
// when their container address is dead on that engine's bridge.
export function findStaleConntrack(host: HostInspect, berth: BerthOwned, entries: ConntrackEntry[], live: Liveness): Planned[] {
  const berthNets = networkSubnets(berth).map((s) => parseToolPrefix(s)).filter((p): p is Cidr => !!p);
  const berthBridges = new Set(berth.networks.map((n) => n.bridge));
  const foreignNets = host.links
    .filter((l) => l.kind === 'bridge' && l.owner !== 'berth' && l.owner !== 'system' && !berthBridges.has(l.name))
    .flatMap((l) => l.addresses.map((a) => ({ owner: l.owner, name: l.name, prefix: parseToolPrefix(a) })))
    .filter((b): b is { owner: Owner; name: string; prefix: Cidr } => !!b.prefix && b.prefix.len > 0 && !b.prefix.v6);
  // the DNATs by the container address they send to, decoded once, at the first flow that asks
  // (most readings have none): each flow asks only those of its own address
  let dnatsTo: Map<string, Dnat[]> | null = null;
  const dnatsOf = (ip: string) => (dnatsTo ??= dnatsByAddress(host.rules)).get(ip) ?? [];
  const groups = new Map<string, { owner: Owner; reason: string; entries: ConntrackEntry[] }>();

  // both families: Berth's IPv6 ports DNAT too (docs/ipv6.md)
  for (const e of entries) {
    if (e.family !== 'ipv4' && e.family !== 'ipv6') continue;
    const natted = e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport;
    if (!natted) continue;
    const ip = e.reply.src;
    const addr = tryParseAddr(ip);
    if (!addr) continue;
    const liveMapping = berth.ports.some(
      (m) => m.proto === e.proto && m.hostPort === e.orig.dport && m.containerIp === ip && m.containerPort === e.reply.sport && servesHost(m, e.orig.dst),
    );
    if (liveMapping) continue;
    let owner: Owner;
    let reason: string;
    if (berthNets.some((p) => cidrContains(p, addr))) {
      owner = 'berth';
      const dead = live.addressGone(ip, owner) !== null;
      if (dead) reason = `conntrack entries to ${ip}, a container address no live namespace holds`;
      else if (!dnatsOf(ip).some((d) => ruleStillMaps(d.r, d.t, e))) reason = `conntrack entries of host port ${e.orig.dport}/${e.proto}, which is no longer published to ${ip}:${e.reply.sport}`;
      else continue;
    } else {
      const net = foreignNets.find((b) => cidrContains(b.prefix, addr));
      if (!net || live.addressGone(ip, net.owner) === null) continue;
      owner = net.owner;
      reason = `conntrack entries to ${ip} on ${net.name}, an address no live namespace holds`;
    }
    const key = `conntrack ${e.family === 'ipv6' ? 'ipv6 ' : ''}${e.proto} host port ${e.orig.dport} -> ${ip}:${e.reply.sport}`;
    const g = groups.get(key) ?? { owner, reason, entries: [] };
    g.entries.push(e);
    groups.set(key, g);
  }

  return [...groups].map(([key, g]) => {
    const first = g.entries[0];
    // one exact delete per host address the flows were sent to: the filter
    // names both sides of the translation, so no untranslated flow matches
    const argv = [...new Set(g.entries.map((e) => e.orig.dst))].map((dst) => [
      'conntrack', '-D', '-f', first.family, '-p', first.proto, '--orig-dst', dst, '--orig-port-dst', String(first.orig.dport),
      '--reply-src', first.reply.src, '--reply-port-src', String(first.reply.sport),
    ]);
    const n = g.entries.length;
    const ev = [key, `${n} ${n === 1 ? 'entry' : 'entries'}, e.g. ${first.text}`];
    // entries come and go between plan and apply: the id is the flow group's, not the count's
    return { ...make('stale-conntrack', g.owner, g.reason, ev, argv, { type: 'conntrack', argv }), id: findingId('stale-conntrack', [key]) };
  });
}

type Dnat = { r: FirewallRule; t: { ip: string; port: string | null } };
function dnatsByAddress(rules: FirewallRule[]): Map<string, Dnat[]> {
  const to = new Map<string, Dnat[]>();
  for (const r of rules) {
    if (r.source !== 'iptables' || r.table !== 'nat') continue;
    const t = dnatTarget(r);
    if (!t) continue;
    let list = to.get(t.ip);
    if (!list) to.set(t.ip, (list = []));
    list.push({ r, t });
  }
  return to;
}

// A DNAT rule that still sends this flow's host port to its container address.
function ruleStillMaps(r: FirewallRule, t: Dnat['t'], e: ConntrackEntry): boolean {
  if (t.ip !== e.reply.src || (t.port !== null && t.port !== String(e.reply.sport))) return false;
  if (r.matches.p && r.matches.p !== e.proto) return false;
  return dportMatches(r.matches.dport ?? r.matches.dports, e.orig.dport);
}
