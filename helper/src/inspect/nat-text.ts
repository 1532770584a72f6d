import type { FirewallRule } from '../../../src/shared/inspect';
import { tableCell, tableLine, truncate } from '../../../src/shared/text-table';
import type { LineFormat, RowListing } from './nat-rows';
import { Utf8Writer } from './utf8-writer';

// `berth nat ls`'s output, written in the helper a piece at a time as the
// rules are read (nat.text, docs/architecture.md "How a request flows"): the
// CLI writes each piece as it comes, and the pieces joined are the whole output.
export type NatTextFormat = 'raw' | 'json' | 'table';

// as iptables-save prints it, after its table; nft's as `nft list ruleset` prints it, after "family table:"
export const rawLine = (r: FirewallRule) => `${r.source === 'iptables' ? `*${r.table} ` : `${r.table}: `}${r.text}`;

// JSON as Docker's and Berth's own lists print it (`docker ps --format json`,
// `berth network ls --format json`): one object per line, nothing around
// them, so any piece is whole lines and a reader may take a line at a time.
// One JSON.stringify per piece, made bytes at once and split there where one
// rule's object ends and the next begins: `},{"` is nowhere else in it (a
// rule holds no array of objects, and in a string every `"` is escaped), and
// `}\n{"` is as long, so the comma becomes the line end in place. A third of
// the bytes of the indented array this was; less of the helper's CPU than a
// JSON.stringify per rule, and than splitting the string (two more copies of
// it in V8's heap, each collected, before it became bytes).
// With `rows` (nat-rows.ts), a rule whose line was made before is taken
// from there (its counters spliced in when they moved: JSON_LINE), and the
// others' lines (ranges of this piece) are kept there. The lines come as
// Buffers to send in order (RowListing.out: kept runs are views).
const BETWEEN = Buffer.from('},{"');
export function jsonLines(page: FirewallRule[], rows?: RowListing): Buffer[] {
  const asked = rows?.ask(page, JSON_LINE);
  const made = asked ? asked.made : page;
  const b = made.length ? Buffer.from(JSON.stringify(made)) : NO_BYTES;
  const ends: number[] = [];
  for (let i = b.indexOf(BETWEEN); i >= 0; i = b.indexOf(BETWEEN, i + 4)) {
    b[i + 1] = 0x0a;
    if (rows) ends.push(i + 2);
  }
  if (b.length) b[b.length - 1] = 0x0a; // the closing `]`: the last line's end
  if (!rows) return b.length ? [b.subarray(1)] : [];
  ends.push(b.length);
  return rows.out(asked!, b, 1, ends);
}
const NO_BYTES = Buffer.alloc(0);

// A rule's counters in its JSON line: the last `,"packets":` of the line
// (every later key's value is a string or an object of strings, where a `"`
// is escaped) and the bytes after it, as JSON.stringify writes them (a
// number's JSON is its String but where it is not finite).
const PACKETS = Buffer.from(',"packets":');
export const JSON_LINE: LineFormat = {
  name: 'json',
  shows: (packets, bytes, r) => packets === r.packets && bytes === r.bytes,
  counters: (packets, bytes) => (Number.isFinite(packets) && Number.isFinite(bytes) ? `,"packets":${packets},"bytes":${bytes},` : null),
  locate(piece, start, end, _r, was) {
    const at = end - start < PACKETS.length ? -1 : piece.lastIndexOf(PACKETS, end - PACKETS.length);
    return at >= start && piece.toString('latin1', at, at + was.length) === was ? at : -1;
  },
};

// The table. Its columns have fixed widths, the widest each column's values
// usually are, so every line is written as soon as its rule is read, as
// `docker ps` writes its fixed-width IDs: a longer cell is cut with "…"
// (numbers never are: a longer one pushes the rest of its line). With
// --no-trunc (`measured`) every cell is whole and the columns are as wide as
// their widest cell over all the rules, so the table is written at the end.
export const TABLE_HEADERS = ['TABLE', 'CHAIN', '#', 'OWNER', 'PKTS', 'MAPPING / RULE'];
// iptables' tables (security is the longest) and nft's "ip6 filter";
// 28: iptables' longest chain name (XT_EXTENSION_MAXNAMELEN - 1), e.g.
// Kubernetes' KUBE-SEP-<16 characters>; an owner and the name of its object,
// "docker (shop-web)"; a position of 5 digits, counters to 9,999,999,999.
export const FIXED_WIDTHS = [10, 28, 5, 24, 10];
// the rule after its chain when it maps nothing (cut at 80 unless --no-trunc)
const RULE_WIDTH = 80;

const ownerCell = (r: FirewallRule) => (r.ownerObject ? `${r.owner} (${r.ownerObject.name})` : r.owner);
const lastCell = (r: FirewallRule, trunc: boolean) => {
  if (r.mapping) return r.mapping;
  const rule = r.text.slice(afterChain(r.text));
  return trunc ? truncate(rule, RULE_WIDTH) : rule;
};
// where the rule's text goes on after `-A CHAIN ` (as /^-A \S+ / would cut it), else 0
function afterChain(t: string): number {
  if (!t.startsWith('-A ')) return 0;
  let i = 3;
  while (i < t.length && !isSpace(t.charCodeAt(i))) i++;
  return i > 3 && t.charCodeAt(i) === 0x20 ? i + 1 : 0;
}
// what \s matches: ASCII's spaces, or one of Unicode's
const isSpace = (c: number) => (c < 0x80 ? c === 0x20 || (c >= 0x09 && c <= 0x0d) : /\s/.test(String.fromCharCode(c)));

const PKTS = 4; // the packets column
// a rule's cells with FIXED_WIDTHS: cut to them
const fixedCells = (r: FirewallRule) => {
  const w = FIXED_WIDTHS;
  return [truncate(r.table, w[0]), truncate(r.chain, w[1]), String(r.position), truncate(ownerCell(r), w[3]), String(r.packets), lastCell(r, true)];
};

// the columns' widths over `rules` (--no-trunc): from the cells' lengths alone, no string made
export function measuredWidths(rules: FirewallRule[]): number[] {
  const widths = TABLE_HEADERS.slice(0, -1).map((h) => h.length);
  const grow = (i: number, n: number) => void (n > widths[i] && (widths[i] = n));
  for (const r of rules) {
    grow(0, r.table.length);
    grow(1, r.chain.length);
    grow(2, String(r.position).length);
    grow(3, r.owner.length + (r.ownerObject ? r.ownerObject.name.length + 3 : 0));
    grow(4, String(r.packets).length);
  }
  return widths;
}

// The table's lines for `rules`, the header first when `header`; `widths`
// is FIXED_WIDTHS (cells cut to them) or measuredWidths (nothing cut).
export function tableText(rules: FirewallRule[], widths: number[], header: boolean): string {
  if (widths === FIXED_WIDTHS) return fixedText(rules, header);
  const lines = rules.map((r) => tableLine([r.table, r.chain, String(r.position), ownerCell(r), String(r.packets), lastCell(r, false)], widths));
  if (header) lines.unshift(tableLine(TABLE_HEADERS, widths));
  return lines.join('\n');
}

// The fixed-width table's lines.
function fixedText(rules: FirewallRule[], header: boolean): string {
  const lines = rules.map((r) => tableLine(fixedCells(r), FIXED_WIDTHS));
  if (header) lines.unshift(FIXED_HEADER);
  return lines.join('\n');
}
const FIXED_HEADER = tableLine(TABLE_HEADERS, FIXED_WIDTHS);

// The same lines as bytes, each ending in a newline, written in place
// (utf8-writer.ts) from the rules' own strings: no cell, padding or line is
// a string of its own. Cells in an array, each padded to a new string, the
// line joined and trimmed (a flat copy), the text plus its newline (one more)
// and then its bytes were ~2.4 KB of V8's heap a rule, most of a cold
// listing's scavenges (docs/architecture.md, "Helper memory"). `ends`: where
// each line ends, header included.
const writer = new Utf8Writer();
const ELLIPSIS = [0xe2, 0x80, 0xa6]; // "…" in UTF-8
function fixedBytes(rules: FirewallRule[], header: boolean, ends: number[]): Buffer {
  const out = writer;
  const w = FIXED_WIDTHS;
  out.newlines = 0;
  if (header) {
    out.room(3 * FIXED_HEADER.length + 1);
    out.str(FIXED_HEADER);
    out.byte(0x0a);
    ends.push(out.pos);
  }
  for (const r of rules) {
    const text = r.text;
    const from = r.mapping ? 0 : afterChain(text);
    const last = r.mapping || text; // the last cell: [from, its end), cut at RULE_WIDTH when it is the rule
    const lastLen = last.length - from;
    const owner = r.ownerObject ? ownerCell(r) : r.owner;
    if (lastLen <= 0 || isSpace(last.charCodeAt(last.length - 1)) && (r.mapping || lastLen <= RULE_WIDTH)) {
      // a line trimmed at its end: tableLine's way
      const line = tableLine(fixedCells(r), w);
      out.room(3 * line.length + 1);
      out.str(line);
    } else {
      out.room(3 * (w[0] + w[1] + w[3] + RULE_WIDTH + last.length) + 200);
      cell(out, r.table, w[0], true);
      cell(out, r.chain, w[1], true);
      cell(out, String(r.position), w[2], false);
      cell(out, owner, w[3], true);
      cell(out, String(r.packets), w[4], false);
      if (r.mapping || lastLen <= RULE_WIDTH) out.str(last, from);
      else cut(out, last, from, RULE_WIDTH);
    }
    out.byte(0x0a);
    ends.push(out.pos);
  }
  return out.take();
}
// a cell, cut to `width` when `cuts` (a number never is: a longer one pushes
// the rest of its line), padded as tableCell pads it
function cell(out: Utf8Writer, s: string, width: number, cuts: boolean): void {
  if (cuts && s.length > width) {
    cut(out, s, 0, width);
    out.spaces(3);
  } else {
    out.str(s);
    out.spaces(width + 3 - s.length);
  }
}
// s[from, ...) cut to n characters as truncate cuts it
function cut(out: Utf8Writer, s: string, from: number, n: number): void {
  out.str(s, from, from + n - 1);
  for (const b of ELLIPSIS) out.byte(b);
}

// tableText with fixed widths as bytes to send in order, each line ending in
// a newline; with `rows`, lines made before are taken from there (their
// packets cell spliced in when they moved: TABLE_LINE), as jsonLines does,
// and new ones kept there.
export function tableBytes(rules: FirewallRule[], header: boolean, rows?: RowListing): Buffer[] {
  const asked = rows?.ask(rules, TABLE_LINE);
  const made = asked ? asked.made : rules;
  const ends: number[] = [];
  const b = made.length || header ? fixedBytes(made, header, ends) : NO_BYTES;
  if (!rows) return b.length ? [b] : [];
  // a line with a newline of its own (an nft rule's text might have one):
  // its rows are not kept then, and its piece not cut (the count is the last
  // fixedBytes call's: none made here, none to count; read stale, it sent
  // every page whose lines were all kept to be made again, rows unused)
  if (b !== NO_BYTES && writer.newlines !== ends.length) return [fixedBytes(rules, header, [])];
  const head = header ? ends.shift()! : 0;
  return rows.out(asked!, b, head, ends, head);
}

// A rule's packets in its fixed-width table line: the cell after the first
// four, as tableLine pads it; those four are the row's (nat-rows.ts same),
// so it starts where they end. A line that ends right after it (its last
// cell empty: the line trimmed) is made again.
export const TABLE_LINE: LineFormat = {
  name: 'table',
  shows: (packets, _bytes, r) => packets === r.packets,
  counters: (packets) => tableCell(String(packets), FIXED_WIDTHS[PKTS]),
  locate(piece, start, end, r, was) {
    const at = start + Buffer.byteLength(fixedCells(r).slice(0, PKTS).map((c, i) => tableCell(c, FIXED_WIDTHS[i])).join(''));
    return at + was.length < end && piece[at + was.length] !== 0x0a && piece.toString('latin1', at, at + was.length) === was ? at : -1;
  },
};
