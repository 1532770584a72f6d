// An array the helper's JSON writer (helper/src/server/json-pieces.ts) writes
// element by element as `as` makes each one: host.inspect's rules without
// their parse (inspect/host.ts). The copies are made a run at a time as the
// answer is written and die young; a copy of the whole array made before it
// was written lived as long as the writing (10,000 objects, copied by the
// young-generation collector and then kept in the old one). A symbol: JSON
// leaves it out, and a writer that does not know it writes the elements
// whole (a superset of what `as` makes: still the contract's shape).
export const WRITTEN_AS: unique symbol = Symbol('written as');

export function writtenAs<T, U>(items: T[], as: (item: T) => U): U[] {
  Object.defineProperty(items, WRITTEN_AS, { value: as });
  return items as unknown as U[];
}
