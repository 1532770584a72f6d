import type { FirewallRule } from '../../../../shared/inspect';

// The helper decodes NAT mappings with "->"; the GUI shows an arrow.
export const mappingText = (r: Pick<FirewallRule, 'mapping'>) => (r.mapping ? r.mapping.replace(/ -> /g, ' → ') : '');

const SKIP = new Set(['m', 'comment']);
const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

// The rule's matches in iptables words ("! -i br-1 -p tcp --dport 80"), or nft's.
export function matchSummary(r: Pick<FirewallRule, 'matches' | 'source'>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r.matches)) {
    if (r.source === 'nftables') {
      parts.push(`${k} ${v}`);
      continue;
    }
    const neg = k.startsWith('!');
    const key = neg ? k.slice(1) : k;
    if (SKIP.has(key)) continue;
    parts.push(`${neg ? '! ' : ''}${key.length === 1 ? '-' : '--'}${key}${v ? ` ${v}` : ''}`);
  }
  return parts.join(' ');
}

export function targetText(r: Pick<FirewallRule, 'target' | 'targetArgs'>): string {
  const args = Object.entries(r.targetArgs)
    .filter(([k]) => k !== 'handle' && k !== 'goto')
    .map(([k, v]) => `--${k} ${v}`);
  return [r.targetArgs.goto ? `goto ${r.target}` : r.target || '—', ...args].join(' ');
}

// A count with the locale's digit groups ("12,345"), as toLocaleString()
// writes it: one formatter made once, where each toLocaleString() call sets
// up the locale's formatting again (two per row a scroll step brings were the
// costliest part of rendering that row, in a CPU profile of the GUI bench).
const GROUPS = new Intl.NumberFormat();
export const grouped = (n: number): string => GROUPS.format(n);

export function shortCount(n: number): string {
  if (n < 1000) return String(n);
  const units = ['K', 'M', 'G', 'T'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, '')}${units[i]}`;
}

export function shortBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, '')} ${units[i]}`;
}

// The rules as iptables-save -c prints them (nftables ones as nft words),
// grouped by family and table in reading order.
export function rawText(rules: FirewallRule[]): string {
  const groups = new Map<string, FirewallRule[]>();
  for (const r of rules) {
    const key = `${r.source}\u0000${r.family}\u0000${r.table}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const out: string[] = [];
  for (const [key, list] of groups) {
    const [source, family, table] = key.split('\u0000');
    if (source === 'nftables') {
      out.push(`# nftables: table ${table}`);
      let chain = '';
      for (const r of list) {
        if (r.chain !== chain) out.push(`#   chain ${(chain = r.chain)}`);
        out.push(`    ${r.text}`);
      }
      out.push('');
      continue;
    }
    out.push(`# ${family === 'ipv6' ? 'ip6tables-save' : 'iptables-save'} -c -t ${table}`, `*${table}`);
    for (const c of [...new Set(list.map((r) => r.chain))]) out.push(`:${c} ${BUILTIN.has(c) ? 'ACCEPT' : '-'} [0:0]`);
    for (const r of list) out.push(`[${r.packets}:${r.bytes}] ${r.text}`);
    out.push('COMMIT', '');
  }
  return out.join('\n');
}

export interface NatFilters {
  search: string;
  table: string;
  owner: string;
  family: string;
}

// Another engine's object a rule is about, as its engine's API named it.
export const foreignObjectText = (r: Pick<FirewallRule, 'owner' | 'ownerObject'>): string =>
  r.ownerObject ? `${r.owner} ${r.ownerObject.kind} ${r.ownerObject.name} (named by ${r.owner === 'podman' ? "Podman's" : "Docker's"} API)` : '';
