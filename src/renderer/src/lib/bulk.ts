import { useCallback, useMemo, useState } from 'react';

export interface BulkOutcome {
  done: string[];
  failed: { name: string; error: string }[];
}

// One call per item, in order (the helper serialises mutations anyway, and
// an error names the item it belongs to instead of failing the batch).
export async function runEach(names: string[], fn: (name: string) => Promise<unknown>, onStep?: (done: number) => void): Promise<BulkOutcome> {
  const out: BulkOutcome = { done: [], failed: [] };
  for (const name of names) {
    try {
      await fn(name);
      out.done.push(name);
    } catch (e) {
      out.failed.push({ name, error: (e as Error)?.message ?? String(e) });
    }
    onStep?.(out.done.length + out.failed.length);
  }
  return out;
}

// The ticked rows of a list, by key. Keys that left the list (removed
// elsewhere) drop out, so the count is always of rows that exist.
export function useChecked(keys: string[]) {
  const [raw, setRaw] = useState<ReadonlySet<string>>(new Set());
  const checked = useMemo(() => new Set(keys.filter((k) => raw.has(k))), [keys, raw]);
  const set = useCallback((key: string, on: boolean) => setRaw((s) => {
    const n = new Set(s);
    if (on) n.add(key);
    else n.delete(key);
    return n;
  }), []);
  const setMany = useCallback((list: string[], on: boolean) => setRaw((s) => {
    const n = new Set(s);
    for (const k of list) {
      if (on) n.add(k);
      else n.delete(k);
    }
    return n;
  }), []);
  const clear = useCallback(() => setRaw(new Set()), []);
  return { checked, set, setMany, clear };
}
