import { run, runJson } from './exec';

// nftables through the `nft` program: one script per operation (`nft -f -`
// runs it as one transaction: all of it or nothing), and JSON reads.

export async function nftApply(script: string): Promise<void> {
  await run('nft', ['-f', '-'], { input: script });
}

// `nft -j list table`, or null when the table does not exist (asked through
// `list tables` first rather than by reading nft's error text).
export async function nftListTable(family: string, name: string): Promise<unknown[] | null> {
  const tables = await runJson<{ nftables?: { table?: { family: string; name: string } }[] }>('nft', ['-j', 'list', 'tables']);
  if (!(tables.nftables ?? []).some((o) => o.table?.family === family && o.table.name === name)) return null;
  const t = await runJson<{ nftables?: unknown[] }>('nft', ['-j', 'list', 'table', family, name]);
  return t.nftables ?? [];
}

export async function hasNft(): Promise<boolean> {
  try {
    await run('nft', ['-j', 'list', 'tables'], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}
