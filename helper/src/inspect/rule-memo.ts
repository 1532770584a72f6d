import type { FirewallRule } from '../../../src/shared/inspect';
import { MatchByPlace } from '../../../src/shared/match-by-place';
import type { Family } from './iptables-parse';

// What one host reading leaves to the next (docs/architecture.md, "Reading
// iptables-save"): its iptables rules by family, table and text (counters
// aside). A real host's next reading is mostly the same lines (kube-proxy
// changes a few per sync; the GUI re-reads for counters), so a line seen
// before is not parsed again: its matches, target, arguments and mapping
// are the ones read then. And a rule that comes out the same in every
// field (counters, position, owner and its evidence, the engine's object)
// is the same object as before: its consumers may keep what they derive
// from it per object (a WeakMap).
//
// Owners are never taken on trust: a line at the same place with the same
// counters is the rule before itself (frozen), and the reading still
// classifies and names it; when its owner, evidence or engine object comes
// out otherwise it is replaced in the reading by a copy (`writableRule`,
// build.ts classifyRules, engine-names.ts nameEngineRules). Other rules are
// new objects sharing what their line says, and `settle` swaps each for the
// one before when they are equal. A settled rule is frozen (with its
// matches, arguments and object): nothing changes it after it was answered,
// so an answer still being written, or a reading kept elsewhere, never
// sees a later reading's counters or owners.
//
// What it keeps: the last reading's rules (at 10,000 rules 6.8 MB of objects
// and their own copies of their lines, never the save's whole text: see
// `ownText`, kernel/save-lines.ts; their JSON text is not kept: server/json-pieces.ts). Dropped IDLE_MS after the last reading (`onForget` then
// gives the memory back); a reading of more than MAX_RULES is not kept at
// all (at 50,000 rules the two would be ~70 MB: such a host is read cold).
const IDLE_MS = 30_000;
const MAX_RULES = 16_384;

// one family's rules by place, else by table and text (src/shared/match-by-place.ts)
type Rules = MatchByPlace<FirewallRule, Index>;
type Index = {
  tables: Map<string, Map<string, number>>; // table -> text -> place
  repeats: Map<string, number>; // by id: a line a table has more than once, after its first
};
// One table's rules by text (of a line it had twice, the first).
export type Table = { get(text: string): FirewallRule | undefined };

export class RuleMemo {
  // the last reading's iptables rules per family, in the order the save printed them:
  // the next reading's k-th line is first compared with the k-th rule (most lines stand
  // where they stood), and looked up by text only when it is not that one
  private last = new Map<Family, Rules>();
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly onForget: () => void = () => {},
    private readonly idleMs = IDLE_MS,
    private readonly maxRules = MAX_RULES,
  ) {}

  get size(): number {
    let n = 0;
    for (const l of this.last.values()) n += l.items.length;
    return n;
  }

  // The last reading's rule of this line: the k-th of its family when that is the
  // same line, else one with its table and text (`id` picks among repeated lines).
  find(family: Family, k: number, table: string, text: string, id?: string): FirewallRule | undefined {
    const last = this.last.get(family);
    if (!last) return undefined;
    const q = this.asked;
    q.rules = last;
    q.table = table;
    q.text = text;
    q.id = id;
    const i = last.find(k, q.isIt, q.lookup);
    q.rules = undefined;
    q.text = '';
    return i < 0 ? undefined : last.items[i];
  }
  // the last reading's iptables rules, each family's in the order its save printed them
  rules(): FirewallRule[] {
    const all: FirewallRule[] = [];
    for (const l of this.last.values()) for (const r of l.items) all.push(r);
    return all;
  }

  // The line `find` looks for, and its two tests made once: a reading calls `find` twice
  // per line (tens of thousands), and closures made per call were as many allocations.
  private readonly asked = new Asked();

  // The last reading's rules of one table by text (of a line it had twice, the first).
  table(family: Family, table: string): Table | undefined {
    const last = this.last.get(family);
    const t = last?.indexed().tables.get(table);
    if (!last || !t) return undefined;
    return {
      get: (text) => {
        const i = t.get(text);
        return i === undefined ? undefined : last.items[i];
      },
    };
  }

  // After a reading is whole (classified, named): each iptables rule equal
  // to the last reading's rule of the same line becomes that object
  // (`rules` is changed in place), the others are frozen, and the memo now
  // holds this reading. nft rules pass through.
  settle(rules: FirewallRule[]): void {
    if (rules.length > this.maxRules) return this.clear();
    const next = new Map<Family, FirewallRule[]>();
    let now: FirewallRule[] = [];
    let before: readonly FirewallRule[] = [];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (r.source !== 'iptables') continue;
      if (!next.has(r.family)) {
        next.set(r.family, (now = []));
        before = this.last.get(r.family)?.items ?? [];
      }
      // the memo's own rule at its place (an unchanged line; nat-stream.ts settles the
      // rest as it goes) is itself: checked first, no lookup. A line parsed anew (its
      // matches not frozen: no rule the memo holds has them) was not found when it was
      // parsed, so it is not looked for again (a cold reading's every line)
      const prev = before[now.length] === r ? r : Object.isFrozen(r.matches) ? this.find(r.family, now.length, r.table, r.text, r.id) : undefined;
      let kept = r;
      if (prev === r || (prev && sameRule(prev, r))) kept = rules[i] = prev;
      else freezeRule(r);
      now.push(kept);
    }
    this.last = new Map([...next].map(([family, rules]) => [family, byTableAndText(rules)]));
    this.touch();
  }

  // A reading found none of its first COLD_LINES lines of `family` here (cold:
  // iptables-parse.ts looks up none of the rest), so the last reading's rules of that
  // family go as it reads on, not once it is whole: they were held beside the new
  // reading's for nothing (helper RSS, docs/architecture.md "Helper memory").
  // `onCold` lets what else keeps that reading's rules drop them too.
  forgetFamily(family: Family): void {
    if (this.last.delete(family)) for (const f of this.coldListeners) f();
  }
  private readonly coldListeners = new Set<() => void>();
  onCold(f: () => void): () => void {
    this.coldListeners.add(f);
    return () => this.coldListeners.delete(f);
  }

  clear(): void {
    this.last = new Map();
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

const byTableAndText = (rules: FirewallRule[]): Rules =>
  new MatchByPlace(rules, (rules) => {
    const tables = new Map<string, Map<string, number>>();
    const repeats = new Map<string, number>();
    let table = '';
    let t: Map<string, number> | undefined;
    rules.forEach((r, i) => {
      if (!t || r.table !== table) {
        table = r.table;
        t = tables.get(table);
        if (!t) tables.set(table, (t = new Map()));
      }
      // a line twice in one table: the first is found by its text (either serves as the
      // other's parse), the others by their ids
      if (!t.has(r.text)) t.set(r.text, i);
      else repeats.set(r.id, i);
    });
    return { tables, repeats };
  });

class Asked {
  rules: Rules | undefined = undefined;
  table = '';
  text = '';
  id: string | undefined = undefined;
  readonly isIt = (at: FirewallRule): boolean => at.text === this.text && at.table === this.table && (this.id === undefined || at.id === this.id);
  readonly lookup = (): number => {
    const rules = this.rules as Rules;
    const { tables, repeats } = rules.indexed();
    const found = tables.get(this.table)?.get(this.text) ?? -1;
    return found >= 0 && this.id !== undefined && rules.items[found].id !== this.id ? (repeats.get(this.id) ?? -1) : found;
  };
}

// rules[i], to be changed: a kept (frozen) rule is first replaced by a copy that
// can be (without its engine's object: naming that is the reading's last step)
export function writableRule(rules: FirewallRule[], i: number): FirewallRule {
  const r = rules[i];
  if (!Object.isFrozen(r)) return r;
  const { ownerObject: _, ...copy } = r;
  return (rules[i] = copy);
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

