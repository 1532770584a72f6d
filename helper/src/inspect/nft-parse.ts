import type { BaseChain, FirewallRule } from '../../../src/shared/inspect';
import { exprKind, nftOperand, nftRuleText, nftValue } from '../firewall/nft-text';
import { nftTableOwner } from './owner';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
const isObj = (j: Json | undefined): j is Obj => typeof j === 'object' && j !== null && !Array.isArray(j);

export interface NftTableSummary {
  family: string;
  name: string;
  chains: number;
  rules: number;
  owner: FirewallRule['owner'];
}

const VERDICTS = new Set(['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'dnat', 'snat', 'masquerade', 'redirect', 'queue']);

interface ReadRule {
  matches: Record<string, string>;
  target: string;
  targetArgs: Record<string, string>;
  packets: number;
  bytes: number;
  text: string;
}

// One rule's expressions → the fields iptables rules have too (matches,
// target and its arguments, counters); its text is nft-text.ts's.
function readRule(expr: Json[]): ReadRule {
  const out: ReadRule = { matches: {}, target: '', targetArgs: {}, packets: 0, bytes: 0, text: nftRuleText(expr) };
  for (const e of expr) {
    const [k, val] = exprKind(e);
    if (k === 'match' && isObj(val)) {
      const op = String(val.op ?? '==');
      const right = nftValue(val.right);
      out.matches[nftOperand(val.left)] = op === '==' || op === 'in' ? right : `${op} ${right}`;
    } else if (k === 'counter' && isObj(val)) {
      out.packets = Number(val.packets) || 0;
      out.bytes = Number(val.bytes) || 0;
    } else if (VERDICTS.has(k)) {
      readVerdict(out, k, val);
    }
  }
  return out;
}

function readVerdict(out: ReadRule, k: string, val: Json) {
  out.target = k === 'jump' || k === 'goto' ? String(isObj(val) ? val.target : '') : k.toUpperCase();
  if (k === 'goto') out.targetArgs.goto = 'true';
  if (!isObj(val)) return;
  for (const [ak, av] of Object.entries(val)) if (ak !== 'target') out.targetArgs[ak] = nftValue(av);
  if (k === 'dnat') {
    // IPv6 with a port in brackets, as iptables-save writes it ([fd00::2]:80): nat-decode reads both alike
    const addr = nftValue(val.addr);
    const port = val.port !== undefined ? `:${nftValue(val.port)}` : '';
    out.targetArgs['to-destination'] = `${port && addr.includes(':') ? `[${addr}]` : addr}${port}`;
  }
}

// What a NAT rule maps, in the words the NAT view uses for iptables rules.
function mappingOf(parsed: ReadRule, family: 'ipv4' | 'ipv6'): string | null {
  const m = parsed.matches;
  if (parsed.target === 'DNAT') {
    const port = m['tcp dport'] ?? m['udp dport'] ?? '*';
    const proto = m['tcp dport'] ? '/tcp' : m['udp dport'] ? '/udp' : '';
    const dst = m['ip daddr'] ?? (m['ip6 daddr'] ? `[${m['ip6 daddr']}]` : family === 'ipv6' ? '[::]' : '0.0.0.0');
    return `${dst}:${port} -> ${parsed.targetArgs['to-destination']}${proto}`;
  }
  if (parsed.target === 'MASQUERADE' || parsed.target === 'SNAT') return `${m['ip saddr'] ?? m['ip6 saddr'] ?? 'any'} -> ${m.oifname ?? '*'}`;
  return null;
}

// `nft -j list ruleset` → a summary per table and the rules of nft-native
// tables. Tables iptables-nft manages (ip/ip6 filter, nat, …) are only
// summarised: their rules come from iptables-save, which prints them exactly.
// Base chains of nft-native tables of the ip, ip6 and inet families go to
// `baseChains` (iptables-nft's come from iptables-save, as their rules do).
export function parseNftRuleset(json: unknown): { tables: NftTableSummary[]; rules: FirewallRule[]; baseChains: BaseChain[] } {
  const items = isObj(json as Json) && Array.isArray((json as Obj).nftables) ? ((json as Obj).nftables as Json[]) : [];
  const tables = new Map<string, NftTableSummary>();
  const rules: FirewallRule[] = [];
  const baseChains: BaseChain[] = [];
  const positions = new Map<string, number>();
  for (const it of items) {
    if (!isObj(it)) continue;
    if (isObj(it.table)) {
      const t = it.table;
      tables.set(tableKey(t), { family: String(t.family), name: String(t.name), chains: 0, rules: 0, owner: nftTableOwner(String(t.family), String(t.name)).owner });
    } else if (isObj(it.chain)) {
      const t = tables.get(tableKey(it.chain));
      if (t) t.chains++;
      const base = t && t.owner !== 'system' ? baseChainOf(it.chain) : null;
      if (base) baseChains.push(base);
    } else if (isObj(it.rule)) {
      const t = tables.get(tableKey(it.rule));
      if (!t) continue;
      t.rules++;
      if (t.owner === 'system') continue;
      const key = `${tableKey(it.rule)} ${it.rule.chain}`;
      const position = (positions.get(key) ?? 0) + 1;
      positions.set(key, position);
      rules.push(ruleOf(it.rule, t.owner, position));
    }
  }
  return { tables: [...tables.values()], rules, baseChains };
}

const FAMILIES: Record<string, BaseChain['family']> = { ip: 'ipv4', ip6: 'ipv6', inet: 'inet' };

function baseChainOf(c: Obj): BaseChain | null {
  const family = FAMILIES[String(c.family)];
  if (!family || typeof c.hook !== 'string' || typeof c.prio !== 'number') return null;
  return {
    source: 'nftables', family, table: `${c.family} ${c.table}`, chain: String(c.name), type: String(c.type ?? 'filter'),
    hook: c.hook, priority: c.prio, policy: c.policy === 'drop' ? 'drop' : 'accept',
  };
}

const tableKey = (o: Obj) => `${o.family} ${o.table ?? o.name}`;

function ruleOf(r: Obj, owner: FirewallRule['owner'], position: number): FirewallRule {
  const chain = String(r.chain);
  const parsed = readRule(Array.isArray(r.expr) ? r.expr : []);
  const family = r.family === 'ip6' ? 'ipv6' : 'ipv4';
  return {
    id: `nft/${r.family}/${r.table}/${chain}/${position}`,
    family,
    source: 'nftables',
    table: `${r.family} ${r.table}`,
    chain,
    position,
    text: parsed.text,
    matches: parsed.matches,
    target: parsed.target,
    targetArgs: { ...parsed.targetArgs, handle: String(r.handle ?? '') },
    packets: parsed.packets,
    bytes: parsed.bytes,
    comment: typeof r.comment === 'string' ? r.comment : null,
    owner,
    ownerEvidence: nftTableOwner(String(r.family), String(r.table)).evidence,
    mapping: mappingOf(parsed, family),
  };
}
