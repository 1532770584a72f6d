// One reading of `iptables-save [-c]` text, line by line, for every reader of
// it (the firewall backend's drift check and host inspection): which table a
// line is in, chain declarations, and rules with their optional counters.
// `-A FOO` with no spec is a valid rule (it only counts packets): chain FOO.
export type SaveLine =
  | { kind: 'table'; table: string }
  | { kind: 'chain'; table: string; chain: string; policy: string }
  | { kind: 'rule'; table: string; chain: string; text: string; spec: string; packets: number; bytes: number };

// Calls `on` for each table header, chain declaration and rule, in order.
// Comments, COMMIT and blank lines are skipped. No array of lines is built:
// a 50,000-rule save is read in one pass over the string. A save read in
// pieces (cut at line ends) passes each piece the table the last one ended in.
// A rule line is read where it stands in `text` (docs/architecture.md,
// "Reading iptables-save"): its counters as digits, its chain the string of
// the rule before when it is the same, so it costs the strings it keeps
// (text, spec) and not one per part; a line with white space around it, or
// after its counters, is trimmed first (readLine), as it always was.
//
// `ctx` is passed to `on` with each line: a reader that keeps its state there
// passes a function made once, not a closure per call (V8 optimizes a closure
// made per call for that closure: a reader called per piece of a save would
// have its line handler compiled again for each reading).
export function scanSave<C = undefined>(text: string, on: (line: SaveLine, ctx: C) => void, table = '', ctx?: C): string {
  let start = 0;
  let chain = '';
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
          table = readLine(text.slice(s, end).trim(), on, table, ctx as C);
          continue;
        }
      }
      if (!text.startsWith('-A ', b)) continue;
      let sp = text.indexOf(' ', b + 3);
      if (sp >= end) sp = -1;
      const chainEnd = sp < 0 ? end : sp;
      if (chainEnd === b + 3) continue;
      if (chainEnd - b - 3 !== chain.length || !text.startsWith(chain, b + 3)) chain = text.slice(b + 3, chainEnd);
      on({ kind: 'rule', table, chain, text: text.slice(b, end), spec: sp < 0 ? '' : text.slice(sp + 1, end), packets, bytes }, ctx as C);
    } else table = readLine(text.slice(s, end).trim(), on, table, ctx as C);
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
function readLine<C>(line: string, on: (line: SaveLine, ctx: C) => void, table: string, ctx: C): string {
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
    on({ kind: 'rule', table, chain, text: body, spec: sp < 0 ? '' : body.slice(sp + 1), packets, bytes }, ctx);
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
export const ownText = (s: string): string => flat(s.slice(0, 1) + s.slice(1));

// `s` with its characters in one piece (see ownText). The number is stored where
// the optimizing compiler cannot drop it: unused, it dropped the conversion, and
// with it the flattening (a join then kept the slice of the save it was made of).
const sink = { n: 0 };
export function flat(s: string): string {
  sink.n = (s as unknown as number) | 0;
  return s;
}
