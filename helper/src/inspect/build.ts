import type { BaseChain, FirewallRule, HostInspect } from '../../../src/shared/inspect';
import type { HostRaw } from '../kernel/host-raw-types';
import { newSaveState, parseIptablesSave, type Family } from './iptables-parse';
import { writableRule, type RuleMemo } from './rule-memo';
import { dnatTarget } from './nat-decode';
import { parseNftRuleset } from './nft-parse';
import { netnsOwner, ruleOwner, type LinkOwners, type Verdict } from './owner';
import { addrList, buildLinks, nsLabel } from './links';
import { parseSs } from './sockets';
import { tryParseAddr, parseToolPrefix, type Cidr } from '../../../src/shared/ip';
import { PrefixMap } from './prefix-index';

// Fill owner + evidence of iptables rules (nft rules come owned by
// their table). Rules with no other evidence get the owner of the bridge
// whose subnet their address is in (Docker's hairpin MASQUERADE, raw DROPs).
// A rule kept from the reading before (frozen: inspect/rule-memo.ts) whose
// owner comes out otherwise now is replaced in `rules` by a copy that has it.
export function classifyRules(rules: FirewallRule[], links: LinkOwners, bridgeNets: BridgeNet[] = []): FirewallRule[] {
  const nets = new PrefixMap(bridgeNets.map((b) => [b.prefix, b] as [Cidr, BridgeNet]));
  const verdicts = new Array<Verdict | undefined>(rules.length);
  for (let i = 0; i < rules.length; i++) if (rules[i].source === 'iptables') verdicts[i] = ruleVerdict(rules[i], links, nets);
  hairpinVerdicts(rules, verdicts);
  for (let i = 0; i < rules.length; i++) {
    const v = verdicts[i];
    const r = rules[i];
    if (!v || (r.owner === v.owner && r.ownerEvidence === v.evidence)) continue;
    const w = writableRule(rules, i);
    w.owner = v.owner;
    w.ownerEvidence = v.evidence;
  }
  return rules;
}

// One iptables rule's owner by what it says itself; a hairpin MASQUERADE's
// (ownerPending) is decided by ownHairpins over every rule.
export function classifyRule(r: FirewallRule, links: LinkOwners, nets?: PrefixMap<BridgeNet>): void {
  const v = ruleVerdict(r, links, nets);
  r.owner = v.owner;
  r.ownerEvidence = v.evidence;
}

function ruleVerdict(r: FirewallRule, links: LinkOwners, nets?: PrefixMap<BridgeNet>): Verdict {
  let v = ruleOwner(r, links);
  if (v.owner === 'unknown' && nets) {
    for (const key of ['s', 'd']) {
      const ip = r.matches[key] ? tryParseAddr(r.matches[key].split('/')[0]) : null;
      const net = ip && nets.get(ip);
      if (net) {
        v = { owner: net.owner, evidence: `address ${r.matches[key]} in ${net.name}'s subnet` };
        break;
      }
    }
  }
  return v;
}

// Docker's hairpin MASQUERADE (`-s X/32 -d X/32 -p P --dport N -j
// MASQUERADE`, one per published port, no interface, no comment) belongs to
// whoever owns the DNAT that sends traffic to X:N, even when X's bridge is gone.
const pendingAs = (r: FirewallRule, owner: FirewallRule['owner']) =>
  r.source === 'iptables' && owner === 'unknown' && r.table === 'nat' && r.target === 'MASQUERADE' && !!r.matches.dport &&
  !!r.matches.s && r.matches.s === r.matches.d && /\/(32|128)$/.test(r.matches.s);
export const ownerPending = (r: FirewallRule) => pendingAs(r, r.owner);
export function ownHairpins(rules: FirewallRule[]): void {
  const verdicts = new Array<Verdict | undefined>(rules.length);
  hairpinVerdicts(rules, verdicts);
  verdicts.forEach((v, i) => {
    if (!v) return;
    rules[i].owner = v.owner;
    rules[i].ownerEvidence = v.evidence;
  });
}
// the hairpins' verdicts, over the rules' owners as `verdicts` has them (else as the rules have them)
function hairpinVerdicts(rules: FirewallRule[], verdicts: (Verdict | undefined)[]): void {
  const ownerAt = (i: number) => verdicts[i]?.owner ?? rules[i].owner;
  const candidates: number[] = [];
  for (let i = 0; i < rules.length; i++) if (pendingAs(rules[i], ownerAt(i))) candidates.push(i);
  if (!candidates.length) return;
  const dnatOwners = new Map<string, number>();
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const t = r.source === 'iptables' && r.target === 'DNAT' && ownerAt(i) !== 'unknown' ? dnatTarget(r) : null;
    if (t?.port) dnatOwners.set(`${r.family} ${t.ip} ${t.port} ${r.matches.p ?? ''}`, i);
  }
  for (const c of candidates) {
    const r = rules[c];
    const d = dnatOwners.get(`${r.family} ${r.matches.s.replace(/\/\d+$/, '')} ${r.matches.dport} ${r.matches.p ?? ''}`);
    if (d === undefined) continue;
    const dnat = rules[d];
    verdicts[c] = { owner: ownerAt(d), evidence: `hairpin MASQUERADE for the DNAT in chain ${dnat.chain} to ${dnat.mapping?.split(' -> ')[1] ?? r.matches.s}` };
  }
}

export interface BridgeNet {
  name: string;
  owner: FirewallRule['owner'];
  prefix: Cidr;
}
export function bridgeNets(links: HostInspect['links']): BridgeNet[] {
  return links
    .filter((l) => l.kind === 'bridge' && l.owner !== 'unknown' && l.owner !== 'system')
    .flatMap((l) => l.addresses.filter((a) => !a.startsWith('fe80:')).map((a) => ({ name: l.name, owner: l.owner, prefix: parseToolPrefix(a) as Cidr })))
    .filter((b) => b.prefix);
}

export function linkOwnerMap(links: { name: string; owner: FirewallRule['owner']; ownerEvidence: string }[]): LinkOwners {
  return new Map(links.map((l) => [l.name, { owner: l.owner, evidence: l.ownerEvidence }]));
}

// One save's rules and built-in chains, parsed while it was read (inspect/host.ts).
export interface ParsedSave {
  rules: FirewallRule[];
  baseChains: BaseChain[];
}
export type ParsedSaves = Partial<Record<Family, ParsedSave>>;

// `parsed`: saves parsed already (their text in `raw` may be '': not kept, kernel/host-readers.ts);
// a save that was not read (null) has no rules either way.
// `memo`: lines the last reading had are taken from it (inspect/rule-memo.ts).
export function parseRules(raw: Pick<HostRaw, 'iptables' | 'nft'>, parsed: ParsedSaves = {}, memo?: RuleMemo) {
  const baseChains: BaseChain[] = [];
  const save = (family: Family): FirewallRule[] => {
    const text = raw.iptables[family];
    const done = parsed[family];
    if (text === null) return [];
    if (!done) return parseIptablesSave(text, family, baseChains, newSaveState(memo));
    for (const c of done.baseChains) baseChains.push(c);
    return done.rules;
  };
  const rules = [...save('ipv4'), ...save('ipv6')];
  const nft = raw.nft ? parseNftRuleset(raw.nft) : { tables: [], rules: [], baseChains: [] };
  baseChains.push(...nft.baseChains);
  // iptables-nft's tables are listed without their rules (see kernel/nft.ts): count them from iptables-save
  const counts = tableCounts(rules);
  for (const t of nft.tables) if (t.owner === 'system' && t.rules === 0) t.rules = counts.get(`${t.family} ${t.name}`) ?? 0;
  return { rules: [...rules, ...nft.rules], nftTables: nft.tables, baseChains };
}

// Rules per `ip|ip6 table`. A table's rules come together: a run is counted where it ends,
// not per rule. A function of its own, the loop all it does: V8 compiles it once, while
// parseRules, run once per reading, had its loop compiled mid-run and thrown away after it
// (code past the loop it had no feedback for) in every reading.
function tableCounts(rules: FirewallRule[]): Map<string, number> {
  const counts = new Map<string, number>();
  let from = 0;
  for (let i = 1; i <= rules.length; i++) {
    if (i < rules.length && rules[i].table === rules[from].table && rules[i].family === rules[from].family) continue;
    const r = rules[from];
    const k = `${r.family === 'ipv6' ? 'ip6' : 'ip'} ${r.table}`;
    counts.set(k, (counts.get(k) ?? 0) + i - from);
    from = i;
  }
  return counts;
}

// The raw reading of the host → the contract's HostInspect: links with peers
// and owners, namespaces with their processes, sockets, classified rules.
export function buildHostInspect(raw: HostRaw, parsed: ParsedSaves = {}, memo?: RuleMemo): HostInspect {
  const pidsByNs = new Map<number, HostRaw['processes']>();
  for (const p of raw.processes) {
    const list = pidsByNs.get(p.inode) ?? [];
    list.push(p);
    pidsByNs.set(p.inode, list);
  }
  const netnsOwners = new Map<string, Verdict>();
  const netns = raw.netns.map((ns) => {
    const procs = pidsByNs.get(ns.inode) ?? [];
    const v = netnsOwner(ns.name, ns.path, procs.find((p) => p.cgroup)?.cgroup ?? null);
    netnsOwners.set(nsLabel(ns), v);
    return {
      name: ns.name,
      path: ns.path,
      inode: ns.inode,
      pids: procs.map((p) => p.pid),
      processes: procs.map((p) => ({ pid: p.pid, comm: p.comm })),
      links: ns.links.map((l) => ({ name: l.ifname, addresses: addrList(l) })),
      owner: v.owner,
      ownerEvidence: v.evidence,
    };
  });
  const links = buildLinks(raw, netnsOwners);
  const { rules, nftTables } = parseRules(raw, parsed, memo);
  classifyRules(rules, linkOwnerMap(links), bridgeNets(links));
  return {
    takenAt: raw.takenAt,
    links,
    // local/broadcast/multicast entries are the kernel's bookkeeping, not routes a user reads
    routes: raw.routes.filter((r) => !r.type || r.type === 'unicast').map((r) => ({
      dst: r.table && r.table !== 'main' ? `${r.dst} table ${r.table}` : r.dst,
      gateway: r.gateway ?? null,
      dev: r.dev ?? null,
      scope: r.scope ?? null,
      protocol: r.protocol ?? null,
    })),
    netns,
    sockets: raw.ss ? parseSs(raw.ss) : [],
    rules,
    nftTables,
    errors: raw.errors,
  };
}
