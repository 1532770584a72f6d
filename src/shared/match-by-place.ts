// A new reading's items matched to the last reading's: by place, else by
// index (docs/architecture.md, "Reading iptables-save").
// A host read again prints mostly the same lines in the same order, so the
// item a reading meets at place k is first compared with the last reading's
// k-th, and looked up by its key only when it is not that one (a line
// inserted or removed before it, or every line of a host read cold). The
// index is made at the first lookup: a reading like the last makes none.
// The helper's rule memo (inspect/rule-memo.ts), `berth nat ls`'s kept rows
// (inspect/nat-rows.ts) and a plan's kept verdicts (cleanup/rule-verdicts.ts)
// each find their last reading's item this one way; each says what "the
// same" is and what its index holds.
export class MatchByPlace<T, I = Map<unknown, number>> {
  private index: I | null = null;
  constructor(
    readonly items: readonly T[],
    private readonly makeIndex: (items: readonly T[]) => I,
  ) {}

  // Where the item is in `items`: `k` when `isIt(items[k])`, else what
  // `lookup` finds (-1: nowhere), asking `indexed()` (a lookup that knows
  // without it, asks none).
  find(k: number, isIt: (item: T) => boolean, lookup: () => number): number {
    const at = this.items[k];
    return at !== undefined && isIt(at) ? k : lookup();
  }

  // the index, made at its first use
  indexed(): I {
    return this.index ?? (this.index = this.makeIndex(this.items));
  }
}

// A reading whose first COLD_LINES items the last reading had none of is taken as
// cold (every line of the host changed, or the first reading after a start): its other
// items are not looked up either, since each lookup of such a reading misses, at the
// cost of hashing its key (or of the index made for it). A reading with items added or
// removed near its start still finds the rest by key. The rule memo (inspect/iptables-parse.ts)
// stops looking so; a plan's kept verdicts (cleanup/rule-verdicts.ts) make no index before it.
export const COLD_LINES = 512;

// The common index: each key's first item (`keyOf` undefined: an item never looked up).
export const firstByKey =
  <T, K>(keyOf: (item: T) => K | undefined) =>
  (items: readonly T[]): Map<K, number> => {
    const index = new Map<K, number>();
    for (let i = 0; i < items.length; i++) {
      const key = keyOf(items[i]);
      if (key !== undefined && !index.has(key)) index.set(key, i);
    }
    return index;
  };

// index.get(key), -1 for none
export const positionOf = <K>(index: Map<K, number>, key: K): number => index.get(key) ?? -1;
