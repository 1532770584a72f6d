import type { FirewallRule } from '../../../src/shared/inspect';
import { dnatTarget } from '../inspect/nat-decode';
import { BERTH_COMMENT_RE } from '../inspect/owner';
import { endpointAddrs, knownIds, type BerthOwned } from './berth-owned';
import type { Liveness } from './liveness';
import { ruleFinding, type Planned } from './planned';
import type { RuleVerdicts } from './rule-verdicts';

const IF_KEYS = ['i', '!i', 'o', '!o'];
// one address as iptables-save writes it (-d 10.1.0.2/32, -d fd00::2/128)
export const isHostPrefix = (d: string | undefined) => !!d && (d.endsWith('/32') || d.endsWith('/128'));
const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);
// the berth:<id> of a rule's comment; most comments are other tools': no regex run for them
export const berthTag = (comment: string | null | undefined) =>
  comment && comment.startsWith('berth:') ? BERTH_COMMENT_RE.exec(comment)?.[1] : undefined;

// family -> table (or chain) -> what is in it: nested Maps, so no key
// string is built per rule of tens of thousands.
type Nested<T> = Map<string, Map<string, T>>;
function nestedGet<T>(m: Nested<T>, a: string, b: string, make: () => T): T {
  let inner = m.get(a);
  if (!inner) m.set(a, (inner = new Map()));
  let v = inner.get(b);
  if (v === undefined) inner.set(b, (v = make()));
  return v;
}
const EMPTY = new Set<string>();
// The chains each family's table has.
class Chains {
  private byTable: Nested<Set<string>> = new Map();
  constructor(rules: FirewallRule[]) {
    let set = EMPTY;
    let family = '';
    let table = '';
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (set === EMPTY || r.family !== family || r.table !== table) {
        ({ family, table } = r); // iptables-save prints a table's rules together: this runs once a table
        set = nestedGet(this.byTable, family, table, () => new Set<string>());
      }
      set.add(r.chain);
    }
  }
  has(family: string, table: string, chain: string): boolean {
    return this.byTable.get(family)?.get(table)?.has(chain) ?? false;
  }
}

// What judging one rule needs of the whole reading, gathered once.
interface RuleScan {
  live: Liveness;
  chains: Chains;
  knows: (tag: string) => boolean;
  masqChains: Map<string, Set<string>>; // per family, the nat chains holding a MASQUERADE or SNAT
  berthIps: Set<string>;
  berthBridges: Set<string>;
}

// Rules of any owner that are stale: Berth's orphans, rules pointing at dead
// addresses or subnets, exact duplicates, and DNATs an earlier one shadows.
// Each pass is its own small function: V8 optimises a loop with what it has
// seen run, and one function holding every pass was compiled again for each
// pass it reached later (the CPU of a plan went to the compiler, not the rules).
// The passes over every rule count an index, not `for…of`: a pass runs once a plan,
// mostly before V8 optimises it, and there each step of an array's iterator made
// a result object (~0.4 MB a pass at 10,000 rules).
// `verdicts`: what earlier plans judged of the same lines (rule-verdicts.ts), for the plan
// shown; apply judges every rule afresh.
export function findRuleIssues(rules: FirewallRule[], berth: BerthOwned, live: Liveness, verdicts?: RuleVerdicts): Planned[] {
  const ipt = rules.filter((r) => r.source === 'iptables');
  const out: Planned[] = [];
  const flagged = new Set<FirewallRule>();
  const add = (p: Planned, r: FirewallRule) => {
    if (flagged.has(r)) return;
    flagged.add(r);
    out.push(p);
  };
  const chains = new Chains(ipt);
  const scan: RuleScan = {
    live,
    chains,
    knows: knownIds(berth),
    masqChains: masqueradeChains(ipt),
    // both families: a live IPv6 endpoint's rules are not orphans
    berthIps: new Set(endpointAddrs(berth).map((ip) => ip.split('/')[0])),
    berthBridges: new Set(berth.networks.map((n) => n.bridge)),
  };
  if (verdicts) {
    verdicts.begin(judgeContext(scan, berth));
    const judge = (r: FirewallRule) => staleRule(r, scan);
    for (let i = 0; i < ipt.length; i++) {
      const r = ipt[i];
      const p = verdicts.verdict(r, judge);
      if (p) add(p, r);
    }
    verdicts.end();
  } else {
    for (let i = 0; i < ipt.length; i++) {
      const r = ipt[i];
      const p = staleRule(r, scan);
      if (p) add(p, r);
    }
  }
  for (const [p, r] of duplicates(ipt)) add(p, r);
  for (const [r, first] of shadowedDnats(ipt, chains)) {
    add(ruleFinding('shadowed-dnat', r, `never reached: an earlier DNAT for the same host port wins (${first.mapping})`, `shadowed by ${first.chain}: ${first.text}`), r);
  }
  return out;
}

// Everything staleRule reads besides the rule, as one string (rule-verdicts.ts): the
// liveness of addresses, subnets and bridges, Berth's ids, addresses and bridges, and the
// masquerading chains (a jump's target is one only if it exists, so the chains need no key).
function judgeContext(scan: RuleScan, berth: BerthOwned): string {
  const masq = [...scan.masqChains].map(([family, chains]) => [family, [...chains]]);
  return JSON.stringify([scan.live.key, berth.networks.map((n) => n.id), berth.endpoints.map((e) => e.id), [...scan.berthIps], [...scan.berthBridges], masq]);
}

function masqueradeChains(ipt: FirewallRule[]): Map<string, Set<string>> {
  const masqChains = new Map<string, Set<string>>();
  for (let i = 0; i < ipt.length; i++) {
    const r = ipt[i];
    if (r.table !== 'nat' || (r.target !== 'MASQUERADE' && r.target !== 'SNAT')) continue;
    let set = masqChains.get(r.family);
    if (!set) masqChains.set(r.family, (set = new Set()));
    set.add(r.chain);
  }
  return masqChains;
}

// The one finding a rule gets on its own (Berth's orphan, or pointing at what is gone), or null.
function staleRule(r: FirewallRule, { live, chains, knows, masqChains, berthIps, berthBridges }: RuleScan): Planned | null {
  const tag = berthTag(r.comment);
  if (tag !== undefined && !knows(tag)) return ruleFinding('orphan-berth-rule', r, `tagged berth:${tag}, which no network or endpoint in the store has`);
  const dnat = dnatTarget(r);
  if (r.chain.startsWith('BERTH') && tag === undefined) {
    const ifs = ['i', '!i', 'o', '!o'].map((k) => r.matches[k]).filter((x): x is string => !!x);
    const strangerIf = ifs.find((i) => !berthBridges.has(i) && (i.startsWith('br-') || i.startsWith('berth')));
    const dst = r.matches.d?.split('/')[0];
    if (strangerIf) return ruleFinding('orphan-berth-rule', r, `in Berth's chain, for bridge ${strangerIf}, which no network in the store has`);
    if ((dnat && !berthIps.has(dnat.ip)) || (r.table === 'filter' && r.target === 'ACCEPT' && isHostPrefix(r.matches.d) && dst && !berthIps.has(dst))) {
      return ruleFinding('orphan-berth-rule', r, `in Berth's chain, for ${dnat?.ip ?? dst}, which no endpoint in the store has`);
    }
  }
  if (dnat) {
    const why = live.addressGone(dnat.ip, r.owner) ?? (live.holds(dnat.ip) ? null : goneBridge(r, live));
    return why ? ruleFinding('dangling-nat-rule', r, `DNAT to ${dnat.ip}, which is gone`, `evidence: ${why}`) : null;
  }
  // Filter ACCEPTs on the forward path only: INPUT/OUTPUT ACCEPTs are the host's own policy.
  if (r.table === 'filter' && r.target === 'ACCEPT' && r.chain !== 'INPUT' && r.chain !== 'OUTPUT') {
    const net = r.matches.d ?? r.matches.s;
    const why = net ? live.subnetGone(net, r.owner) : null;
    if (net && why) return ruleFinding('dangling-filter-rule', r, `ACCEPT for ${net}, which is gone`, `evidence: ${why}`);
  }
  // the masquerade test last: it builds two keys, and only nat rules with a source need it
  const src = r.matches.s;
  if (r.table === 'nat' && src && (r.target === 'MASQUERADE' || r.target === 'SNAT' || (chains.has(r.family, r.table, r.target) && !!masqChains.get(r.family)?.has(r.target)))) {
    const why = live.subnetGone(src, r.owner) ?? (src.endsWith('/32') && live.holds(src.split('/')[0]) ? null : goneBridge(r, live));
    if (why) return ruleFinding('dangling-masquerade', r, `masquerades ${src}, a source that is gone`, `evidence: ${why}`);
  }
  return null;
}

// Positive evidence only: a bridge the rule names is gone (liveness.ts). Asked only where
// a finding may rest on it, not of every rule.
function goneBridge(r: FirewallRule, live: Liveness): string | null {
  if (!live.judgesBridgesOf(r.owner)) return null;
  let gone: string | null = null;
  for (let k = 0; k < IF_KEYS.length && gone === null; k++) gone = live.bridgeGone(r.matches[IF_KEYS[k]], r.owner);
  return gone;
}

// Exact duplicates: the second and later copies in the same chain. The
// text alone is the key (a rule's text starts with "-A CHAIN", so within a
// family and table it names the chain): no key string built per rule. A text
// is looked up once (added to a Set, which grows only for a first copy); only
// repeated ones are counted, in a Map of their own.
function duplicates(ipt: FirewallRule[]): [Planned, FirewallRule][] {
  const out: [Planned, FirewallRule][] = [];
  const seen = new Map<string, { texts: Set<string>; copies: Map<string, number> }>();
  let t = { texts: new Set<string>(), copies: new Map<string, number>() };
  let family = '';
  let table = '';
  for (let i = 0; i < ipt.length; i++) {
    const r = ipt[i];
    if (r.family !== family || r.table !== table) {
      ({ family, table } = r); // iptables-save prints a table's rules together: this runs once a table
      const k = `${family}/${table}`;
      t = seen.get(k) ?? { texts: new Set(), copies: new Map() };
      seen.set(k, t);
    }
    const before = t.texts.size;
    t.texts.add(r.text);
    if (t.texts.size !== before) continue;
    const n = (t.copies.get(r.text) ?? 1) + 1;
    t.copies.set(r.text, n);
    out.push([ruleFinding('duplicate-rule', r, `copy ${n} of the same rule in ${r.table} ${r.chain}`, `copy ${n}`), r]);
  }
  return out;
}

// Walk nat PREROUTING as a packet would, following jumps, and find DNATs
// for a host address/port/proto an earlier DNAT already takes.
function shadowedDnats(rules: FirewallRule[], chains: Chains): [FirewallRule, FirewallRule][] {
  const byChain: Nested<FirewallRule[]> = new Map();
  // only what the walk looks at: DNATs with a port and jumps to the table's own chains
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r.table === 'nat') nestedGet(byChain, r.family, r.chain, () => []).push(r);
  }
  const out: [FirewallRule, FirewallRule][] = [];
  for (const family of ['ipv4', 'ipv6']) {
    const winners = new Map<string, FirewallRule[]>();
    const visited = new Set<string>();
    const walk = (chain: string) => {
      if (visited.has(chain)) return;
      visited.add(chain);
      for (const r of byChain.get(family)?.get(chain) ?? []) {
        if (r.target === 'DNAT') {
          const port = r.matches.dport;
          if (!port) continue;
          const key = `${r.matches.p ?? ''}/${port}`;
          const earlier = winners.get(key) ?? [];
          const covering = earlier.find(
            (e) => (!e.matches.d || e.matches.d === r.matches.d) && (!e.matches.i || e.matches.i === r.matches.i),
          );
          if (covering && covering.text !== r.text) out.push([r, covering]);
          else if (!covering) winners.set(key, [...earlier, r]);
        } else if (chains.has(family, 'nat', r.target) && !BUILTIN.has(r.target)) {
          walk(r.target);
        }
      }
    };
    walk('PREROUTING');
  }
  return out;
}
