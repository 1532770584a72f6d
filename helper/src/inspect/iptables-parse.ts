import type { BaseChain, FirewallRule } from '../../../src/shared/inspect';
import { COLD_LINES } from '../../../src/shared/match-by-place';
import { decodeNat } from './nat-decode';
import { scanSaveAt, type RuleAt, type SaveLineAt } from '../kernel/save-lines';
import { Atoms } from './save-atoms';
import { flat, ownText, SaveBytes } from '../kernel/save-lines';
import type { RuleMemo } from './rule-memo';
import { isOption, optionAt, Words } from './spec-words';
import { LeanReader, UNREAD } from './lean-rule';
import { ownerBeforeInterfaces } from './owner';

export type Family = 'ipv4' | 'ipv6';

// The priority netfilter gives each iptables table's chains (NF_IP_PRI_*):
// nat's are dstnat (-100) before routing and srcnat (100) after it.
const PRIORITY: Record<string, number> = { raw: -300, mangle: -150, filter: 0, security: 50 };
const priorityOf = (table: string, chain: string) =>
  table === 'nat' ? (chain === 'PREROUTING' || chain === 'OUTPUT' ? -100 : 100) : PRIORITY[table];

// Parse `iptables-save [-c]` output into rules with their matches, target
// and counters. Owners are filled in later by classify (they need the links).
// The built-in chains (those with a policy) go to `baseChains` when given.
// `state`: where the text before this one ended (iptablesSaveParser); what
// is kept from one line to the next is kept there from one piece to the next.
// `rules`: where they go (a piece's rules after the ones before it).
export function parseIptablesSave(text: string, family: Family, baseChains?: BaseChain[], state: SaveState = newSaveState(), rules: FirewallRule[] = []): FirewallRule[] {
  state.family = family;
  state.baseChains = baseChains;
  state.rules = rules;
  // with a memo every new line is copied: from the piece's bytes (SaveBytes)
  if (state.memo) BYTES.load(text);
  state.table = scanSaveAt(text, readSaveLine, state.table, state);
  BYTES.unload();
  state.rules = NO_RULES;
  state.baseChains = undefined;
  return rules;
}
const NO_RULES: FirewallRule[] = [];
// one for every reading: a piece is read whole, synchronously, before the next (as SPECS)
const BYTES = new SaveBytes();

// A rule's id, `${prefix}${position}` as one flat string (rule-memo.ts flat says why)
// made in one allocation: its characters written to a buffer (the prefix once per
// chain) and read back, where a join made the number's string, the join and the
// flat copy. A prefix that is not ASCII is joined and flattened.
class Ids {
  private buf = Buffer.allocUnsafe(256);
  private prefix = '';
  private n = -1; // the prefix's bytes in buf; -1: joined instead
  id(prefix: string, position: number): string {
    if (prefix !== this.prefix) {
      this.prefix = prefix;
      this.n = prefix.length <= 200 && Buffer.byteLength(prefix, 'utf8') === prefix.length ? this.buf.write(prefix, 0, 'latin1') : -1;
    }
    if (this.n < 0 || !(position >= 0 && position < 1e15) || position % 1 !== 0) return flat(prefix + position);
    let end = this.n + 1;
    for (let p = position; p >= 10; p = Math.floor(p / 10)) end++;
    for (let i = end - 1, p = position; i >= this.n; i--, p = Math.floor(p / 10)) this.buf[i] = 0x30 + (p % 10);
    return this.buf.toString('latin1', 0, end);
  }
}
const IDS = new Ids();


// One line of a save, into `st.rules` (a function made once, with its state passed:
// scanSave says why). A rule line is read where it stands (RuleAt): what the rule
// keeps of it is cut out here, and nothing else.
function readSaveLine(l: SaveLineAt, st: SaveState): void {
  const position = placeOf(l, st);
  if (position && !(st.lean && leanRule(l as RuleAt, st, position))) readRule(l as RuleAt, st, position);
}

// A line's place: a built-in chain to `baseChains`; a rule's position in its chain
// (and the chain's name and ids in `st`), else 0
function placeOf(l: SaveLineAt, st: SaveState): number {
  if (l.kind === 'chain') {
    const priority = priorityOf(l.table, l.chain);
    if (st.baseChains && l.policy !== '-' && priority !== undefined)
      st.baseChains.push({
        source: 'iptables', family: st.family, table: l.table, chain: l.chain, type: l.table === 'nat' ? 'nat' : 'filter',
        hook: l.chain.toLowerCase(), priority, policy: l.policy === 'DROP' ? 'drop' : 'accept',
      });
    return 0;
  }
  if (l.kind !== 'rule') return 0;
  const { table } = l;
  // iptables-save prints a chain's rules together: the Map (and its key
  // string) only when the chain changes, and the rules of one chain share
  // its name and the start of their ids (tens of thousands of rules are
  // kept while a reading is paged)
  if (l.chain === st.lastChain && table === st.lastTable) return ++st.lastPosition;
  if (st.lastChain !== '') st.positions.set(`${st.lastTable}/${st.lastChain}`, st.lastPosition);
  const position = (st.positions.get(`${table}/${l.chain}`) ?? 0) + 1;
  // with a memo, the chain's name is its own string too (see ownText)
  st.lastTable = table;
  st.lastChain = st.memo ? ownText(l.chain) : l.chain;
  st.lastPosition = position;
  st.idPrefix = `${st.family}/${table}/${st.lastChain}/`;
  return position;
}

// A rule its comment, chain or jump owns, read lean (lean-rule.ts) with that
// verdict for its owner; false: it is read whole
function leanRule(l: RuleAt, st: SaveState, position: number): boolean {
  const lean = st.lean!;
  if (!lean.read(l.src, l.specStart, l.end)) return false;
  const chain = st.lastChain;
  const v = ownerBeforeInterfaces(chain, lean.target, lean.comment);
  if (!v) return false;
  st.rules.push({
    id: IDS.id(st.idPrefix, position), family: st.family, source: 'iptables', table: l.table, chain, position, text: l.src.slice(l.start, l.end),
    matches: UNREAD, target: lean.target, targetArgs: UNREAD, packets: l.packets, bytes: l.bytes,
    comment: lean.comment, owner: v.owner, ownerEvidence: v.evidence, mapping: null,
  });
  return true;
}

// A rule read whole: its line's options, or the last reading's rule of the same line
function readRule(l: RuleAt, st: SaveState, position: number): void {
  const { family, memo } = st;
  const { table } = l;
  const chain = st.lastChain;
  // a reading whose first COLD_LINES lines the memo had fewer than 1 in 8 of is read as new
  // (cold): its other lines are not looked up either (src/shared/match-by-place.ts). Not
  // "none of": iptables-save prints Berth's own jumps and chains first, the same in every
  // reading, so on a host Berth runs on a reading of all-new foreign lines still found a
  // few and looked up every other line, each a miss (cold reading's CPU 26 -> 20 ms offline)
  const k = st.count++;
  const cold = k >= COLD_LINES && st.found * 8 < COLD_LINES;
  const before = memo && !cold ? memo.find(family, k, table, l.text) : undefined;
  if (k === COLD_LINES && cold) memo?.forgetFamily(family); // nothing of it is looked up again
  if (before) {
    st.found++;
    // the same line as in the last reading: what it says is what it said then; at the same
    // place with the same counters it is that rule (its owner and object are checked, and
    // the rule copied if they changed, when the reading classifies and names its rules)
    if (st.reuse && before.position === position && before.packets === l.packets && before.bytes === l.bytes) {
      st.rules.push(before);
      return;
    }
    // at the same place (its counters changed) its id is the one before: a line says its
    // chain, the memo its family and table (10,000 strings fewer in a reading of counters)
    st.rules.push({
      id: before.position === position ? before.id : flat(st.idPrefix + position), family, source: 'iptables', table, chain, position, text: before.text,
      matches: before.matches, target: before.target, targetArgs: before.targetArgs, packets: l.packets, bytes: l.bytes,
      comment: before.comment, owner: 'unknown', ownerEvidence: '', mapping: before.mapping,
    });
    return;
  }
  const own = memo ? BYTES.own(l.src, l.start, l.end) : l.src.slice(l.start, l.end);
  // the id in one piece (rule-memo.ts flat): a join of prefix and number is kept as
  // two strings and a third made when the answer's JSON is written; the spec read in
  // place in the rule's text (values cut from it are slices of the rule's own copy)
  const { matches, target, targetArgs } = st.specs.read(own, own.length - (l.end - l.specStart));
  const rule: FirewallRule = {
    id: IDS.id(st.idPrefix, position),
    family,
    source: 'iptables',
    table,
    chain,
    position,
    text: own,
    matches,
    target,
    targetArgs,
    packets: l.packets,
    bytes: l.bytes,
    comment: matches.comment ?? null,
    owner: 'unknown',
    ownerEvidence: '',
    mapping: null,
  };
  rule.mapping = decodeNat(rule);
  st.rules.push(rule);
}

// What one piece of a save leaves to the next: its table, each chain's rule count.
interface SaveState {
  table: string;
  positions: Map<string, number>;
  lastTable: string;
  lastChain: string;
  lastPosition: number;
  idPrefix: string;
  specs: SpecReader; // what rules' specs share (SPECS)
  memo?: RuleMemo; // the readings before (host inspection's)
  // an unchanged line at the same place with the same counters is the last reading's (frozen) rule
  // itself: for readers that change rules only through writableRule (build.ts classifyRules,
  // engine-names.ts nameEngineRules); for others it is a new object with what that line says
  reuse: boolean;
  lean: LeanReader | null; // rules owned by their comment, chain or jump are read lean (lean-rule.ts)
  count: number; // rules so far
  found: number; // of them, lines the memo had
  // while a piece is read (parseIptablesSave): its family, where its rules and built-in chains go
  family: Family;
  rules: FirewallRule[];
  baseChains: BaseChain[] | undefined;
}
export const newSaveState = (memo?: RuleMemo, reuse = true, lean = false): SaveState => ({
  table: '', positions: new Map(), lastTable: '', lastChain: '', lastPosition: 0, idPrefix: '', specs: SPECS, memo, reuse,
  lean: lean ? LEAN : null, count: 0, found: 0,
  family: 'ipv4', rules: NO_RULES, baseChains: undefined,
});

// parseIptablesSave over a save that arrives in pieces (`berth nat ls` parses
// while iptables-save still writes): `push` answers the rules of the lines
// the pieces so far complete, `end` those of a last line with no newline.
// `memo`: lines the last reading had are taken from it (inspect/rule-memo.ts); `reuseRules`:
// see SaveState.reuse; `lean`: see SaveState.lean (its rules' matches are UNREAD).
export function iptablesSaveParser(family: Family, baseChains?: BaseChain[], memo?: RuleMemo, reuseRules = false, lean = false) {
  const state = newSaveState(memo, reuseRules, lean);
  let rest = '';
  return {
    push(chunk: string): FirewallRule[] {
      const nl = chunk.lastIndexOf('\n');
      if (nl < 0) {
        rest += chunk;
        return [];
      }
      // the line the last piece left unfinished, then this piece's other whole lines as
      // a slice of it: the two joined were copied into one new string (V8 flattens a
      // join to search it), the whole save once more in every reading
      const first = chunk.indexOf('\n');
      const rules = parseIptablesSave(rest + chunk.slice(0, first + 1), family, baseChains, state);
      rest = chunk.slice(nl + 1);
      // into the same array (a for-of over a second one, in V8's baseline code, made an object per rule)
      if (first < nl) parseIptablesSave(chunk.slice(first + 1, nl + 1), family, baseChains, state, rules);
      return rules;
    },
    end(): FirewallRule[] {
      const text = rest;
      rest = '';
      return text ? parseIptablesSave(text, family, baseChains, state) : [];
    },
  };
}

// Values repeat across thousands of rules (tcp, docker0, RETURN,
// RELATED,ESTABLISHED, comment,tcp): the reader keeps one string of each
// instead of one per rule (inspect/save-atoms.ts; each table starts over once
// it holds INTERN_MAX, so it holds what the host has now). Not those of options whose
// values are mostly unique (addresses, ports, comments): they would only fill
// the table.
const UNIQUE_VALUES = new Set(['s', 'd', 'dport', 'sport', 'dports', 'sports', 'comment', 'to-destination', 'to-source', 'to-ports', 'to']);
const INTERN_MAX = 4096;

// The target arguments of every rule whose target has none (most: ACCEPT,
// RETURN, MASQUERADE, a jump): one object for all, not one each. Frozen:
// a reading's rules are never changed but for their owners.
const NO_ARGS: Record<string, string> = Object.freeze({}) as Record<string, string>;

// What the rules of every save share (SPECS).
class SpecReader {
  private names = new Atoms(INTERN_MAX, true);
  private values = new Atoms(INTERN_MAX);
  private negated = new Map<string, string>(); // name -> `!name`, a property name too
  private joined = new Map<string, Map<string, string>>(); // a repeated option's values so far, value -> both
  private joins = 0;
  private w = new Words('');

  private out = new RuleOptions();

  // the rule's options (of `spec` from `from` on), in an object that is this reader's again at the next read
  read(spec: string, from = 0): RuleOptions {
    const out = this.out;
    out.matches = {};
    out.targetArgs = NO_ARGS;
    out.target = '';
    out.inTarget = false;
    const w = this.w;
    w.reset(spec, from);
    let negate = false;
    let more = w.next();
    while (more) {
      if (w.plain && w.end - w.start === 1 && spec.charCodeAt(w.start) === 0x21) {
        negate = true;
        more = w.next();
        continue;
      }
      const word = w.plain ? null : w.text();
      if (word === '!') {
        negate = true;
        more = w.next();
        continue;
      }
      if (!(word === null ? optionAt(spec, w.start, w.end) : isOption(word))) {
        more = w.next(); // a stray value; kept in `text`
        continue;
      }
      const name = word === null ? this.names.get(spec, spec.charCodeAt(w.start + 1) === 0x2d ? w.start + 2 : w.start + 1, w.end) : word.slice(word[1] === '-' ? 2 : 1);
      // the words up to the next option
      let first = -1; // the value so far is spec[first, last) while parts and one are null
      let last = -1;
      let one: string | null = null; // a value of one word that is not plain (a quoted comment): no array
      let parts: string[] | null = null;
      while ((more = w.next()) && !w.isOption()) {
        if (parts) parts.push(w.text());
        else if (one !== null) parts = [one, w.text()];
        else if (first < 0) {
          if (w.plain) first = w.start;
          else one = w.text();
        } else if (!w.plain || w.start !== last + 1 || spec.charCodeAt(last) !== 0x20) parts = [spec.slice(first, last), w.text()];
        last = w.end;
      }
      const unique = UNIQUE_VALUES.has(name);
      let value: string;
      if (parts || one !== null) {
        value = parts ? parts.join(' ') : (one as string);
        if (!unique) value = this.values.get(value, 0, value.length);
      } else if (first < 0) value = '';
      else value = unique ? spec.slice(first, last) : this.values.get(spec, first, last);
      this.add(out, name, value, negate, unique);
      negate = false;
    }
    return out;
  }

  // matches up to the first -j/-g, then the target's own arguments
  private add(out: RuleOptions, name: string, v: string, negate: boolean, unique: boolean): void {
    if ((name === 'j' || name === 'g') && !out.inTarget) {
      out.target = v;
      out.inTarget = true;
      if (name === 'g') out.targetArgs = { goto: 'true' };
    } else if (out.inTarget) {
      if (out.targetArgs === NO_ARGS) out.targetArgs = {};
      out.targetArgs[negate ? this.negate(name) : name] = v;
    } else {
      const key = negate ? this.negate(name) : name;
      const before = out.matches[key];
      out.matches[key] = before === undefined ? v : unique ? `${before},${v}` : this.join(before, v);
    }
  }

  private negate(name: string): string {
    let key = this.negated.get(name);
    if (key === undefined) {
      key = `!${name}`;
      if (this.negated.size >= INTERN_MAX) this.negated.clear();
      this.negated.set(name, (key = this.names.get(key, 0, key.length)));
    }
    return key;
  }

  // `before,v` (-m comment -m tcp: `comment,tcp`), one string for all rules
  private join(before: string, v: string): string {
    let byValue = this.joined.get(before);
    let both = byValue?.get(v);
    if (both === undefined) {
      both = this.values.get(`${before},${v}`, 0, before.length + 1 + v.length);
      if (this.joins >= INTERN_MAX) {
        this.joined.clear();
        this.joins = 0;
        byValue = undefined;
      }
      if (!byValue) this.joined.set(before, (byValue = new Map()));
      byValue.set(v, both);
      this.joins++;
    }
    return both;
  }
}

/** A rule's options: matches up to the first -j/-g, then the target's own arguments. */
class RuleOptions {
  matches: Record<string, string> = {};
  targetArgs: Record<string, string> = NO_ARGS;
  target = '';
  inTarget = false;
}

// One reader for every save the helper reads, its tables kept from one reading to the
// next (a reading's values are mostly the last one's): V8 compiles the reader's methods
// for the objects they meet, and a reader made per reading, dropped after it, had
// them thrown away and compiled again in the next reading (seen as "weak objects"
// deoptimizations, every second reading at 10,000 rules). Readers of concurrent saves
// share it: a spec is read whole, synchronously, before the next one.
const SPECS = new SpecReader();
// one for every reading, as SPECS
const LEAN = new LeanReader();

// A lean rule (lean-rule.ts) read whole: what its line says, as a rule read whole has it.
export function readWhole(r: FirewallRule): FirewallRule {
  const { matches, target, targetArgs } = SPECS.read(r.text, Math.min(4 + r.chain.length, r.text.length));
  const whole: FirewallRule = { ...r, matches, target, targetArgs, comment: matches.comment ?? null };
  whole.mapping = decodeNat(whole);
  return whole;
}

// The rule's spec (what follows `-A CHAIN `), for -D / -I lines.
export const ruleSpec = (r: Pick<FirewallRule, 'text' | 'chain'>) => r.text.slice(4 + r.chain.length);
