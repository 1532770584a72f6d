import type { FirewallRule } from '../../../src/shared/inspect';
import { firstByKey, MatchByPlace, positionOf } from '../../../src/shared/match-by-place';

// `berth nat ls`'s rows kept from one listing to the next (docs/architecture.md,
// "How a request flows"): a host's next listing is mostly the same rules, so a
// rule whose row would come out the same is not formatted again; its bytes
// are copied. A kept row is reused while its rule has the same place (family,
// table, chain, position: its id), text, owner, evidence, engine object and
// mapping (what the row shows besides its counters; the rest is read from
// the text). Counters move on a busy host between listings: a JSON row gets
// the new ones spliced in (`"packets":P,"bytes":B` sits in the middle of the
// row), a table row (packets only) is made again. Only iptables rules are
// kept (nft's are few and come whole from one JSON text).
//
// The rows are looked up in the order the last whole listing wrote them
// (iptables-save prints the same order each time), by place, else by index
// (src/shared/match-by-place.ts): a rule is compared with the row after the
// last one found, and only when that is not it (a rule inserted or removed
// before it) looked up by id. A Map lookup per rule
// hashed a new id string each time, which cost about what it saved.
//
// A row is one object per rule, its line a range of the piece of output it
// was written in (no Buffer view per line): what a listing keeps outlives
// V8's young generation, and each object kept is copied by it twice before
// it settles (the helper's semi-space is small, helper-node-flags.ts).
//
// What it holds: at 10,000 rules the pieces of the last listings (~5 MB of
// JSON, ~1.5 MB of table) as bytes outside V8's heap and ~10,000 small
// objects, dropped IDLE_MS after the last listing.
const IDLE_MS = 30_000;

const NONE: Buffer = Buffer.alloc(0);
class Row {
  // the JSON line [jsonStart, jsonEnd) of jsonPiece, with its newline, and the counters in it
  jsonPiece: Buffer = NONE;
  jsonStart = 0;
  jsonEnd = 0;
  jsonPackets = 0;
  jsonBytes = 0;
  // the table line likewise; the packets it shows
  tablePiece: Buffer = NONE;
  tableStart = 0;
  tableEnd = 0;
  tablePackets = 0;
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
const PACKETS = Buffer.from(',"packets":');
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

// Runs of kept lines at least this long go out as views of the piece they
// were written in, not copied: a listing like the last one then makes ~no
// new bytes (5 MB of JSON at 10,000 rules), and leaves none for a full
// collection to free after it (release-memory.ts counts such bytes).
const VIEW_BYTES = 16 * 1024;

// Kept lines to send: pieces and ranges; out() gives them as few Buffers.
export class Lines {
  private pieces: Buffer[] = [];
  private ranges: number[] = [];
  private length = 0;
  // a line right after the one before in the same piece (rules listed as the
  // last time were made there together) extends its range: one copy for the run
  add(piece: Buffer, start: number, end: number): void {
    const n = this.pieces.length;
    if (n && this.pieces[n - 1] === piece && this.ranges[2 * n - 1] === start) {
      this.ranges[2 * n - 1] = end;
      this.length += end - start;
      return;
    }
    this.pieces.push(piece);
    this.ranges.push(start, end);
    this.length += end - start;
  }
  // the lines in order: a long run (or a lone range) as a view of its piece,
  // shorter runs between long ones copied into one Buffer together
  out(): Buffer[] {
    const out: Buffer[] = [];
    let from = 0; // the first range not out yet
    let bytes = 0; // the length of ranges [from, i)
    const copy = (to: number) => {
      if (to - from === 1) out.push(this.pieces[from].subarray(this.ranges[2 * from], this.ranges[2 * from + 1]));
      else if (to > from) {
        const b = Buffer.allocUnsafe(bytes);
        for (let i = from, at = 0; i < to; i++) at += this.pieces[i].copy(b, at, this.ranges[2 * i], this.ranges[2 * i + 1]);
        out.push(b);
      }
      from = to;
      bytes = 0;
    };
    for (let i = 0; i < this.pieces.length; i++) {
      const n = this.ranges[2 * i + 1] - this.ranges[2 * i];
      if (n < VIEW_BYTES) {
        bytes += n;
        continue;
      }
      copy(i);
      out.push(this.pieces[i].subarray(this.ranges[2 * i], this.ranges[2 * i + 1]));
      from = i + 1;
    }
    copy(this.pieces.length);
    return out;
  }
}

// One listing's use of the kept rows; its rules come in order, each asked
// for once: json() and table() answer the slot of the rule's row (-1: an nft
// rule, never kept) and set `current` to whether its kept line is current
// (a field, not a pair per rule: 10,000 arrays a listing for the collector);
// if so addJson or addTable copy it out, else keepJson or keepTable keep the
// line made for it.
export class RowListing {
  current = false; // the kept line of the rule json() or table() was last asked for is current
  private at = 0; // where the next rule is looked for first
  private rows: Row[] = [];
  constructor(private readonly cache: RowCache) {}

  // the rule's row, found or made, as the last of this listing's rows
  private row(r: FirewallRule): Row {
    const last = this.cache.last;
    const i = last.find(this.at, (row) => same(row, r), () =>
      // the row after the last one found has the rule's place but not its
      // line (a rule changed where it stands; every rule, after a kube-proxy
      // resync or on a host read cold): that place's row is that one, and
      // no lookup by id (the Map of every row's id) is needed to know it
      last.items[this.at]?.id === r.id ? -1 : positionOf(last.indexed(), r.id),
    );
    let row = i >= 0 ? last.items[i] : undefined;
    if (row && (i === this.at || same(row, r))) this.at = i;
    else row = new Row(r.id, r.family, r.table, r.chain, r.position, r.text, r.owner, r.ownerEvidence, objectKey(r), r.mapping);
    this.at++;
    this.rows.push(row);
    return row;
  }

  // the rule's slot; `current` says whether its kept line is
  json(r: FirewallRule): number {
    this.current = false;
    if (r.source !== 'iptables') return -1;
    const row = this.row(r);
    const slot = this.rows.length - 1;
    if (row.jsonPiece === NONE) return slot;
    if (row.jsonPackets !== r.packets || row.jsonBytes !== r.bytes) {
      // the counters are the last `,"packets":` of the line (every later key's
      // value is a string or an object of strings, where a `"` is escaped),
      // as JSON.stringify wrote them
      const line = row.jsonPiece.subarray(row.jsonStart, row.jsonEnd);
      const was = Buffer.from(`,"packets":${row.jsonPackets},"bytes":${row.jsonBytes},`);
      const at = line.lastIndexOf(PACKETS);
      if (at < 0 || !line.subarray(at, at + was.length).equals(was)) return slot;
      const now = Buffer.concat([line.subarray(0, at), Buffer.from(`,"packets":${r.packets},"bytes":${r.bytes},`), line.subarray(at + was.length)]);
      this.keepJson(slot, r, now, 0, now.length);
    }
    this.current = true;
    return slot;
  }

  addJson(slot: number, out: Lines): void {
    const row = this.rows[slot];
    out.add(row.jsonPiece, row.jsonStart, row.jsonEnd);
  }

  keepJson(slot: number, r: FirewallRule, piece: Buffer, start: number, end: number): void {
    if (slot < 0) return;
    const row = this.rows[slot];
    row.jsonPiece = piece;
    row.jsonStart = start;
    row.jsonEnd = end;
    row.jsonPackets = r.packets;
    row.jsonBytes = r.bytes;
  }

  // as json()
  table(r: FirewallRule): number {
    this.current = false;
    if (r.source !== 'iptables') return -1;
    const row = this.row(r);
    this.current = row.tablePiece !== NONE && row.tablePackets === r.packets;
    return this.rows.length - 1;
  }

  addTable(slot: number, out: Lines): void {
    const row = this.rows[slot];
    out.add(row.tablePiece, row.tableStart, row.tableEnd);
  }

  keepTable(slot: number, r: FirewallRule, piece: Buffer, start: number, end: number): void {
    if (slot < 0) return;
    const row = this.rows[slot];
    row.tablePiece = piece;
    row.tableStart = start;
    row.tableEnd = end;
    row.tablePackets = r.packets;
  }

  // every rule was listed: this listing's rows are the ones kept
  end(): void {
    this.cache.replace(this.rows);
  }
}
