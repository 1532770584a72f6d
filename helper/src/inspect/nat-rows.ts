import type { FirewallRule } from '../../../src/shared/inspect';
import { firstByKey, MatchByPlace, positionOf } from '../../../src/shared/match-by-place';

// `berth nat ls`'s rows kept from one listing to the next (docs/architecture.md,
// "How a request flows"): a host's next listing is mostly the same rules, so a
// rule whose row would come out the same is not formatted again; its bytes
// are copied. A kept row is reused while its rule has the same place (family,
// table, chain, position: its id), text, owner, evidence, engine object and
// mapping (what the row shows besides its counters; the rest is read from
// the text). Counters move on a busy host between listings: a row gets the
// new ones spliced in (`,"packets":P,"bytes":B,` in the middle of a JSON
// row, the packets cell of a table row: LineFormat), written with the rest
// of its line into one new piece per page, with no object per line (at
// 10,000 rules: in-process CPU of such a JSON listing ~-30 %, a table's
// ~-20 %). Only iptables rules are kept (nft's are few and come whole from
// one JSON text).
//
// The rows are looked up in the order the last whole listing wrote them
// (iptables-save prints the same order each time), by place, else by index
// (src/shared/match-by-place.ts): a rule is compared with the row after the
// last one found, and only when that is not it (a rule inserted or removed
// before it) looked up by id. A Map lookup per rule
// hashed a new id string each time, which cost about what it saved.
//
// A row is one object per rule and one per format it was listed in, its
// line a range of the piece of output it was last written in (no Buffer view
// per line), changed in place from then on: what a listing keeps outlives
// V8's young generation, and each object kept is copied by it twice before
// it settles (the helper's semi-space is small, helper-node-flags.ts).
//
// What it holds: at 10,000 rules the pieces of the last listings (~5 MB of
// JSON, ~1.5 MB of table) as bytes outside V8's heap and ~10,000 small
// objects, dropped IDLE_MS after the last listing.
const IDLE_MS = 30_000;
// rows looked at by `covers`
const SAMPLES = 16;

// A row's line in one format: [start, end) of the piece of output it was
// last written in, with its newline; the counters it shows, and where they
// stand in it (`at` from the line's start, -1 until a splice first looks).
class KeptLine {
  at = -1;
  len = 0; // the length of the counters' text there
  constructor(
    public piece: Buffer,
    public start: number,
    public end: number,
    public packets: number,
    public bytes: number,
  ) {}
}

class Row {
  asJson: KeptLine | null = null; // its line in each format, once made
  asTable: KeptLine | null = null;
  constructor(
    readonly id: string, // the rule's place, as its id says it: family/table/chain/position
    readonly family: string,
    readonly table: string,
    readonly chain: string,
    readonly position: number,
    readonly text: string,
    readonly owner: string,
    readonly evidence: string,
    readonly object: string,
    readonly mapping: string | null,
  ) {}
}

const objectKey = (r: FirewallRule) => (r.ownerObject === undefined ? '' : r.ownerObject === null ? 'null' : `${r.ownerObject.kind}\0${r.ownerObject.id}\0${r.ownerObject.name}`);
const same = (row: Row, r: FirewallRule) =>
  row.position === r.position && row.text === r.text && row.chain === r.chain && row.table === r.table && row.family === r.family &&
  row.owner === r.owner && row.evidence === r.ownerEvidence && row.mapping === r.mapping && row.object === objectKey(r);
const byId = (rows: Row[]) => new MatchByPlace(rows, firstByKey((row: Row) => row.id));

export class RowCache {
  last = byId([]); // the last whole listing's rows, in its order
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly idleMs = IDLE_MS) {}

  begin(): RowListing {
    this.touch();
    return new RowListing(this);
  }

  get size(): number {
    return this.last.items.length;
  }

  // how many kept rows have a line in this format
  lines(format: 'json' | 'table'): number {
    let n = 0;
    for (const row of this.last.items) if ((format === 'json' ? row.asJson : row.asTable) !== null) n++;
    return n;
  }

  // Whether the kept rows are these rules' in this format, judged by SAMPLES of
  // them spread over the list, each against the row at its place (a listing
  // keeps its rows in the order the save printed the rules): rows of a format
  // listed before the host changed are not (a count of rows with lines was
  // taken for these and no rows were made ahead after such a change).
  covers(rules: readonly FirewallRule[], format: 'json' | 'table'): boolean {
    const rows = this.last.items;
    if (rows.length !== rules.length) return false;
    for (let s = 0; s < SAMPLES; s++) {
      const k = Math.floor((s * (rules.length - 1)) / (SAMPLES - 1));
      const row = rows[k];
      if (!row || (format === 'json' ? row.asJson : row.asTable) === null || !same(row, rules[k])) return false;
    }
    return true;
  }

  clear(): void {
    this.last = byId([]);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  // a listing of every rule ended: its rows are the ones kept
  replace(rows: Row[]): void {
    this.last = byId(rows);
    this.touch();
  }

  private touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), this.idleMs);
    this.timer.unref();
  }
}

// Runs of lines that are bytes already (kept as they were, or made for this
// page) at least this long go out as views of the piece they are in, not
// copied, and so does a lone run between two such: a listing like the last
// one then makes ~no new bytes (5 MB of JSON at 10,000 rules), and leaves
// none for a full collection to free after it (release-memory.ts counts
// such bytes).
const VIEW_BYTES = 16 * 1024;

// How a format's line shows a rule's counters (nat-text.ts: JSON's
// `,"packets":P,"bytes":B,`, the table's packets cell): a kept line whose
// counters moved gets the new ones spliced in their place, the rest of the
// line copied as it was (every other cell is the same: the row is the rule's).
export interface LineFormat {
  readonly name: 'json' | 'table';
  // whether a line made with these counters shows r's
  shows(packets: number, bytes: number, r: FirewallRule): boolean;
  // the counters' text in a line (ASCII); null: no line shows them by a splice (it is made)
  counters(packets: number, bytes: number): string | null;
  // where the counters' text `was` starts in the line [start, end) of `piece`, made for r; -1: not as made
  locate(piece: Buffer, start: number, end: number, r: FirewallRule, was: string): number;
}

// What a page's line is: made now, a kept one as it is, a kept one with new counters
const MAKE = 0;
const KEPT = 1;
const SPLICE = 2;
// A page's rules asked of the kept rows (RowListing.ask): each one's row
// (-1: none, an nft rule), what its line is, a spliced one's new counters'
// text, and the rules whose lines are to be made.
export interface Asked {
  format: LineFormat;
  rules: FirewallRule[];
  slots: Int32Array;
  kinds: Uint8Array;
  texts: (string | null)[];
  made: FirewallRule[];
}

// One listing's use of the kept rows; its rules come in order, a page at a
// time: ask() says which lines are to be made, out() takes them made and
// answers the page's bytes, keeping where each line now is.
export class RowListing {
  private at = 0; // where the next rule is looked for first
  private rows: Row[] = [];
  // the rule being looked for, and find's two tests made once per listing:
  // closures made per rule were ~20,000 allocations of a listing's ~9 MB
  private asked: FirewallRule | null = null;
  private readonly isIt = (row: Row) => same(row, this.asked!);
  // the row after the last one found has the rule's place but not its
  // line (a rule changed where it stands; every rule, after a kube-proxy
  // resync or on a host read cold): that place's row is that one, and
  // no lookup by id (the Map of every row's id) is needed to know it
  private readonly lookup = () => {
    const last = this.cache.last;
    const id = this.asked!.id;
    return last.items[this.at]?.id === id ? -1 : positionOf(last.indexed(), id);
  };
  constructor(private readonly cache: RowCache) {}

  // the rule's row, found or made, as the last of this listing's rows
  private row(r: FirewallRule): Row {
    const last = this.cache.last;
    this.asked = r;
    const i = last.find(this.at, this.isIt, this.lookup);
    this.asked = null;
    let row = i >= 0 ? last.items[i] : undefined;
    if (row && (i === this.at || same(row, r))) this.at = i;
    else row = new Row(r.id, r.family, r.table, r.chain, r.position, r.text, r.owner, r.ownerEvidence, objectKey(r), r.mapping);
    this.at++;
    this.rows.push(row);
    return row;
  }

  ask(rules: FirewallRule[], format: LineFormat): Asked {
    const n = rules.length;
    const a: Asked = { format, rules, slots: new Int32Array(n), kinds: new Uint8Array(n), texts: new Array<string | null>(n).fill(null), made: [] };
    for (let i = 0; i < n; i++) {
      const r = rules[i];
      let kind = MAKE;
      if (r.source !== 'iptables') a.slots[i] = -1;
      else {
        const row = this.row(r);
        a.slots[i] = this.rows.length - 1;
        const line = format.name === 'json' ? row.asJson : row.asTable;
        if (line) kind = this.kindOf(line, r, a, i);
      }
      a.kinds[i] = kind;
      if (kind === MAKE) a.made.push(r);
    }
    return a;
  }

  // how `line` serves r: as it is, or with r's counters spliced in (their text
  // to a.texts[i]; where the old ones stand is looked for once per line), else not
  private kindOf(line: KeptLine, r: FirewallRule, a: Asked, i: number): number {
    const { format } = a;
    if (format.shows(line.packets, line.bytes, r)) return KEPT;
    const now = format.counters(r.packets, r.bytes);
    if (now === null) return MAKE;
    if (line.at < 0) {
      const was = format.counters(line.packets, line.bytes);
      const at = was === null ? -1 : format.locate(line.piece, line.start, line.end, r, was);
      if (at < 0) return MAKE;
      line.at = at - line.start;
      line.len = was!.length;
    }
    a.texts[i] = now;
    return SPLICE;
  }

  // The page's bytes to send, in order. `made` holds `head` bytes to go
  // first (the table's header), then the made lines one after another from
  // `first`, the m-th ending at ends[m]. Lines that are bytes already go out
  // as views in runs of VIEW_BYTES or more; the others (shorter runs, and
  // kept lines with new counters) are written into one new piece. Each row's
  // line is then the bytes it went out as.
  out(a: Asked, made: Buffer, first: number, ends: number[], head = 0): Buffer[] {
    const { rules, kinds, texts } = a;
    const h = head ? 1 : 0;
    const n = rules.length + h;
    // each line's bytes now: [start, end) of piece, and whether they follow the line before's there
    const pieces: Buffer[] = new Array<Buffer>(n);
    const starts = new Int32Array(n);
    const endsAt = new Int32Array(n);
    const size = new Int32Array(n); // what it takes in the new piece
    const follows = new Uint8Array(n);
    if (h) {
      pieces[0] = made;
      endsAt[0] = size[0] = head;
    }
    for (let i = 0, m = 0, from = first; i < rules.length; i++) {
      const e = i + h;
      if (kinds[i] === MAKE) {
        pieces[e] = made;
        starts[e] = from;
        endsAt[e] = from = ends[m++];
      } else {
        const line = this.lineOf(a, i)!;
        pieces[e] = line.piece;
        starts[e] = line.start;
        endsAt[e] = line.end;
      }
      size[e] = endsAt[e] - starts[e];
      if (kinds[i] === SPLICE) size[e] += texts[i]!.length - this.lineOf(a, i)!.len;
      else follows[e] = e > 0 && kinds[e - 1 - h] !== SPLICE && pieces[e - 1] === pieces[e] && endsAt[e - 1] === starts[e] ? 1 : 0;
    }
    // runs of lines (a spliced line is a run of its own): of VIEW_BYTES or
    // more they are views; so is a lone run between two views
    const runs: number[] = []; // the first line of each, then n
    const runBytes: number[] = [];
    const isView: number[] = []; // 0: written into the new piece, 1: a view (2: a lone one)
    for (let e = 0; e < n; e++) {
      if (follows[e]) {
        runBytes[runBytes.length - 1] += size[e];
        continue;
      }
      runs.push(e);
      runBytes.push(size[e]);
      isView.push(e >= h && kinds[e - h] === SPLICE ? -1 : 0); // -1: spliced, never a view
    }
    runs.push(n);
    const nruns = isView.length;
    for (let k = 0; k < nruns; k++) if (isView[k] === 0 && runBytes[k] >= VIEW_BYTES) isView[k] = 1;
    let fresh = 0;
    for (let k = 0; k < nruns; k++) {
      if (isView[k] === 0 && (k === 0 || isView[k - 1] > 0) && (k === nruns - 1 || isView[k + 1] > 0)) isView[k] = 2;
      if (isView[k] <= 0) fresh += runBytes[k];
    }
    const into = fresh ? Buffer.allocUnsafe(fresh) : made;
    const out: Buffer[] = [];
    let pos = 0;
    let since = 0; // the new piece's bytes from there are not out yet
    for (let k = 0; k < nruns; k++) {
      if (isView[k] > 0) {
        if (pos > since) out.push(into.subarray(since, (since = pos)));
        const e0 = runs[k];
        const piece = pieces[e0];
        out.push(piece.subarray(starts[e0], endsAt[runs[k + 1] - 1]));
        // a kept line stays where it is; a made one is kept there
        for (let e = Math.max(e0, h); e < runs[k + 1]; e++) if (kinds[e - h] === MAKE) this.keep(a, e - h, piece, starts[e], endsAt[e]);
        continue;
      }
      for (let e = runs[k]; e < runs[k + 1]; e++) {
        const i = e - h;
        const piece = pieces[e];
        const at = pos;
        if (i >= 0 && kinds[i] === SPLICE) {
          const line = this.lineOf(a, i)!;
          pos += piece.copy(into, pos, starts[e], starts[e] + line.at);
          pos += into.write(texts[i]!, pos, 'latin1');
          pos += piece.copy(into, pos, starts[e] + line.at + line.len, endsAt[e]);
        } else pos += piece.copy(into, pos, starts[e], endsAt[e]);
        if (i >= 0) this.keep(a, i, into, at, pos);
      }
    }
    if (pos > since) out.push(into.subarray(since, pos));
    return out;
  }

  private lineOf(a: Asked, i: number): KeptLine | null {
    const slot = a.slots[i];
    if (slot < 0) return null;
    const row = this.rows[slot];
    return a.format.name === 'json' ? row.asJson : row.asTable;
  }

  // rule i's line is now [start, end) of piece
  private keep(a: Asked, i: number, piece: Buffer, start: number, end: number): void {
    const slot = a.slots[i];
    if (slot < 0) return;
    const r = a.rules[i];
    const kind = a.kinds[i];
    if (kind === MAKE) {
      const line = new KeptLine(piece, start, end, r.packets, r.bytes);
      if (a.format.name === 'json') this.rows[slot].asJson = line;
      else this.rows[slot].asTable = line;
      return;
    }
    const line = this.lineOf(a, i)!;
    line.piece = piece;
    line.start = start;
    line.end = end;
    if (kind === SPLICE) {
      line.packets = r.packets;
      line.bytes = r.bytes;
      line.len = a.texts[i]!.length;
    }
  }

  // every rule was listed (or, rows made ahead of a listing, those made so far):
  // this listing's rows are the ones kept
  end(): void {
    this.open = false;
    this.cache.replace(this.rows);
  }
  open = true; // end() not called yet
}
