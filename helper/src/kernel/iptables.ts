import { run } from './exec';

export type Family = 'ipv4' | 'ipv6';
const bin = (f: Family, tool: 'save' | 'restore') => (f === 'ipv4' ? `iptables-${tool}` : `ip6tables-${tool}`);

export async function iptablesSave(family: Family = 'ipv4', opts: { counters?: boolean; table?: string } = {}) {
  const args: string[] = [];
  if (opts.counters) args.push('-c');
  if (opts.table) args.push('-t', opts.table);
  return (await run(bin(family, 'save'), args)).stdout;
}

// One atomic batch for every table it names; --noflush leaves everything the
// batch does not mention alone.
export async function iptablesRestore(input: string, family: Family = 'ipv4'): Promise<void> {
  if (!input.trim()) return;
  restores[family]++;
  await run(bin(family, 'restore'), ['--noflush', '-w', '5'], { input });
}

// How many restores Berth has started per family: a reader that keeps the
// ruleset in memory knows it is stale when someone else in the helper (the
// cleanup, its undo) wrote in between.
const restores: Record<Family, number> = { ipv4: 0, ipv6: 0 };
export const restoreCount = (family: Family) => restores[family];

export async function hasIptables(): Promise<boolean> {
  try {
    await run('iptables-save', ['-t', 'filter'], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}
