import type { FirewallRule } from '../../../../shared/inspect';
import { cidrContains, parseToolPrefix, tryParseAddr } from '../../../../shared/ip';

// "Which rule does a packet to host:port hit?" — a client-side walk of the
// iptables nat table, in kernel order: PREROUTING for a packet arriving from
// outside, OUTPUT for one sent by a process on the host. Jumps into user
// chains are followed (and come back on RETURN); the walk stops at the first
// DNAT, REDIRECT, ACCEPT or DROP, or when the built-in chain ends (policy).
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
  chain: string; // the built-in chain the walk started in
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
  for (const [rawKey, value] of Object.entries(r.matches)) {
    const miss = matchOne(rawKey, value, pkt, assumed);
    if (miss) return miss;
  }
  return matchDstType(r.matches, pkt);
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
    const local = !inCidr(pkt.dst, '0.0.0.0/32') && !inCidr(pkt.dst, '::/128');
    const want = dt.split(',').includes('LOCAL');
    if (want !== local) return `destination is ${local ? '' : 'not '}a local address`;
  }
  if (m['!dst-type'] !== undefined && m['!dst-type'].split(',').includes('LOCAL')) return 'destination is a local address';
  return null;
}

const MAX_DEPTH = 32;

// `table`/`start`: the nat walk by default; the filter walk after DNAT is
// ('filter', 'FORWARD') with the container's address and bridge.
export function tracePacket(rules: FirewallRule[], pkt: Packet, where: { table?: string; start?: string } = {}): TraceResult {
  const family = isV6(pkt.dst) ? 'ipv6' : 'ipv4';
  const table = where.table ?? 'nat';
  const chains = new Map<string, FirewallRule[]>();
  for (const r of rules) {
    if (r.source !== 'iptables' || r.table !== table || r.family !== family) continue;
    const list = chains.get(r.chain);
    if (list) list.push(r);
    else chains.set(r.chain, [r]);
  }
  for (const list of chains.values()) list.sort((a, b) => a.position - b.position);
  const start = where.start ?? (pkt.local ? 'OUTPUT' : 'PREROUTING');
  const steps: TraceStep[] = [];
  let conntrack: FirewallRule | null = null;
  const assumed = new Set<string>();

  // Returns the deciding rule and the jumps to it, or null to go on in the caller.
  const walk = (chain: string, depth: number, path: FirewallRule[]): { rule: FirewallRule; verdict: Verdict; path: FirewallRule[] } | null => {
    if (depth > MAX_DEPTH) return null;
    for (const r of chains.get(chain) ?? []) {
      const miss = matchRule(r, pkt, assumed);
      if (!conntrack && /ESTABLISHED/.test(r.matches.ctstate ?? r.matches.state ?? '') && TERMINAL.has(r.target)) conntrack = r;
      if (miss) {
        steps.push({ rule: r, matched: false, why: miss });
        continue;
      }
      const t = r.target;
      if (TERMINAL.has(t)) {
        const verdict = (t === 'REJECT' ? 'DROP' : t) as Verdict;
        if (t === 'RETURN' && depth > 0) {
          steps.push({ rule: r, matched: true, why: `returns from ${chain}` });
          return null;
        }
        steps.push({ rule: r, matched: true, why: describe(r) });
        return { rule: r, verdict, path };
      }
      // a chain of this table (an empty one has no rules listed, but is one)
      if (chains.has(t) || (!NON_TERMINAL.has(t) && !KNOWN_TARGETS.has(t))) {
        steps.push({ rule: r, matched: true, why: `${r.targetArgs.goto ? 'goes to' : 'jumps to'} ${t}` });
        const sub = walk(t, depth + 1, [...path, r]);
        if (sub) return sub;
        if (r.targetArgs.goto) return null; // -g: a RETURN goes back past this chain
        continue;
      }
      steps.push({ rule: r, matched: true, why: `${t} (goes on)` });
    }
    return null;
  };

  const found = walk(start, 0, []);
  if (!found) return { verdict: 'none', hit: null, steps, path: [], assumed: [...assumed], chain: start, conntrack };
  return { verdict: found.verdict, hit: found.rule, steps, path: found.path, assumed: [...assumed], chain: start, conntrack };
}

const KNOWN_TARGETS = new Set(['SNAT', 'MASQUERADE', 'NETMAP', 'LOG', 'MARK', 'CONNMARK', 'NFLOG', 'TRACE', 'CT', 'AUDIT', 'NOTRACK', 'TPROXY']);

function describe(r: FirewallRule): string {
  switch (r.target) {
    case 'DNAT':
      return `DNAT to ${r.targetArgs['to-destination'] ?? '?'}`;
    case 'REDIRECT':
      return `REDIRECT to local port ${r.targetArgs['to-ports'] ?? '?'}`;
    case 'RETURN':
      return 'RETURN in a built-in chain: its policy applies, no translation';
    default:
      return r.target;
  }
}
