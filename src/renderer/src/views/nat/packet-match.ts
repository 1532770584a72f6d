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

// Does the rule match the packet? Returns null when it does, else why not.
export function matchRule(r: FirewallRule, pkt: Packet, assumed: Set<string>): string | null {
  const m = r.matches;
  for (const [rawKey, value] of Object.entries(m)) {
    const neg = rawKey.startsWith('!');
    const key = neg ? rawKey.slice(1) : rawKey;
    if (IGNORED.has(key)) continue;
    let ok: boolean;
    let what: string;
    switch (key) {
      case 'd':
      case 'destination':
        ok = value.split(',').some((c) => inCidr(pkt.dst, c));
        what = `destination ${neg ? 'not ' : ''}${value}`;
        break;
      case 's':
      case 'source':
        // an unknown sender is "somewhere outside": it is in no listed subnet
        ok = pkt.src ? value.split(',').some((c) => inCidr(pkt.src!, c)) : false;
        what = `source ${neg ? 'not ' : ''}${value}`;
        break;
      case 'p':
      case 'protocol':
        ok = value === 'all' || value === pkt.proto;
        what = `protocol ${neg ? 'not ' : ''}${value}`;
        break;
      case 'dport':
      case 'dports':
      case 'destination-port':
      case 'destination-ports':
        ok = portIn(pkt.port, value);
        what = `port ${neg ? 'not ' : ''}${value}`;
        break;
      case 'i':
      case 'in-interface':
        // a locally sent packet has no input interface; an arriving one comes
        // in on the given interface, or on one that is not a bridge here
        ok = !pkt.local && ifaceIs(pkt.inIface, value);
        what = `in-interface ${neg ? 'not ' : ''}${value}`;
        break;
      case 'o':
      case 'out-interface':
        ok = pkt.outIface ? ifaceIs(pkt.outIface, value) : false; // not known before routing
        what = `out-interface ${neg ? 'not ' : ''}${value}`;
        break;
      case 'ctstate':
      case 'state':
        // the walk follows the first packet of a new connection
        ok = value.split(',').includes('NEW');
        what = `conntrack state ${neg ? 'not ' : ''}${value}`;
        break;
      case 'sport':
      case 'sports':
      case 'source-port':
        assumed.add(`source port ${neg ? 'not ' : ''}${value}`);
        continue;
      default:
        assumed.add(`${neg ? '! ' : ''}--${key} ${value}`.trim());
        continue;
    }
    if (neg) ok = !ok;
    if (!ok) return `${what} does not match`;
  }
  // addrtype: the address the user asks about is one of this host's
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
