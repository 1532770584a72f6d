import { optionAt, Words } from './spec-words';

// A table listing on a helper with no memo (docs/decisions.md, "A cold table
// listing reads no rule's options"): a rule's row shows its table, chain,
// position, owner, counters and text, and most rules' owner is what their
// comment, chain or jump says (owner.ts ownerBeforeInterfaces). Such a rule
// is read lean: its target and comment only, in place, with no object of
// matches and no copy of its line. The rest are read whole: a NAT target's
// (a mapping to decode, a hairpin's DNAT), one owned by its interfaces, and
// any spec this reader does not read as the full one would.

// A lean rule's matches and target arguments: not read. Frozen and shared,
// so a lean rule is told by `r.matches === UNREAD`; what needs them reads the
// rule again whole (iptables-parse.ts readWhole).
export const UNREAD: Record<string, string> = Object.freeze({}) as Record<string, string>;

// Targets whose rules have a mapping (nat-decode.ts) or may be a hairpin (build.ts ownHairpins)
const MAPPED = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT']);

export class LeanReader {
  target = '';
  comment: string | null = null;
  private w = new Words('');

  // Reads spec[from, end) as SpecReader.read would for its target and comment
  // (the first -j/-g's value; the matches' `comment`, one word); false when
  // the rule is to be read whole (its target maps, a value of either is more
  // than one word, a comment repeats, an option is quoted).
  read(spec: string, from: number, end: number): boolean {
    const w = this.w;
    w.reset(spec, from, end);
    this.target = '';
    this.comment = null;
    let negate = false;
    let more = w.next();
    while (more) {
      if (!w.plain) return false; // an option or `!` in quotes: never iptables-save's
      const s = w.start;
      const e = w.end;
      if (e - s === 1 && spec.charCodeAt(s) === 0x21) {
        negate = true;
        more = w.next();
        continue;
      }
      if (!optionAt(spec, s, e)) {
        more = w.next(); // a stray value
        continue;
      }
      const name = spec.charCodeAt(s + 1) === 0x2d ? s + 2 : s + 1;
      const jump = e - name === 1 && (spec.charCodeAt(name) === 0x6a /* j */ || spec.charCodeAt(name) === 0x67 /* g */);
      const comment = !negate && e - name === 7 && spec.startsWith('comment', name);
      negate = false;
      // the value: the words up to the next option (one, or none, is all this reader takes)
      let words = 0;
      let value = '';
      while ((more = w.next()) && !w.isOption()) {
        if (++words > 1) break;
        if (jump || comment) value = w.plain ? spec.slice(w.start, w.end) : w.text();
      }
      if (words > 1 && (jump || comment)) return false;
      if (jump) {
        this.target = value;
        // what follows is the target's arguments: no more matches
        return !MAPPED.has(value);
      }
      if (comment) {
        if (this.comment !== null) return false; // joined with the one before by the full reader
        this.comment = value;
      }
      // a value of more than one word: on to the next option
      if (words > 1) while ((more = w.next()) && !w.isOption());
    }
    return true;
  }
}
