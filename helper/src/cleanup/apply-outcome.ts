import type { Planned, Target } from './planned';

// What applying findings of one kind gave: ids done, ids failed with why.
export interface Outcome {
  applied: string[];
  failed: { id: string; error: string }[];
}

export const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

// The chosen findings of one kind, each with its target typed for that kind.
export function ofKind<K extends Target['type']>(chosen: Planned[], kind: K): { id: string; target: Extract<Target, { type: K }> }[] {
  return chosen.flatMap((p) => (p.target.type === kind ? [{ id: p.id, target: p.target as Extract<Target, { type: K }> }] : []));
}

// Findings done or failed together (one batch, one engine call).
export function settleTogether(out: Outcome, ids: string[], run: () => Promise<void>): Promise<void> {
  return run().then(
    () => void out.applied.push(...ids),
    (e) => void out.failed.push(...ids.map((id) => ({ id, error: errText(e) }))),
  );
}
