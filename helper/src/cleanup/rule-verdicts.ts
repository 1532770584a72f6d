import type { FirewallRule } from '../../../src/shared/inspect';
import { COLD_LINES, firstByKey, MatchByPlace, positionOf } from '../../../src/shared/match-by-place';
import { keepPublic, type Planned } from './planned';

// What the plans shown judged of each rule line, kept from one plan to the next
// (docs/decisions.md, "A plan read again judges only the lines it has not judged"):
// a host read again is mostly the same lines (inspect/rule-memo.ts hands an
// unchanged line's parse, its `matches` object, to the next reading, even when its
// counters moved), and a rule's own finding (find-rules.ts staleRule) is a function
// of its line, its owner and the context it is judged in (liveness, what Berth
// owns, the masquerading chains), nothing else. So a line judged before in the
// same context is not judged again: its finding (or none) is the one made then,
// with the same public (frozen) finding, whose JSON the server keeps
// (server/json-pieces.ts): made when the line comes again, so a reading of new
// lines (cold) pays for none of it. Another context judges every line again.
//
// As the rule memo, by place, else by index (src/shared/match-by-place.ts): the k-th
// rule is first compared with the last plan's k-th (most lines stand where they
// stood), then with the NEAR rules either side of that place (lines moved by a few
// added or removed before them), and looked up by its parse in an index of the last
// plan's rules only past the plan's first COLD_LINES rules, and only while at least
// half of its rules so far were found. A plan mostly new (every line of the host
// changed, the same few first lines aside: Berth's own jumps and chains, which iptables-save
// prints ahead of the rest) makes no index: one of the last plan's 10,000 rules, ~1 MB
// and ~2.5 ms CPU a plan, made only to miss in it nearly every time. A line moved
// farther, in a plan not yet mostly found, is judged again (the same finding: a verdict
// is a function of the line and its context). Held until
// IDLE_MS after the last plan, as the memo's rules, or until a reading of
// another kind starts (`forget`: docs/architecture.md, "Helper memory").
const IDLE_MS = 30_000;
const NEAR = 8;

const sameObject = (a: FirewallRule['ownerObject'], b: FirewallRule['ownerObject']) =>
  (a ?? null) === (b ?? null) || (!!a && !!b && a.kind === b.kind && a.id === b.id && a.name === b.name);
// the same line with the same owner: its own finding is the same in one context
const sameLine = (a: FirewallRule, b: FirewallRule) =>
  a === b || (a.matches === b.matches && a.text === b.text && a.family === b.family && a.table === b.table &&
    a.owner === b.owner && a.ownerEvidence === b.ownerEvidence && sameObject(a.ownerObject, b.ownerObject));

export class RuleVerdicts {
  private key = '';
  // the last plan's iptables rules in order (null: one the rule memo did not keep,
  // whose parse no later reading shares), found by parse, and the finding each got
  private rules = byParse([]);
  private found: (Planned | null)[] = [];
  private next: { rules: (FirewallRule | null)[]; found: (Planned | null)[] } = { rules: [], found: [] };
  private hits = 0; // of this plan's rules, ones the last plan had
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly idleMs = IDLE_MS) {}

  // A plan's rules are judged next, in order, in the context `key` (a string of
  // everything a verdict reads besides the rule: find-rules.ts judgeContext);
  // another one than the last plan's forgets every verdict.
  begin(key: string): void {
    if (key !== this.key) {
      this.key = key;
      this.clear();
    }
    this.next = { rules: [], found: [] };
    this.hits = 0;
  }

  // The finding `judge` gives `r`, or the one it gave the same line in the last plan.
  verdict(r: FirewallRule, judge: (r: FirewallRule) => Planned | null): Planned | null {
    const k = this.next.rules.length;
    const q = this.asked;
    q.rules = this.rules;
    q.matches = r.matches;
    q.k = k;
    // the index only for a plan mostly found so far, past its first COLD_LINES rules (see above)
    q.indexing = k >= COLD_LINES && this.hits * 2 >= k;
    const i = this.rules.find(k, q.isIt, q.lookup);
    q.rules = NONE;
    q.matches = null;
    if (i >= 0) this.hits++;
    const before = i < 0 ? null : this.rules.items[i];
    let p: Planned | null;
    if (before && sameLine(before, r)) {
      p = this.found[i];
      // seen twice: its public form is made now, once (planned.ts keepPublic)
      if (p && p.target.type === 'rule' && p.target.rule !== r) p = keepPublic({ ...p, target: { type: 'rule', rule: r } }, keepPublic(p));
      else if (p) keepPublic(p);
    } else p = judge(r);
    // a line the memo did not keep (not frozen by it) is never read again as this
    // object's parse: neither it nor its finding is held for the next plan (on a
    // host the memo keeps nothing of, 25,000 rules, that was a plan's every
    // finding and its rule held beside the next plan's reading)
    const kept = Object.isFrozen(r.matches);
    this.next.rules.push(kept ? r : null);
    this.next.found.push(kept ? p : null);
    return p;
  }

  // The parse `verdict` looks for, and its two tests made once: a plan judges tens of
  // thousands of rules, and two closures made per rule were as many allocations.
  private readonly asked = new Asked();

  // The plan's rules are all judged: the next plan starts from them.
  end(): void {
    this.rules = byParse(this.next.rules);
    this.found = this.next.found;
    this.next = { rules: [], found: [] };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), this.idleMs);
    this.timer.unref();
  }

  // Nothing kept: the next plan judges every line. A NAT listing or view
  // reading calls it as it starts, so the verdicts' rules are not held beside
  // that reading's (helper RSS); the Cleanup view shown again pays one plan's
  // judging, as after IDLE_MS.
  forget(): void {
    this.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private clear(): void {
    this.rules = byParse([]);
    this.found = [];
  }
}

class Asked {
  rules = NONE;
  matches: FirewallRule['matches'] | null = null;
  k = -1; // the place asked for
  indexing = false; // whether a rule not near its place is looked up in the index
  readonly isIt = (b: FirewallRule | null): boolean => b?.matches === this.matches;
  readonly lookup = (): number => {
    if (!this.matches) return -1;
    const j = this.near();
    return j >= 0 || !this.indexing ? j : positionOf(this.rules.indexed(), this.matches);
  };
  private near(): number {
    const items = this.rules.items;
    const to = Math.min(items.length, this.k + NEAR + 1);
    for (let j = Math.max(0, this.k - NEAR); j < to; j++) if (items[j]?.matches === this.matches) return j;
    return -1;
  }
}

const byParse = (rules: (FirewallRule | null)[]) => new MatchByPlace(rules, firstByKey((r: FirewallRule | null) => r?.matches));
// what Asked holds between calls: no plan's rules kept there
const NONE = byParse([]);
