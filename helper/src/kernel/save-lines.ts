// One reading of `iptables-save [-c]` text, line by line, for every reader of
// it (the firewall backend's drift check and host inspection): which table a
// line is in, chain declarations, and rules with their optional counters.
// `-A FOO` with no spec is a valid rule (it only counts packets): chain FOO.
export type SaveLine =
  | { kind: 'table'; table: string }
  | { kind: 'chain'; table: string; chain: string; policy: string }
  | { kind: 'rule'; table: string; chain: string; text: string; spec: string; packets: number; bytes: number };

// Calls `on` for each table header, chain declaration and rule, in order
// (each rule line as a SaveLine of its own: scanSaveAt without the cursor).
// `ctx` is passed to `on` with each line: a reader that keeps its state there
// passes a function made once, not a closure per call (V8 optimizes a closure
// made per call for that closure: a reader called per piece of a save would
// have its line handler compiled again for each reading).
export function scanSave<C = undefined>(text: string, on: (line: SaveLine, ctx: C) => void, table = '', ctx?: C): string {
  return scanSaveAt(text, lineOf, table, { on, ctx: ctx as C });
}
function lineOf<C>(l: SaveLineAt, w: { on: (line: SaveLine, ctx: C) => void; ctx: C }): void {
  w.on(l instanceof RuleAt ? { kind: 'rule', table: l.table, chain: l.chain, text: l.text, spec: l.spec, packets: l.packets, bytes: l.bytes } : l, w.ctx);
}

// A rule line where it stands: its text is `src` from `start` to `end`, its spec
// from `specStart` (`end` when it has none). One cursor per scan, moved from
// line to line: valid only while `on` runs (a reader keeps what it cut out).
export class RuleAt {
  readonly kind = 'rule';
  table = '';
  chain = '';
  src = '';
  start = 0;
  specStart = 0;
  end = 0;
  packets = 0;
  bytes = 0;
  get text(): string {
    return this.src.slice(this.start, this.end);
  }
  get spec(): string {
    return this.src.slice(this.specStart, this.end);
  }
}

// What scanSaveAt gives: a table header or chain declaration, or the cursor at a rule line.
export type SaveLineAt = Exclude<SaveLine, { kind: 'rule' }> | RuleAt;

// scanSave's one pass, a rule line given as the scan's cursor (RuleAt), not as a
// SaveLine with its text and spec cut out: a reader that copies the line
// (ownText) or reads its spec in place cut them for nothing (an object and two
// strings per rule, ~140 bytes, in every cold reading; docs/architecture.md,
// "Reading iptables-save"). Comments, COMMIT and blank lines are skipped. No
// array of lines is built: a 50,000-rule save is read in one pass over the
// string. A save read in pieces (cut at line ends) passes each piece the table
// the last one ended in. A rule line is read where it stands in `text`: its
// counters as digits, its chain the string of the rule before when it is the
// same, so it costs the strings a reader keeps and not one per part; a line
// with white space around it, or after its counters, is trimmed first
// (readLine), as it always was.
//
// The cursor is one object kept for every scan, not one made per scan: when
// the cursor a reading ran with died, V8 discarded the optimised code of the
// scan and of the readers it inlines ("weak objects" in --trace-deopt), so
// after each collection the next reading ran them in the interpreter and
// compiled them again on the second core, beside iptables-save (a table
// listing after a JSON one: helper CPU 90-160 -> 60-80 ms at 10,000 rules;
// docs/architecture.md, "Reading iptables-save"). A scan started inside
// another's `on` (none does) gets a cursor of its own.
let idleCursor: RuleAt | null = new RuleAt();
export function scanSaveAt<C = undefined>(text: string, on: (line: SaveLineAt, ctx: C) => void, table = '', ctx?: C): string {
  const at = idleCursor ?? new RuleAt();
  idleCursor = null;
  try {
    return scanWith(at, text, on, table, ctx as C);
  } finally {
    // nothing of the scanned text is kept past the scan: its table's and chain's
    // names are slices of it (V8 keeps a slice's whole text alive)
    at.src = at.table = at.chain = '';
    idleCursor = at;
  }
}
function scanWith<C>(at: RuleAt, text: string, on: (line: SaveLineAt, ctx: C) => void, table: string, ctx: C): string {
  let start = 0;
  let chain = '';
  at.src = text;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const c = text.charCodeAt(start);
    const s = start;
    start = end + 1;
    if ((c === 0x5b /* [ */ || c === 0x2d /* - */) && printable(text.charCodeAt(end - 1))) {
      let b = s;
      let packets = 0;
      let bytes = 0;
      if (c === 0x5b) {
        // `[packets:bytes] -A …` from iptables-save -c
        const close = text.indexOf(']', s);
        if (close < 0 || close >= end) continue;
        const colon = text.indexOf(':', s);
        const split = colon >= 0 && colon < close;
        packets = counter(text, s + 1, split ? colon : close);
        bytes = split ? counter(text, colon + 1, close) : 0;
        b = close + 1;
        while (b < end && text.charCodeAt(b) === 0x20) b++;
        if (b < end && text.charCodeAt(b) !== 0x2d) {
          table = readLine(text.slice(s, end).trim(), on, table, ctx as C, at);
          continue;
        }
      }
      if (!text.startsWith('-A ', b)) continue;
      let sp = text.indexOf(' ', b + 3);
      if (sp >= end) sp = -1;
      const chainEnd = sp < 0 ? end : sp;
      if (chainEnd === b + 3) continue;
      if (chainEnd - b - 3 !== chain.length || !text.startsWith(chain, b + 3)) chain = text.slice(b + 3, chainEnd);
      at.src = text;
      at.table = table;
      at.chain = chain;
      at.start = b;
      at.specStart = sp < 0 ? end : sp + 1;
      at.end = end;
      at.packets = packets;
      at.bytes = bytes;
      on(at, ctx as C);
    } else table = readLine(text.slice(s, end).trim(), on, table, ctx as C, at);
  }
  return table;
}

// neither white space nor past the end: a line ending in one is trimmed first
const printable = (c: number) => c > 0x20 && c < 0x7f;

// Number(text.slice(from, to)) || 0, without the slice for plain digits
function counter(text: string, from: number, to: number): number {
  if (to - from > 15) return Number(text.slice(from, to)) || 0; // beyond 2^53: Number's rounding
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return Number(text.slice(from, to)) || 0;
    n = n * 10 + d;
  }
  return n;
}

// One trimmed line: a table header, a chain, a rule; returns the table after it.
function readLine<C>(line: string, on: (line: SaveLineAt, ctx: C) => void, table: string, ctx: C, at: RuleAt): string {
  if (!line || line[0] === '#' || line === 'COMMIT') return table;
  const c = line[0];
  if (c === '*') {
    table = line.slice(1).trim();
    on({ kind: 'table', table }, ctx);
  } else if (c === ':') {
    const sp = line.indexOf(' ');
    const chain = sp < 0 ? line.slice(1) : line.slice(1, sp);
    const policy = sp < 0 ? '-' : line.slice(sp + 1).split(' ')[0];
    on({ kind: 'chain', table, chain, policy }, ctx);
  } else {
    let packets = 0;
    let bytes = 0;
    let body = line;
    if (c === '[') {
      // `[packets:bytes] -A …` from iptables-save -c
      const close = line.indexOf(']');
      const colon = line.indexOf(':');
      if (close < 0) return table;
      packets = Number(line.slice(1, colon > 0 && colon < close ? colon : close)) || 0;
      bytes = colon > 0 && colon < close ? Number(line.slice(colon + 1, close)) || 0 : 0;
      body = line.slice(close + 1).trimStart();
    }
    if (!body.startsWith('-A ')) return table;
    const sp = body.indexOf(' ', 3);
    const chain = sp < 0 ? body.slice(3) : body.slice(3, sp);
    if (!chain) return table;
    at.src = body;
    at.table = table;
    at.chain = chain;
    at.start = 0;
    at.specStart = sp < 0 ? body.length : sp + 1;
    at.end = body.length;
    at.packets = packets;
    at.bytes = bytes;
    on(at, ctx);
  }
  return table;
}

// A line's own copy of its text, not a slice of the save (a slice keeps the
// whole save, megabytes, alive as long as the rule: a memo that keeps rules
// of many readings would keep each of their saves). The copy is the text
// joined from two parts and flattened (read as a number, as pino's flatstr
// does): V8 copies the characters into one new string and leaves the join
// pointing at it, and its collector then has every reference to the join
// point at that string itself (a flattened join is not kept). So a line costs one
// string of its length; a slice of a copy (' ' + s).slice(1), as before, cost
// that copy and the slice besides, each of tens of thousands kept by the memo.
export const ownText = (s: string): string => ownRange(s, 0, s.length);
// ownText(src.slice(start, end)), without that slice first (a string under 2
// characters is never a slice of another: V8 keeps those whole)
export const ownRange = (src: string, start: number, end: number): string =>
  end - start < 2 ? src.slice(start, end) : flat(src.slice(start, start + 1) + src.slice(start + 1, end));

// A piece of a save as bytes, for a reader that copies most of its lines (a cold
// reading): when the piece is ASCII (a character is then a byte), a line's own
// copy is one string read from the bytes, exactly its size, where ownRange made a
// slice, a join and the copy (~60 bytes of garbage a line, and the flattening).
// The bytes are the piece's until the next load; a piece over MAX_BYTES, or not
// ASCII, is copied by ownRange (the buffer stays the size of a pipe's piece).
const MAX_BYTES = 256 * 1024;
export class SaveBytes {
  private buf = Buffer.allocUnsafe(0);
  private src: string | null = null;
  load(text: string): void {
    this.src = null;
    if (text.length > MAX_BYTES || Buffer.byteLength(text, 'utf8') !== text.length) return;
    if (this.buf.length < text.length) this.buf = Buffer.allocUnsafe(Math.max(text.length, 32 * 1024));
    this.buf.write(text, 0, text.length, 'latin1');
    this.src = text;
  }
  // ownRange(src, start, end), from the bytes when `src` is the piece loaded
  own(src: string, start: number, end: number): string {
    return src === this.src ? this.buf.toString('latin1', start, end) : ownRange(src, start, end);
  }
  unload(): void {
    this.src = null;
  }
}

// `s` with its characters in one piece (see ownText). The number is stored where
// the optimizing compiler cannot drop it: unused, it dropped the conversion, and
// with it the flattening (a join then kept the slice of the save it was made of).
const sink = { n: 0 };
export function flat(s: string): string {
  sink.n = (s as unknown as number) | 0;
  return s;
}
