import type { FirewallRule } from '../../../src/shared/inspect';
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

// Render an nft JSON expression operand back into nft's own words.
function term(j: Json | undefined): string {
  if (j === undefined || j === null) return '';
  if (typeof j !== 'object') return String(j);
  if (Array.isArray(j)) return j.map(term).join(' ');
  const [k, val] = Object.entries(j)[0] ?? ['', null];
  if (!isObj(val)) {
    if (k === 'set' && Array.isArray(val)) return `{ ${val.map(term).join(', ')} }`;
    if (k === 'range' && Array.isArray(val)) return `${term(val[0])}-${term(val[1])}`;
    if (k === 'concat' && Array.isArray(val)) return val.map(term).join(' . ');
    return val === null ? k : `${k} ${term(val)}`;
  }
  switch (k) {
    case 'meta':
      return String(val.key);
    case 'payload':
      return val.protocol ? `${val.protocol} ${val.field}` : `@${val.base},${val.offset},${val.len}`;
    case 'ct':
      return `ct ${val.key}`;
    case 'prefix':
      return `${term(val.addr)}/${term(val.len)}`;
    case 'fib':
      return `fib ${term(val.flags)} ${val.result}`;
    default:
      return `${k} ${JSON.stringify(val)}`;
  }
}

const VERDICTS = ['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'dnat', 'snat', 'masquerade', 'redirect', 'queue'];

function readRule(expr: Json[]) {
  const matches: Record<string, string> = {};
  const targetArgs: Record<string, string> = {};
  const words: string[] = [];
  let target = '';
  let packets = 0;
  let bytes = 0;
  for (const e of expr) {
    if (!isObj(e)) continue;
    const [k, val] = Object.entries(e)[0] ?? ['', null];
    if (k === 'match' && isObj(val)) {
      const left = term(val.left);
      const op = String(val.op ?? '==');
      const right = term(val.right);
      matches[left] = op === '==' || op === 'in' ? right : `${op} ${right}`;
      words.push(op === '==' || op === 'in' ? `${left} ${right}` : `${left} ${op} ${right}`);
    } else if (k === 'counter' && isObj(val)) {
      packets = Number(val.packets) || 0;
      bytes = Number(val.bytes) || 0;
      words.push(`counter packets ${packets} bytes ${bytes}`);
    } else if (VERDICTS.includes(k)) {
      target = k === 'jump' || k === 'goto' ? String(isObj(val) ? val.target : '') : k.toUpperCase();
      if (k === 'goto') targetArgs.goto = 'true';
      if (isObj(val)) for (const [ak, av] of Object.entries(val)) if (ak !== 'target') targetArgs[ak] = term(av);
      if (k === 'dnat' && isObj(val)) targetArgs['to-destination'] = `${term(val.addr)}${val.port !== undefined ? `:${term(val.port)}` : ''}`;
      words.push(isObj(val) ? `${k} ${Object.values(val).map(term).join(' ')}` : k);
    } else {
      words.push(term(e));
    }
  }
  return { matches, target, targetArgs, packets, bytes, text: words.join(' ') };
}

// `nft -j list ruleset` → a summary per table and the rules of nft-native
// tables. Tables iptables-nft manages (ip/ip6 filter, nat, …) are only
// summarised: their rules come from iptables-save, which prints them exactly.
export function parseNftRuleset(json: unknown): { tables: NftTableSummary[]; rules: FirewallRule[] } {
  const items = isObj(json as Json) && Array.isArray((json as Obj).nftables) ? ((json as Obj).nftables as Json[]) : [];
  const tables = new Map<string, NftTableSummary>();
  const rules: FirewallRule[] = [];
  const positions = new Map<string, number>();
  const tkey = (o: Obj) => `${o.family} ${o.table ?? o.name}`;
  for (const it of items) {
    if (!isObj(it)) continue;
    if (isObj(it.table)) {
      const t = it.table;
      tables.set(tkey(t), { family: String(t.family), name: String(t.name), chains: 0, rules: 0, owner: nftTableOwner(String(t.family), String(t.name)).owner });
    } else if (isObj(it.chain)) {
      const t = tables.get(tkey(it.chain));
      if (t) t.chains++;
    } else if (isObj(it.rule)) {
      const r = it.rule;
      const t = tables.get(tkey(r));
      if (!t) continue;
      t.rules++;
      if (t.owner === 'system') continue;
      const chain = String(r.chain);
      const key = `${tkey(r)} ${chain}`;
      const position = (positions.get(key) ?? 0) + 1;
      positions.set(key, position);
      const parsed = readRule(Array.isArray(r.expr) ? r.expr : []);
      const family = r.family === 'ip6' ? 'ipv6' : 'ipv4';
      const rule: FirewallRule = {
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
        owner: t.owner,
        ownerEvidence: nftTableOwner(String(r.family), String(r.table)).evidence,
        mapping: null,
      };
      if (rule.target === 'DNAT') {
        const port = parsed.matches['tcp dport'] ?? parsed.matches['udp dport'] ?? '*';
        const proto = parsed.matches['tcp dport'] ? '/tcp' : parsed.matches['udp dport'] ? '/udp' : '';
        const dst = parsed.matches['ip daddr'] ?? parsed.matches['ip6 daddr'] ?? (family === 'ipv6' ? '[::]' : '0.0.0.0');
        rule.mapping = `${dst}:${port} -> ${parsed.targetArgs['to-destination']}${proto}`;
      } else if (rule.target === 'MASQUERADE' || rule.target === 'SNAT') {
        const src = parsed.matches['ip saddr'] ?? parsed.matches['ip6 saddr'] ?? 'any';
        rule.mapping = `${src} -> ${parsed.matches.oifname ?? '*'}`;
      }
      rules.push(rule);
    }
  }
  return { tables: [...tables.values()], rules };
}
