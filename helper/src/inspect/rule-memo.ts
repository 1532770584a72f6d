import type { FirewallRule } from '../../../src/shared/inspect';
import type { Family } from './iptables-parse';

// What one host reading leaves to the next (docs/architecture.md, "Reading
// iptables-save"): its iptables rules by family, table and text (counters
// aside). A real host's next reading is mostly the same lines (kube-proxy
// changes a few per sync; the GUI re-reads for counters), so a line seen
// before is not parsed again: its matches, target, arguments and mapping
// are the ones read then. And a rule that comes out the same in every
// field (counters, position, owner and its evidence, the engine's object)
// is the same object as before: its consumers may keep what they derive
// from it per object (a WeakMap), and its answer's JSON text is kept with
// it (server/json-pieces.ts keeps the text of frozen objects).
//
// Owners are never taken from the memo: each reading classifies its own
// fresh objects (an owner depends on the links, the bridges' subnets, other
// rules and the engines' APIs), and only then `settle` swaps each for the
// one before when they are equal. A settled rule is frozen (with its
// matches, arguments and object): nothing changes it after it was answered,
// so an answer still being written, or a reading kept elsewhere, never
// sees a later reading's counters or owners.
//
// What it keeps: the last reading's rules (at 10,000 rules 6.8 MB of objects
// and their own copies of their lines, never the save's whole text: see
// `ownText`) and, once host.inspect answered them, each one's JSON text
// (6.7 MB more). Dropped IDLE_MS after the last reading (`onForget` then
// gives the memory back); a reading of more than MAX_RULES is not kept at
// all (at 50,000 rules the two would be ~70 MB: such a host is read cold).
const IDLE_MS = 30_000;
const MAX_RULES = 16_384;

type Table = Map<string, FirewallRule>; // text -> rule

export class RuleMemo {
  private tables = new Map<string, Table>(); // `${family} ${table}`
  private repeats = new Map<string, FirewallRule>(); // by id: a line a table has more than once, after its first
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly onForget: () => void = () => {},
    private readonly idleMs = IDLE_MS,
    private readonly maxRules = MAX_RULES,
  ) {}

  // The rules of one table the last reading had, by text (its lookups: `get(text)`).
  table(family: Family, table: string): Table | undefined {
    return this.tables.get(`${family} ${table}`);
  }

  get size(): number {
    let n = this.repeats.size;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  // After a reading is whole (classified, named): each iptables rule equal
  // to the last reading's rule of the same text becomes that object
  // (`rules` is changed in place), the others are frozen, and the memo now
  // holds this reading. nft rules pass through.
  settle(rules: FirewallRule[]): void {
    if (rules.length > this.maxRules) return this.clear();
    const next = new Map<string, Table>();
    const repeats = new Map<string, FirewallRule>();
    let key = '';
    let before: Table | undefined;
    let now: Table | undefined;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (r.source !== 'iptables') continue;
      if (!now || r.table !== rules[i - 1].table || r.family !== rules[i - 1].family) {
        key = `${r.family} ${r.table}`;
        before = this.tables.get(key);
        now = next.get(key);
        if (!now) next.set(key, (now = new Map()));
      }
      let prev = before?.get(r.text);
      if (prev && prev.id !== r.id) prev = this.repeats.get(r.id);
      let kept = r;
      if (prev === r || (prev && sameRule(prev, r))) kept = rules[i] = prev;
      else freezeRule(r);
      // a line twice in one table: the first is found by its text (either serves as the
      // other's parse), the others by their ids
      if (!now.has(kept.text)) now.set(kept.text, kept);
      else repeats.set(kept.id, kept);
    }
    this.tables = next;
    this.repeats = repeats;
    this.touch();
  }

  clear(): void {
    this.tables = new Map();
    this.repeats = new Map();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.clear();
      this.onForget();
    }, this.idleMs);
    this.timer.unref();
  }
}

function freezeRule(r: FirewallRule): void {
  Object.freeze(r.matches);
  Object.freeze(r.targetArgs);
  if (r.ownerObject) Object.freeze(r.ownerObject);
  Object.freeze(r);
}

const sameRecord = (a: Record<string, string>, b: Record<string, string>): boolean => {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
};

// every field of the contract's FirewallRule (src/shared/inspect.ts)
export function sameRule(a: FirewallRule, b: FirewallRule): boolean {
  const ao = a.ownerObject ?? null;
  const bo = b.ownerObject ?? null;
  return (
    a.id === b.id && a.position === b.position && a.packets === b.packets && a.bytes === b.bytes &&
    a.text === b.text && a.family === b.family && a.source === b.source && a.table === b.table && a.chain === b.chain &&
    a.target === b.target && a.comment === b.comment && a.mapping === b.mapping &&
    a.owner === b.owner && a.ownerEvidence === b.ownerEvidence &&
    (ao === bo || (!!ao && !!bo && ao.kind === bo.kind && ao.id === bo.id && ao.name === bo.name)) &&
    'ownerObject' in a === 'ownerObject' in b &&
    sameRecord(a.matches, b.matches) && sameRecord(a.targetArgs, b.targetArgs)
  );
}

// A line's own copy of its text, not a slice of the save (a slice keeps the
// whole save, megabytes, alive as long as the rule: a memo that keeps rules
// of many readings would keep each of their saves). Flattening the two-part
// string copies it; the slice is then of that copy.
export const ownText = (s: string): string => (' ' + s).slice(1);
