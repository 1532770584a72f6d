// The short strings one iptables-save repeats across thousands of rules
// (option names, `tcp`, `docker0`, `RETURN`, `RELATED,ESTABLISHED`), one
// string each, from one reading to the next. A string is found by its characters where they
// stand in the save, so a repeated one is neither cut out of the rule (an
// allocation per value per rule, each one more thing for the collector) nor
// hashed again by V8. docs/architecture.md, "Reading iptables-save".
import { ownText } from '../kernel/save-lines';

const MAX_LENGTH = 64; // longer values are rare repeats: cut, not looked up

export class Atoms {
  private slots: (string | undefined)[];
  private count = 0;

  // `keys`: the strings are property names (a rule's matches), kept as V8's
  // own property-name strings so each store finds its name without a lookup
  constructor(private readonly max: number, private readonly keys = false) {
    let size = 16;
    while (size < max * 2) size *= 2;
    this.slots = new Array<string | undefined>(size).fill(undefined);
  }

  // s[from, to) as the table's string, added to it (a full table starts over)
  get(s: string, from: number, to: number): string {
    const len = to - from;
    if (len > MAX_LENGTH) return s.slice(from, to);
    let h = 0x811c9dc5 ^ len;
    for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    const mask = this.slots.length - 1;
    let j = h & mask;
    for (let k = this.slots[j]; k !== undefined; k = this.slots[j]) {
      if (k.length === len && sameAt(k, s, from)) return k;
      j = (j + 1) & mask;
    }
    let v = s.slice(from, to);
    if (this.count >= this.max) {
      // full: start over (the strings given out stay as they are; the table holds what comes now)
      this.slots.fill(undefined);
      this.count = 0;
      j = h & mask;
    }
    // the table's own copy: a slice would keep the text it was cut from (a whole save) as long as the table
    v = this.keys ? propertyName(v) : ownText(v);
    this.slots[j] = v;
    this.count++;
    return v;
  }
}

const sameAt = (k: string, s: string, from: number) => {
  for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) !== s.charCodeAt(from + i)) return false;
  return true;
};

// the same characters as the string an object's key is held as
function propertyName(v: string): string {
  const o: Record<string, number> = {};
  o[v] = 0;
  return Object.keys(o)[0];
}
