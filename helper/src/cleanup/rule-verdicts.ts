import type { FirewallRule } from '../../../src/shared/inspect';
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
// (server/json-pieces.ts). Another context judges every line again.
interface Judged {
  context: object;
  text: string;
  family: string;
  table: string;
  owner: string;
  ownerEvidence: string;
  ownerObject: FirewallRule['ownerObject'];
  planned: Planned | null;
}

const sameObject = (a: FirewallRule['ownerObject'], b: FirewallRule['ownerObject']) =>
  (a ?? null) === (b ?? null) || (!!a && !!b && a.kind === b.kind && a.id === b.id && a.name === b.name);

export class RuleVerdicts {
  // by the line's parse: it lives as long as the rule memo keeps the line, and with it goes
  private byLine = new WeakMap<object, Judged>();
  private key = '';
  private context: object = {};

  // The context of the rules judged next, as a string of everything a verdict reads
  // besides the rule (find-rules.ts judgeContext); another one than before forgets every verdict.
  begin(key: string): void {
    if (key === this.key) return;
    this.key = key;
    this.context = {};
  }

  // The finding `judge` gives `r`, or the one it gave the same line in this context.
  // Only lines the rule memo keeps (their parse frozen by it) are kept: another
  // reading's line is never the same object, and would only fill the map.
  verdict(r: FirewallRule, judge: (r: FirewallRule) => Planned | null): Planned | null {
    if (!Object.isFrozen(r.matches)) return judge(r);
    const j = this.byLine.get(r.matches);
    if (j && j.context === this.context && j.text === r.text && j.family === r.family && j.table === r.table &&
      j.owner === r.owner && j.ownerEvidence === r.ownerEvidence && sameObject(j.ownerObject, r.ownerObject)) {
      if (!j.planned || (j.planned.target.type === 'rule' && j.planned.target.rule === r)) return j.planned;
      // the same finding of a rule read again (its counters moved): apply's target is this one
      return (j.planned = keepPublic({ ...j.planned, target: { type: 'rule', rule: r } }, j.planned));
    }
    const planned = judge(r);
    this.byLine.set(r.matches, {
      context: this.context, text: r.text, family: r.family, table: r.table, owner: r.owner, ownerEvidence: r.ownerEvidence,
      ownerObject: r.ownerObject, planned: planned && keepPublic(planned),
    });
    return planned;
  }
}
