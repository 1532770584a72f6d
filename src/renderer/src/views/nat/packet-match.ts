import type { BaseChain, FirewallRule } from '../../../../shared/inspect';
import { cidrContains, parseToolPrefix, tryParseAddr } from '../../../../shared/ip';

// "Which rule does a packet to host:port hit?" — a client-side walk of the
// host's rules in kernel order, iptables and nftables alike: every base
// chain on a hook (iptables' built-in chains, nft base chains of every
// table) runs in priority order. The nat walk (PREROUTING for a packet
// arriving from outside, OUTPUT for one sent by a process on the host) stops
// at the first DNAT, REDIRECT or DROP; an ACCEPT or the end of a nat chain
// hands the packet to the next nat chain. The filter walk (traceFilter):
// an accept ends only its own base chain, a drop ends the packet. Jumps
// into user chains are followed (and come back on RETURN). docs/tracer.md.
// The walk follows the first packet of a new connection (ctstate NEW; a
// conntrack ESTABLISHED short-cut is named in the result). Matches it cannot
// know (marks, …) are assumed to hold and
// are named in the result, so the answer says what it took for granted.

export type Proto = 'tcp' | 'udp' | 'sctp';

export interface Packet {
  dst: string; // the host address the packet is sent to
  port: number;
  proto: Proto;
  local: boolean; // sent from the host itself (OUTPUT) rather than arriving (PREROUTING)
  inIface?: string; // the interface it arrives on; unknown = "some external interface"
  src?: string; // the sender; unknown = "some address outside every subnet"
  outIface?: string; // where routing sends it (known after DNAT: the container's bridge); unknown = no match on -o
  dstLocal?: boolean; // the destination is one of this host's addresses (default: yes, the user asks about one)
}

export interface TraceStep {
  rule: FirewallRule;
  matched: boolean;
  why: string; // for a miss: the first match that failed; for a hit: what it does
}

export type Verdict = 'DNAT' | 'REDIRECT' | 'ACCEPT' | 'DROP' | 'RETURN' | 'none';

export interface TraceResult {
  verdict: Verdict; // RETURN: a RETURN in the built-in chain (its policy applies); none: fell off the end
  hit: FirewallRule | null; // the rule that decided, or null
  steps: TraceStep[]; // every rule looked at, in order
  path: FirewallRule[]; // the jumps taken to reach the hit
  assumed: string[]; // matches taken as true
  chain: string; // the base chain that decided (else the first walked), as chainLabel names it
  base: BaseChain | null; // that base chain
  // a conntrack match the walk met: a packet of an established connection
  // is decided there (the first packet of a new one goes on)
  conntrack: FirewallRule | null;
}

const TERMINAL = new Set(['DNAT', 'REDIRECT', 'ACCEPT', 'DROP', 'REJECT', 'RETURN']);
// Targets that do not end the walk and are not chains.
const NON_TERMINAL = new Set(['LOG', 'MARK', 'CONNMARK', 'NFLOG', 'TRACE', 'CT', 'AUDIT', 'NOTRACK', '']);
// Match keys that do not test the packet, or that the walk handles itself.
const IGNORED = new Set(['m', 'match', 'comment', 'dst-type', 'limit-iface-in', 'limit-iface-out']);

export const isV6 = (ip: string) => ip.includes(':');

const addr = (ip: string) => tryParseAddr(ip.replace(/^\[|\]$/g, ''));
export const isIp = (ip: string) => addr(ip) !== null;

// Is `ip` inside `cidr` (a bare address means /32 or /128)?
export function inCidr(ip: string, cidr: string): boolean {
  const a = addr(ip);
  const c = parseToolPrefix(cidr);
  return !!a && !!c && cidrContains(c, a);
}

// "80", "8000:8010", "80,443,1000:2000" (multiport)
export function portIn(port: number, spec: string): boolean {
  return spec.split(',').some((part) => {
    const [a, b] = part.split(':');
    const lo = Number(a);
    const hi = b === undefined ? lo : b === '' ? 65535 : Number(b);
    return port >= (a === '' ? 0 : lo) && port <= hi;
  });
}

// iptables interface names: a trailing '+' is a prefix wildcard.
const ifaceIs = (name: string | undefined, pattern: string) =>
  name !== undefined && (pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);

// One test per iptables match key: does the packet pass it, and the words
// that name it when it does not.
interface MatchTest {
  name: string;
  test: (value: string, pkt: Packet) => boolean;
}
const inAny = (ip: string | undefined, cidrs: string) => (ip ? cidrs.split(',').some((c) => inCidr(ip, c)) : false);
const destination: MatchTest = { name: 'destination', test: (v, pkt) => inAny(pkt.dst, v) };
// an unknown sender is "somewhere outside": it is in no listed subnet
const source: MatchTest = { name: 'source', test: (v, pkt) => inAny(pkt.src, v) };
const protocol: MatchTest = { name: 'protocol', test: (v, pkt) => v === 'all' || v === pkt.proto };
const port: MatchTest = { name: 'port', test: (v, pkt) => portIn(pkt.port, v) };
// a locally sent packet has no input interface; an arriving one comes in on
// the given interface, or on one that is not a bridge here
const inIface: MatchTest = { name: 'in-interface', test: (v, pkt) => !pkt.local && ifaceIs(pkt.inIface, v) };
// the output interface is not known before routing
const outIface: MatchTest = { name: 'out-interface', test: (v, pkt) => (pkt.outIface ? ifaceIs(pkt.outIface, v) : false) };
// the walk follows the first packet of a new connection
const ctState: MatchTest = { name: 'conntrack state', test: (v) => v.split(',').includes('NEW') };

const TESTS = new Map<string, MatchTest>([
  ['d', destination], ['destination', destination],
  ['s', source], ['source', source],
  ['p', protocol], ['protocol', protocol],
  ['dport', port], ['dports', port], ['destination-port', port], ['destination-ports', port],
  ['i', inIface], ['in-interface', inIface],
  ['o', outIface], ['out-interface', outIface],
  ['ctstate', ctState], ['state', ctState],
]);
// The sender's port: the question does not say it, so it is assumed.
const SOURCE_PORT = new Set(['sport', 'sports', 'source-port']);

// Does the rule match the packet? Returns null when it does, else why not.
export function matchRule(r: FirewallRule, pkt: Packet, assumed: Set<string>): string | null {
  if (r.source === 'nftables') return matchNft(r, pkt, assumed);
  for (const [rawKey, value] of Object.entries(r.matches)) {
    const miss = matchOne(rawKey, value, pkt, assumed);
    if (miss) return miss;
  }
  return matchDstType(r.matches, pkt);
}

// nft matches as nft-parse.ts reads them: the operand ("ip daddr",
// "iifname", "tcp dport", "ct state", "fib daddr type") → the value as nft
// prints it, "!= " before a negated one; a set is "{ a, b }".
function matchNft(r: FirewallRule, pkt: Packet, assumed: Set<string>): string | null {
  for (const [key, raw] of Object.entries(r.matches)) {
    const m = /^(!=|<=|>=|<|>) (.*)$/.exec(raw);
    const op = m ? m[1] : '==';
    const value = m ? m[2] : raw;
    const test = NFT_TESTS(key, pkt);
    if (!test || (op !== '==' && op !== '!=')) {
      assumed.add(`${key} ${raw}`);
      continue;
    }
    if (typeof test === 'string') return test; // the match says the packet is of the other family or protocol
    const items = /^\{ (.*) \}$/.exec(value)?.[1].split(', ') ?? [value];
    const hit = items.some((v) => test(v.replace(/^"|"$/g, '')));
    if (hit !== (op === '==')) return `${key} ${raw} does not match`;
  }
  return null;
}

const nftIface = (name: string | undefined, pattern: string) =>
  name !== undefined && (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);
const PROTO_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '132': 'sctp' };
const nftAddr = (ip: string | undefined, v: string) => {
  if (!ip) return false;
  const range = v.split('-');
  if (range.length === 2 && isIp(range[0])) {
    const [a, lo, hi] = [addr(ip), addr(range[0]), addr(range[1])];
    return !!a && !!lo && !!hi && a.v6 === lo.v6 && a.n >= lo.n && a.n <= hi.n;
  }
  return inCidr(ip, v);
};

// A test per value of one nft operand; a string when the match alone rules
// the packet out (`ip daddr` of a v6 packet in an inet table); null when the
// walk cannot know it (taken as true, and named).
function NFT_TESTS(key: string, pkt: Packet): ((v: string) => boolean) | string | null {
  const v6 = isV6(pkt.dst);
  const [l3, field] = key.split(' ');
  if ((l3 === 'ip' || l3 === 'ip6') && (field === 'daddr' || field === 'saddr' || field === 'protocol' || field === 'nexthdr')) {
    if ((l3 === 'ip6') !== v6) return `${key}: not an ${v6 ? 'IPv4' : 'IPv6'} packet`;
    if (field === 'daddr') return (v) => nftAddr(pkt.dst, v);
    if (field === 'saddr') return (v) => nftAddr(pkt.src, v);
    return (v) => (PROTO_NUMBERS[v] ?? v) === pkt.proto;
  }
  if (field === 'dport' && (l3 === 'tcp' || l3 === 'udp' || l3 === 'sctp')) {
    if (l3 !== pkt.proto) return `${key}: not a ${l3} packet`;
    return (v) => portIn(pkt.port, v.replace('-', ':'));
  }
  switch (key) {
    case 'th dport':
      return (v) => portIn(pkt.port, v.replace('-', ':'));
    case 'meta l4proto':
      return (v) => (PROTO_NUMBERS[v] ?? v) === pkt.proto;
    case 'meta nfproto':
      return (v) => v === (v6 ? 'ipv6' : 'ipv4');
    case 'iifname':
    case 'meta iif':
      return (v) => !pkt.local && nftIface(pkt.inIface, v);
    case 'oifname':
    case 'meta oif':
      return (v) => nftIface(pkt.outIface, v);
    case 'ct state':
      return (v) => v.split(',').includes('new');
    case 'fib daddr type':
      return (v) => v === 'local' && pkt.dstLocal !== false;
    default:
      return null;
  }
}

// One match of a rule ("!d" is -d negated): null when the packet passes it.
// A match the walk cannot know is added to `assumed` and passes.
function matchOne(rawKey: string, value: string, pkt: Packet, assumed: Set<string>): string | null {
  const neg = rawKey.startsWith('!');
  const key = neg ? rawKey.slice(1) : rawKey;
  if (IGNORED.has(key)) return null;
  const not = neg ? 'not ' : '';
  const t = TESTS.get(key);
  if (!t) {
    assumed.add(SOURCE_PORT.has(key) ? `source port ${not}${value}` : `${neg ? '! ' : ''}--${key} ${value}`.trim());
    return null;
  }
  return t.test(value, pkt) !== neg ? null : `${t.name} ${not}${value} does not match`;
}

// addrtype: the address the user asks about is one of this host's
function matchDstType(m: FirewallRule['matches'], pkt: Packet): string | null {
  const dt = m['dst-type'];
  if (dt !== undefined) {
    const local = pkt.dstLocal !== false && !inCidr(pkt.dst, '0.0.0.0/32') && !inCidr(pkt.dst, '::/128');
    const want = dt.split(',').includes('LOCAL');
    if (want !== local) return `destination is ${local ? '' : 'not '}a local address`;
  }
  if (m['!dst-type'] !== undefined && m['!dst-type'].split(',').includes('LOCAL')) return 'destination is a local address';
  return null;
}

const MAX_DEPTH = 32;

// The rules of one family, by chain: "source|table|chain" → rules in order.
// An nft table of the inet family holds rules of both.
type Chains = Map<string, FirewallRule[]>;
const chainKey = (source: string, table: string, chain: string) => `${source}|${table}|${chain}`;
const familyOf = (pkt: Packet) => (isV6(pkt.dst) ? 'ipv6' : 'ipv4');
const nftFamily = (table: string) => table.split(' ')[0];
const ofFamily = (source: string, table: string, ruleFamily: string, fam: string) =>
  source === 'iptables' ? ruleFamily === fam : nftFamily(table) === 'inet' || nftFamily(table) === (fam === 'ipv6' ? 'ip6' : 'ip');

function indexRules(rules: FirewallRule[], fam: string): Chains {
  const chains: Chains = new Map();
  for (const r of rules) {
    if (!ofFamily(r.source, r.table, r.family, fam)) continue;
    const k = chainKey(r.source, r.table, r.chain);
    const list = chains.get(k);
    if (list) list.push(r);
    else chains.set(k, [r]);
  }
  for (const list of chains.values()) list.sort((a, b) => a.position - b.position);
  return chains;
}

// How the result names a base chain: "PREROUTING" for iptables (the table
// says itself in a rule's "nat PREROUTING #1"), "nat-PREROUTING (ip berth)".
export const chainLabel = (b: Pick<BaseChain, 'source' | 'table' | 'chain'>) =>
  b.source === 'nftables' ? `${b.chain} (${b.table})` : b.chain;

// The base chains a reading from an older helper did not list: the iptables
// built-in chains its rules name (policy unknown: accept).
const HOOKS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const PRIORITY: Record<string, number> = { raw: -300, mangle: -150, filter: 0, security: 50 };
export function builtinChains(rules: FirewallRule[]): BaseChain[] {
  const out = new Map<string, BaseChain>();
  for (const r of rules) {
    if (r.source !== 'iptables' || !HOOKS.has(r.chain)) continue;
    const nat = r.table === 'nat';
    const priority = nat ? (r.chain === 'PREROUTING' || r.chain === 'OUTPUT' ? -100 : 100) : PRIORITY[r.table];
    if (priority === undefined) continue;
    out.set(`${r.family} ${r.table} ${r.chain}`, { source: 'iptables', family: r.family, table: r.table, chain: r.chain, type: nat ? 'nat' : 'filter', hook: r.chain.toLowerCase(), priority, policy: 'accept' });
  }
  return [...out.values()];
}

// The base chains on `hook` for the packet's family, in the order netfilter
// runs them (priority; equal ones as listed).
export function chainsOn(chains: BaseChain[], pkt: Packet, hook: string, type: 'nat' | 'filter', keep: (b: BaseChain) => boolean = () => true): BaseChain[] {
  const fam = familyOf(pkt);
  return chains
    .filter((b) => b.hook === hook && (b.family === fam || b.family === 'inet') && (b.type === 'nat') === (type === 'nat') && keep(b))
    .sort((a, b) => a.priority - b.priority);
}

interface Walked {
  rule: FirewallRule;
  verdict: Verdict;
  path: FirewallRule[];
}

// One base chain, with the jumps it takes: the deciding rule, or null when
// the chain ends (or RETURNs) and its policy applies.
function walkBase(index: Chains, b: BaseChain, pkt: Packet, acc: { steps: TraceStep[]; assumed: Set<string>; conntrack: FirewallRule | null }): Walked | null {
  const walk = (chain: string, depth: number, path: FirewallRule[]): Walked | null => {
    if (depth > MAX_DEPTH) return null;
    for (const r of index.get(chainKey(b.source, b.table, chain)) ?? []) {
      const miss = matchRule(r, pkt, acc.assumed);
      if (!acc.conntrack && /ESTABLISHED/i.test(r.matches.ctstate ?? r.matches.state ?? r.matches['ct state'] ?? '') && TERMINAL.has(r.target)) acc.conntrack = r;
      if (miss) {
        acc.steps.push({ rule: r, matched: false, why: miss });
        continue;
      }
      const t = r.target;
      if (TERMINAL.has(t)) {
        const verdict = (t === 'REJECT' ? 'DROP' : t) as Verdict;
        if (t === 'RETURN' && depth > 0) {
          acc.steps.push({ rule: r, matched: true, why: `returns from ${chain}` });
          return null;
        }
        acc.steps.push({ rule: r, matched: true, why: describe(r) });
        return { rule: r, verdict, path };
      }
      // a chain of this table (an empty one has no rules listed, but is one)
      if (index.has(chainKey(b.source, b.table, t)) || (!NON_TERMINAL.has(t) && !KNOWN_TARGETS.has(t))) {
        acc.steps.push({ rule: r, matched: true, why: `${r.targetArgs.goto ? 'goes to' : 'jumps to'} ${t}` });
        const sub = walk(t, depth + 1, [...path, r]);
        if (sub) return sub;
        if (r.targetArgs.goto) return null; // -g: a RETURN goes back past this chain
        continue;
      }
      acc.steps.push({ rule: r, matched: true, why: `${t} (goes on)` });
    }
    return null;
  };
  return walk(b.chain, 0, []);
}

// The nat walk: every nat base chain on the packet's hook (PREROUTING from
// outside, OUTPUT from this host), in priority order, until one translates
// or drops it. `chains` empty: the iptables built-in chains of `rules`.
export function tracePacket(rules: FirewallRule[], pkt: Packet, chains: BaseChain[] = []): TraceResult {
  const index = indexRules(rules, familyOf(pkt));
  const bases = chainsOn(chains.length ? chains : builtinChains(rules), pkt, pkt.local ? 'output' : 'prerouting', 'nat');
  const acc = { steps: [] as TraceStep[], assumed: new Set<string>(), conntrack: null as FirewallRule | null };
  let kept: { found: Walked; base: BaseChain } | null = null; // an ACCEPT or RETURN: untranslated unless a later chain translates
  for (const b of bases) {
    const found = walkBase(index, b, pkt, acc);
    if (found && found.verdict !== 'ACCEPT' && found.verdict !== 'RETURN')
      return { verdict: found.verdict, hit: found.rule, steps: acc.steps, path: found.path, assumed: [...acc.assumed], chain: chainLabel(b), base: b, conntrack: acc.conntrack };
    if (found && !kept) kept = { found, base: b };
    if (!found && b.policy === 'drop')
      return { verdict: 'DROP', hit: null, steps: acc.steps, path: [], assumed: [...acc.assumed], chain: chainLabel(b), base: b, conntrack: acc.conntrack };
  }
  if (kept)
    return { verdict: kept.found.verdict, hit: kept.found.rule, steps: acc.steps, path: kept.found.path, assumed: [...acc.assumed], chain: chainLabel(kept.base), base: kept.base, conntrack: acc.conntrack };
  const first = bases[0] ?? null;
  return { verdict: 'none', hit: null, steps: acc.steps, path: [], assumed: [...acc.assumed], chain: bases.length ? bases.map(chainLabel).join(', ') : pkt.local ? 'OUTPUT' : 'PREROUTING', base: first, conntrack: acc.conntrack };
}

export interface FilterResult {
  hook: string;
  verdict: 'ACCEPT' | 'DROP';
  hit: FirewallRule | null; // the rule that dropped it, or the last that accepted it
  policy: BaseChain | null; // the base chain whose policy dropped it (hit is null then)
  accepted: { base: BaseChain; rule: FirewallRule | null }[]; // per base chain walked: the accept (null: its policy accept)
  path: FirewallRule[]; // the jumps to `hit`
  steps: TraceStep[];
  assumed: string[];
  conntrack: FirewallRule | null;
}

// The filter walk of one hook: every non-nat base chain on it (iptables'
// filter, mangle, raw, security chains; nft filter and route chains of every
// table), in priority order. An accept (or the chain's end under policy
// accept) hands the packet to the next chain; a drop or reject, or a policy
// drop, ends it.
export function traceFilter(rules: FirewallRule[], chains: BaseChain[], pkt: Packet, hook: string, keep?: (b: BaseChain) => boolean): FilterResult {
  const index = indexRules(rules, familyOf(pkt));
  const bases = chainsOn(chains.length ? chains : builtinChains(rules), pkt, hook, 'filter', keep);
  const acc = { steps: [] as TraceStep[], assumed: new Set<string>(), conntrack: null as FirewallRule | null };
  const accepted: FilterResult['accepted'] = [];
  const done = (r: Partial<FilterResult>): FilterResult => ({
    hook, verdict: 'ACCEPT', hit: null, policy: null, accepted, path: [], steps: acc.steps, assumed: [...acc.assumed], conntrack: acc.conntrack, ...r,
  });
  let last: Walked | null = null;
  for (const b of bases) {
    const found = walkBase(index, b, pkt, acc);
    if (found?.verdict === 'DROP') return done({ verdict: 'DROP', hit: found.rule, path: found.path });
    if (found?.verdict === 'ACCEPT') {
      accepted.push({ base: b, rule: found.rule });
      last = found;
      continue;
    }
    // the end of the chain, a RETURN from it, or a NAT target (not in a filter chain): its policy
    if (b.policy === 'drop') return done({ verdict: 'DROP', policy: b });
    accepted.push({ base: b, rule: null });
  }
  return done({ hit: last?.rule ?? null, path: last?.path ?? [] });
}

const KNOWN_TARGETS = new Set(['SNAT', 'MASQUERADE', 'NETMAP', 'LOG', 'MARK', 'CONNMARK', 'NFLOG', 'TRACE', 'CT', 'AUDIT', 'NOTRACK', 'TPROXY', 'QUEUE']);

function describe(r: FirewallRule): string {
  switch (r.target) {
    case 'DNAT':
      return `DNAT to ${r.targetArgs['to-destination'] ?? '?'}`;
    case 'REDIRECT':
      return `REDIRECT to local port ${r.targetArgs['to-ports'] ?? r.targetArgs.port ?? '?'}`;
    case 'RETURN':
      return 'RETURN in a base chain: the chain ends, its policy applies';
    default:
      return r.target;
  }
}
