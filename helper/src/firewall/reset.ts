import { type Family, iptablesRestore, iptablesSave } from '../kernel/iptables';
import { hasNft, nftApply, nftChainRules, nftListTable } from '../kernel/nft';
import { CHAIN } from './chains';
import { NFT_FAMILIES, NFT_TABLE, NFT_USER_CHAIN } from './nft-render';
import { BERTH_TAG_RE } from './rule-line';
import { parseSave } from './save-parse';

// `berth system reset`, firewall part: every rule, chain and table Berth
// made goes, with what it changed (FORWARD policy) put back when Berth was
// the one who changed it. Rules the user kept in BERTH-USER / berth-user go
// with their chain; they are returned so the CLI can print them.

export interface FirewallResetResult {
  removed: string[];
  restored: string[];
  userRules: string[];
}

const IPT_TABLES = ['raw', 'filter', 'nat', 'mangle'];

// The filter FORWARD policy now (null: no filter table), recorded before Berth sets DROP.
export async function readForwardPolicy(family: Family): Promise<string | null> {
  const t = parseSave(await iptablesSave(family, { table: 'filter' }).catch(() => '')).get('filter');
  return t?.chains.get('FORWARD') ?? null;
}

// forwardPolicy: the filter FORWARD policy before Berth set DROP (undefined:
// Berth did not set it; null: there was no filter table).
// ip6tables likewise (IPv6 networks, docs/ipv6.md), with forwardPolicy6 recorded when Berth
// turned IPv6 forwarding on; a host without ip6tables has nothing there.
export async function resetIptables(forwardPolicy: string | null | undefined, forwardPolicy6?: string | null): Promise<FirewallResetResult> {
  const out: FirewallResetResult = { removed: [], restored: [], userRules: [] };
  await resetFamily('ipv4', forwardPolicy, out);
  const saved6 = await iptablesSave('ipv6').catch(() => null);
  if (saved6 !== null) await resetFamily('ipv6', forwardPolicy6, out, saved6);
  return out;
}

async function resetFamily(family: Family, forwardPolicy: string | null | undefined, out: FirewallResetResult, text?: string): Promise<void> {
  const tool = family === 'ipv4' ? 'iptables' : 'ip6tables';
  const saved = parseSave(text ?? (await iptablesSave(family)));
  let script = '';
  for (const table of IPT_TABLES) {
    const t = saved.get(table);
    if (!t) continue;
    const own = [...t.chains.keys()].filter((c) => c.startsWith('BERTH'));
    const lines: string[] = [];
    for (const r of t.rules) {
      if (own.includes(r.chain)) {
        if (r.chain === CHAIN.user) out.userRules.push(`${tool} -t ${table} -A ${r.chain} ${r.spec}`);
        continue;
      }
      if (BERTH_TAG_RE.test(r.spec)) {
        lines.push(`-D ${r.chain} ${r.spec}`);
        out.removed.push(`${family === 'ipv6' ? 'ip6 ' : ''}${table} -A ${r.chain} ${r.spec}`);
      }
    }
    for (const c of own) lines.push(`-F ${c}`);
    for (const c of own) {
      lines.push(`-X ${c}`);
      out.removed.push(`${family === 'ipv6' ? 'ip6 ' : ''}${table} chain ${c}`);
    }
    const heads: string[] = [];
    if (table === 'filter' && forwardPolicy !== undefined && t.chains.get('FORWARD') === 'DROP' && (forwardPolicy ?? 'ACCEPT') !== 'DROP') {
      heads.push(`:FORWARD ${forwardPolicy ?? 'ACCEPT'} [0:0]`);
      out.restored.push(`${tool} filter FORWARD policy ${forwardPolicy ?? 'ACCEPT'} (Berth had set DROP)`);
    }
    if (heads.length || lines.length) script += [`*${table}`, ...heads, ...lines, 'COMMIT', ''].join('\n');
  }
  if (script) await iptablesRestore(script, family);
}

export async function resetNftables(): Promise<FirewallResetResult> {
  const out: FirewallResetResult = { removed: [], restored: [], userRules: [] };
  // `ip berth`, and `ip6 berth` where IPv6 networks were (docs/ipv6.md)
  for (const family of NFT_FAMILIES) {
    const objs = (await nftListTable(family, NFT_TABLE)) as Record<string, any>[] | null;
    if (!objs) continue;
    if (objs.some((o) => o.rule?.chain === NFT_USER_CHAIN))
      for (const r of await nftChainRules(family, NFT_TABLE, NFT_USER_CHAIN)) out.userRules.push(`nft add rule ${family} ${NFT_TABLE} ${NFT_USER_CHAIN} ${r}`);
    await nftApply(`delete table ${family} ${NFT_TABLE}\n`);
    out.removed.push(`nft table ${family} ${NFT_TABLE}`);
  }
  return out;
}

// iptables-nft brings `table ip raw` (filter, nat) into being with its
// first rule and leaves it, empty, after the last one. A table that was not
// there before Berth (`before`: "family name" of the tables then) and now
// holds no rule and no chain of anyone's, only built-in chains that accept,
// says nothing: it is deleted so `nft list ruleset` is as it was.
export async function dropEmptyIptablesTables(before: string[] | undefined, names = ['raw', 'nat', 'filter']): Promise<string[]> {
  if (!before || !(await hasNft())) return [];
  const dropped: string[] = [];
  for (const name of names) {
    const key = `ip ${name}`;
    if (before.includes(key)) continue;
    // one table at a time, never all of them: this runs when an operation removes the last endpoint
    const objs = (await nftListTable('ip', name)) as Record<string, any>[] | null;
    if (!objs) continue;
    const empty = objs.every((o) => !o.rule && !o.set && !o.map && (!o.chain || (o.chain.hook && o.chain.policy === 'accept' && /^[A-Z]+$/.test(o.chain.name))));
    if (!empty) continue;
    await nftApply(`delete table ip ${name}\n`);
    dropped.push(`nft table ${key} (empty; iptables made it for Berth's rules)`);
  }
  return dropped;
}
