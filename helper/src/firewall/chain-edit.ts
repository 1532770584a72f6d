// The fewest `iptables-restore` lines that turn one of Berth's own chains
// from `actual` into exactly `wanted` (docs/decisions.md, "Own chains are
// edited, not rewritten"): `-D` for each rule too many, then `-I n` / `-A`
// for each one missing, at its place in `wanted`. An operation that only
// adds rules thus writes no deletion: on nf_tables a commit that deletes
// anything waits for an RCU grace period (10-40 ms), one that only adds does
// not. Returns null when deleting and inserting cannot reach `wanted`
// without moving a rule (the kept rules are out of order); the caller then
// rewrites the chain whole.
export function chainEdit(chain: string, actual: string[], wanted: string[]): string[] | null {
  const excess = new Map<string, number>();
  for (const s of actual) excess.set(s, (excess.get(s) ?? 0) + 1);
  for (const s of wanted) excess.set(s, (excess.get(s) ?? 0) - 1);

  // `-D CHAIN spec` removes the FIRST rule that matches, so of duplicates the
  // last copies stay: `kept` is the chain as the kernel holds it after the -Ds.
  const deletes: string[] = [];
  const kept: string[] = [];
  for (const s of actual) {
    const n = excess.get(s) ?? 0;
    if (n > 0) {
      excess.set(s, n - 1);
      deletes.push(`-D ${chain} ${s}`);
    } else kept.push(s);
  }

  // Walk `wanted`: a rule kept in order is passed over, any other is
  // inserted where it belongs (positions count from 1, after the -Ds).
  const inserts: string[] = [];
  let j = 0;
  for (const [i, s] of wanted.entries()) {
    if (j < kept.length && kept[j] === s) j++;
    else inserts.push(j < kept.length ? `-I ${chain} ${i + 1} ${s}` : `-A ${chain} ${s}`);
  }
  return j === kept.length ? [...deletes, ...inserts] : null;
}
