// The words of an iptables-save rule's spec, read in place (iptables-parse.ts
// SpecReader, lean-rule.ts).

// Options iptables-save prints with no value; everything else takes the
// words up to the next option (`--tcp-flags FIN,SYN SYN`, `--match-set s dst`).
// Character tests, not a regex per word: this runs for every word of every rule.
const isLetter = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
export const isOption = (w: string) => w === '!' || (w[0] === '-' && (isLetter(w[1]) || (w[1] === '-' && isLetter(w[2]))));

// A rule's spec is read in place, word by word as iptables-restore splits it
// (inspect/tokens.ts splitWords: spaces and tabs outside double quotes part
// words, a backslash escapes the next character), with no array of words: a
// value is the words up to the next option joined by single spaces, which
// for words with no quote or escape, one space apart (nearly all), is the
// slice of the spec from the first to the last; only others are rebuilt.
// Repeated short values and option names are shared (SpecReader). docs/architecture.md, "Reading
// iptables-save".
const isLetterAt = (s: string, i: number) => {
  const c = s.charCodeAt(i) | 0x20; // NaN (past the end) | 0x20 is 0x20: no letter
  return c >= 0x61 && c <= 0x7a;
};
// isOption for the plain word spec[s, e)
export const optionAt = (spec: string, s: number, e: number) =>
  spec.charCodeAt(s) === 0x21 /* ! */ ? e - s === 1
    : spec.charCodeAt(s) === 0x2d /* - */ && ((s + 1 < e && isLetterAt(spec, s + 1)) || (s + 2 < e && spec.charCodeAt(s + 1) === 0x2d && isLetterAt(spec, s + 2)));

// The words of a spec, one at a time: [start, end) in the spec and whether it
// is plain (no quote or backslash: the word is that slice).
export class Words {
  start = 0;
  end = 0;
  plain = true;
  private pos = 0;
  private unquoted: string | null = null; // text() of a word that is not plain, read once
  private limit = 0; // where the spec ends in `spec` (a line of a save read in place ends before it)
  constructor(public spec: string) {}

  // the words of another spec (one reader for the rules of a save): spec[from, end)
  reset(spec: string, from = 0, end = spec.length): void {
    this.spec = spec;
    this.pos = from;
    this.limit = end;
    this.unquoted = null;
  }

  next(): boolean {
    const { spec } = this;
    const n = this.limit;
    let i = this.pos;
    while (i < n && (spec.charCodeAt(i) === 0x20 || spec.charCodeAt(i) === 0x09)) i++;
    if (i >= n) return false;
    const start = (this.start = i);
    let plain = true;
    let quoted = false;
    let quotes = 0;
    let escaped = false;
    for (; i < n; i++) {
      const c = spec.charCodeAt(i);
      if (c === 0x5c /* \ */ && i + 1 < n) {
        plain = false;
        escaped = true;
        i++;
      } else if (c === 0x22 /* " */) {
        plain = false;
        quoted = !quoted;
        quotes++;
      } else if (!quoted && (c === 0x20 || c === 0x09)) break;
    }
    this.end = this.pos = i;
    this.plain = plain;
    // "…" with no quote or escape inside (a Kubernetes comment): the slice between the quotes
    this.unquoted = !escaped && quotes === 2 && spec.charCodeAt(start) === 0x22 && spec.charCodeAt(i - 1) === 0x22 ? spec.slice(start + 1, i - 1) : null;
    return true;
  }

  // the word as iptables-restore reads it (quotes and escapes undone)
  text(): string {
    if (this.plain) return this.spec.slice(this.start, this.end);
    return (this.unquoted ??= unquote(this.spec, this.start, this.end));
  }

  isOption(): boolean {
    return this.plain ? optionAt(this.spec, this.start, this.end) : isOption(this.text());
  }
}

// splitWords' reading of the one word spec[s, e), in one flat string (a
// string built by += is a tree of pieces, each kept as long as the rule): its
// characters written to a reused buffer and read back as one string, the one
// allocation (a CNI comment, `"dnat name: \"cni\" id: \"…\""`, cut in pieces
// and joined was ~430 bytes of garbage per rule); a word with a character
// beyond Latin-1 is joined from its pieces.
let scratch = Buffer.allocUnsafe(512);
// (A word ends right after a backslash only where its spec ends, Words.next: so
// `e` is where the spec ends for it, whether the spec is a line of its own or a
// line read in place in a piece of a save.)
function unquote(spec: string, s: number, e: number): string {
  if (e - s > scratch.length) scratch = Buffer.allocUnsafe(e - s);
  let n = 0;
  for (let i = s; i < e; i++) {
    let c = spec.charCodeAt(i);
    if (c === 0x5c && i + 1 < e) c = spec.charCodeAt(++i);
    else if (c === 0x22) continue;
    if (c > 0xff) return unquotePieces(spec, s, e);
    scratch[n++] = c;
  }
  return scratch.toString('latin1', 0, n);
}
function unquotePieces(spec: string, s: number, e: number): string {
  const pieces: string[] = [];
  let from = s;
  for (let i = s; i < e; i++) {
    const c = spec.charCodeAt(i);
    if (c === 0x5c && i + 1 < e) {
      pieces.push(spec.slice(from, i), spec[i + 1]);
      from = ++i + 1;
    } else if (c === 0x22) {
      pieces.push(spec.slice(from, i));
      from = i + 1;
    }
  }
  pieces.push(spec.slice(from, e));
  return pieces.join('');
}

