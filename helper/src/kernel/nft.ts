import { kernelError, run, runJson } from './exec';

// nftables through the `nft` program: one script per operation (`nft -f -`
// runs it as one transaction: all of it or nothing), and JSON reads.

export async function nftApply(script: string): Promise<void> {
  applies++;
  await run('nft', ['-f', '-'], { input: script });
}

// How many scripts Berth has started: a reader that keeps a table in memory
// knows it is stale when someone else in the helper wrote in between.
let applies = 0;
export const nftApplyCount = () => applies;

// `nft -j list table`, or null when the table does not exist. Asked of the
// table itself: `nft list tables` makes nft fetch every rule of every table
// first (0.5–0.9 s with 10,000 foreign rules on a 2-core machine, against
// ~6 ms for one small table), which put the whole host's ruleset on the
// path of an operation. nft runs with LC_ALL=C: a missing table is ENOENT's
// fixed text.
export async function nftListTable(family: string, name: string): Promise<unknown[] | null> {
  const r = await run('nft', ['-j', 'list', 'table', family, name], { okCodes: [1] });
  if (r.exitCode === 1) {
    if (r.stderr.includes('No such file or directory')) return null;
    throw kernelError('nft', ['-j', 'list', 'table', family, name], 1, r.stderr || r.stdout);
  }
  const text = r.stdout.trim();
  return ((text ? JSON.parse(text) : {}) as { nftables?: unknown[] }).nftables ?? [];
}

// The tables iptables-nft keeps for the iptables programs: their rules are
// the ones iptables-save prints, word for word as iptables reads them back.
const IPTABLES_NFT_TABLES = ['filter', 'nat', 'raw', 'mangle', 'security'];
export const isIptablesNftTable = (family: string, name: string) =>
  (family === 'ip' || family === 'ip6') && IPTABLES_NFT_TABLES.includes(name);

type NftItem = Record<string, { family?: string; table?: string; name?: string } | undefined>;

// The ruleset in `nft -j list ruleset`'s shape, without the rules of
// iptables-nft's tables: listing those as JSON costs several times what
// iptables-save does at 10,000 rules, and host inspection reads them from
// iptables-save anyway. Chains are listed for every table (cheap); whole
// tables only for the nft-native ones. A table with no chain is not listed.
export async function nftListRuleset(): Promise<{ nftables: unknown[] }> {
  const chains = (await runJson<{ nftables?: NftItem[] }>('nft', ['-j', 'list', 'chains'])).nftables ?? [];
  const tables = new Map<string, { family: string; name: string }>();
  for (const it of chains) {
    const c = it.chain;
    if (c?.family && c.table) tables.set(`${c.family} ${c.table}`, { family: c.family, name: c.table });
  }
  const out: unknown[] = [];
  for (const t of tables.values()) {
    if (isIptablesNftTable(t.family, t.name)) {
      out.push({ table: t }, ...chains.filter((it) => it.chain?.family === t.family && it.chain.table === t.name));
    } else {
      const listed = await runJson<{ nftables?: NftItem[] }>('nft', ['-j', 'list', 'table', t.family, t.name]);
      out.push(...(listed.nftables ?? []).filter((it) => !it.metainfo));
    }
  }
  return { nftables: out };
}

// nft works (installed, and the kernel answers): asking for a table nobody
// has is answered "no such table" (cheap, unlike listing every table). A yes
// is kept: the empty raw table's drop (engine.ts) asks after every last
// endpoint, and a program per ask bought nothing (an nft gone since fails
// the drop's own listing, which its callers take as nothing dropped).
let nftWorks = false;
export async function hasNft(): Promise<boolean> {
  if (nftWorks) return true;
  try {
    await nftListTable('inet', 'berth-probe-no-such-table');
    nftWorks = true;
    return true;
  } catch {
    return false;
  }
}

// "family name" of every table, e.g. "ip filter", "inet firewalld": the
// tables that have a chain, from `nft list chains` (~13 ms with 10,000
// foreign rules, where `nft list tables` fetched every rule: 0.6-1.7 s on
// each first start), plus the iptables-nft tables that have none, asked one
// by one (a table without chains holds no rule, so listing it is cheap).
export async function nftTableNames(): Promise<string[]> {
  const chains = (await runJson<{ nftables?: NftItem[] }>('nft', ['-j', 'list', 'chains'])).nftables ?? [];
  const names = new Set(chains.flatMap((it) => (it.chain?.family && it.chain.table ? [`${it.chain.family} ${it.chain.table}`] : [])));
  const chainless = ['ip', 'ip6'].flatMap((f) => IPTABLES_NFT_TABLES.map((t) => `${f} ${t}`)).filter((k) => !names.has(k));
  const found = await Promise.all(chainless.map(async (k) => ((await nftListTable(...(k.split(' ') as [string, string]))) ? k : null)));
  return [...names, ...found.filter((k): k is string => k !== null)];
}

// One chain's rules as `nft list` prints them (for telling a user what went).
export async function nftChainRules(family: string, table: string, chain: string): Promise<string[]> {
  const { stdout } = await run('nft', ['list', 'chain', family, table, chain]);
  return stdout.split('\n').map((l) => l.trim()).filter((l) => l && !/^(table|chain|type) /.test(l) && l !== '}');
}
