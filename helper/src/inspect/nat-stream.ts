import type { z } from 'zod';
import type { FirewallRule, NatTextParams, NatTextResult } from '../../../src/shared/inspect';
import { readFirewallRaw, streamIptablesSave } from '../kernel/host-readers';
import { scanSave, type SaveLine } from '../kernel/save-lines';
import { linkOwnerMap, ownerPending, ownHairpins } from './build';
import { ruleMemo } from './host';
import { sameRule, writableRule } from './rule-memo';
import { objectOfRule, readEngineNames, sameObject, type EngineNames } from './engine-names';
import type { EngineSource } from './engines';
import { iptablesSaveParser, readWhole, type Family } from './iptables-parse';
import { UNREAD } from './lean-rule';
import { tableMatches } from './nat-query';
import { RowCache, type RowListing } from './nat-rows';
import { jsonLines, measuredWidths, rawLine, tableBytes, tableText } from './nat-text';
import { parseNftRuleset } from './nft-parse';
import { linkNameOwner, ruleOwner, type LinkOwners } from './owner';

type Params = z.infer<typeof NatTextParams>;

// Where `berth nat ls`'s output goes, a piece of whole lines (each with its
// newline, in one or more parts: one frame) at a time, as the CLI prints it: `write` resolves once
// the client has read most of what was sent (the helper never holds more than
// a little of it); `signal` says the client went away.
export interface NatSink {
  write(parts: Buffer[]): Promise<void>;
  signal: AbortSignal;
}

// Rules per piece of a --no-trunc table, written at the end: ~0.3 MB a piece.
const PAGE = 2000;
// Fewer rules than this are made as they come: making them ahead saves less than it risks
const PREFILL_FROM = 1000;
// Rules a page of them (~2 ms of the helper's CPU; the listing's first lines wait at most that)
const PREFILL_PAGE = 250;
// Characters of a save parsed at a time (reader)
const SLICE = 16 * 1024;
const NO_RULES: FirewallRule[] = [];
const SAVES: [Family, 'iptables-save' | 'ip6tables-save'][] = [['ipv4', 'iptables-save'], ['ipv6', 'ip6tables-save']];
const ENGINES = new Set<string>(['docker', 'podman']);
// the rows of the last listings (nat-rows.ts): one helper's listings share them
const rowCache = new RowCache();
// (tests) how many kept rows have a line in this format; `clear` drops them first
export function keptRows(format: 'json' | 'table', clear = false): number {
  if (clear) rowCache.clear();
  return rowCache.lines(format);
}

// `berth nat ls` (nat.text, see NatTextParams): one new reading, written to
// `sink` while iptables-save still prints. IPv6's save runs beside IPv4's and
// is written after it; nft's rules come last. Per format:
// - raw without --owner: lines copied out with their table, no rule parsed;
// - raw with --owner, json, table: rules parsed, owned and written as they
//   come, except from the first hairpin MASQUERADE on, whose owner is its
//   DNAT's (further on): from there the output waits for the end of the save;
//   a table or raw --owner on a helper that holds no reading (its memo dropped
//   after idle) reads most rules lean: target and comment only (lean-rule.ts);
// - table with --no-trunc: written at the end (its columns are as wide as
//   its widest cell; without it they have fixed widths, nat-text.ts).
export async function streamNatText(p: Params, sink: NatSink): Promise<z.input<typeof NatTextResult>> {
  const errors: string[] = [];
  const copyOnly = p.format === 'raw' && !p.owner;
  const keep = (table: string, family: string) => (!p.table || tableMatches(table, p.table)) && (!p.family || family === p.family);
  // each piece goes out after the one before it has been read
  let written = Promise.resolve();
  // `emit` gathers lines: text (its newline added here) or bytes whose lines
  // end in one (a page's Buffer[]: views of kept rows, new ones). `send` puts
  // what was gathered while one pipe piece of a save was handled out as one
  // frame: one header, write and wait per ~64 KB of the save (a frame per
  // page was ~300 frames for a JSON listing at 10,000 rules, ~85 for a table).
  let pending: Buffer[] = [];
  const emit = (text: string | Buffer | Buffer[]) => {
    if (!text.length || sink.signal.aborted) return;
    // as bytes at once: a piece waiting for the one before it is then held
    // outside V8's heap, not copied by each young collection meanwhile
    if (typeof text === 'string') pending.push(Buffer.from(`${text}\n`));
    else if (Array.isArray(text)) for (const b of text) pending.push(b);
    else pending.push(text);
  };
  const send = () => {
    if (!pending.length) return;
    const piece = pending;
    pending = [];
    written = written.then(() => (sink.signal.aborted ? undefined : sink.write(piece)));
  };
  // A table (or raw --owner) on a helper that holds no reading: its rules read lean
  // (lean-rule.ts), and the memo left empty (a lean rule is no reading's: the next
  // listing on this helper is lean too, or reads whole what a json listing or
  // the GUI reads)
  const lean = (p.format === 'table' || (p.format === 'raw' && !!p.owner)) && ruleMemo.size === 0;
  const out = copyOnly ? null : ruleWriter(p, emit, send, keep, errors, lean);
  let matched = 0;

  // one save's pieces: copied out (raw) or parsed; each piece cut at its last line end
  const reader = (family: Family) => {
    if (out) {
      // lines the last whole reading had are not parsed again, and a line
      // unchanged at its place is the last reading's (frozen) rule itself
      // (inspect/rule-memo.ts): ruleWriter changes a rule through writableRule only
      const parser = iptablesSaveParser(family, undefined, lean ? undefined : ruleMemo, true, lean);
      // a pipe's piece (up to 64 KB) parsed and written a slice at a time:
      // while V8's young generation fills, a slice's rules and their output
      // are what is alive and copied, not a whole piece's (json at 10,000
      // rules: ~-25% of this work's CPU; docs/architecture.md "How a request
      // flows"). Each slice is whole lines of the piece, so the parser reads
      // it in place: the line cut at a piece's end goes with the next
      // piece's first line only (given the parser with its cut line ahead,
      // each slice was one new string, a copy of the whole save per listing).
      // (and its rule goes out with the first slice's: a page of its own
      // was a frame of its own, and a piece of one line)
      let cut = '';
      const push = (c: string) => {
        const first = c.indexOf('\n');
        if (first < 0) return void (cut += c);
        let line = cut ? parser.push(cut + c.slice(0, first + 1)) : NO_RULES;
        const last = c.lastIndexOf('\n');
        for (let i = cut ? first + 1 : 0; i <= last; ) {
          let j = i + SLICE > last ? last + 1 : c.lastIndexOf('\n', i + SLICE) + 1;
          if (j <= i) j = c.indexOf('\n', i + SLICE) + 1; // a line longer than a slice
          const rules = parser.push(c.slice(i, j));
          out.add(line.length ? line.concat(rules) : rules);
          line = NO_RULES;
          i = j;
        }
        if (line.length) out.add(line);
        cut = c.slice(last + 1);
      };
      return {
        push,
        end: () => {
          if (cut) out.add(parser.push(cut));
          out.add(parser.end());
        },
      };
    }
    let table = '';
    let rest = '';
    const copied: CopyState = { family, keep, lines: [] };
    const copy = (text: string) => {
      table = scanSave(text, copyLine, table, copied);
      matched += copied.lines.length;
      emit(copied.lines.join('\n'));
      copied.lines = [];
    };
    return {
      push: (c: string) => {
        const nl = c.lastIndexOf('\n');
        if (nl < 0) return void (rest += c);
        copy(rest + c.slice(0, nl + 1));
        rest = c.slice(nl + 1);
      },
      end: () => rest && copy(rest),
    };
  };

  // IPv4's save is handled as it comes; IPv6's pieces wait for it (the output's order)
  let ipv4Done = !!p.family && p.family !== 'ipv4';
  const held: (() => void)[] = [];
  const saves = Promise.all(SAVES.filter(([family]) => !p.family || p.family === family).map(async ([family, tool]) => {
    const r = reader(family);
    const inTurn = (f: () => void) => (family === 'ipv4' || ipv4Done ? f() : held.push(f));
    try {
      await streamIptablesSave(tool, (c) => inTurn(() => (r.push(c), send())), sink.signal, true, false);
    } catch (e) {
      if (!sink.signal.aborted) errors.push(`${tool}: ${(e as Error).message}`);
    }
    inTurn(() => (r.end(), send()));
    if (family === 'ipv4') {
      ipv4Done = true;
      for (const f of held.splice(0)) f();
    }
  }));
  // The other programs after the saves (asked for above, each up to its first
  // await): the spawner starts programs one after another in the order asked,
  // a fork and exec each, and iptables-save is the listing's longest (at
  // 10,000 rules it started ~5 ms later behind nft and ip).
  const nftRead = readFirewallRaw({ ipv4: false, ipv6: false, nft: true, links: false });
  out?.readOwners();
  out?.prefill();
  await saves;
  const nftRaw = await nftRead;
  if (sink.signal.aborted) return { matched, errors }; // nobody to write the rest to
  errors.push(...nftRaw.errors);
  const nft = nftRaw.nft ? parseNftRuleset(nftRaw.nft).rules : [];
  if (out) {
    out.add(nft);
    matched = await out.end();
  } else {
    const rules = nft.filter((r) => keep(r.table, r.family));
    matched += rules.length;
    emit(rules.map(rawLine).join('\n'));
  }
  send(); // the rest (and what the owners' reading let out after the last piece)
  await written;
  return { matched, errors };
}

// raw without --owner: a save's rule lines the filters keep, with their table
// (one function for every piece, its state passed: save-lines.ts scanSave says why)
interface CopyState {
  family: Family;
  keep: (table: string, family: string) => boolean;
  lines: string[];
}
function copyLine(l: SaveLine, st: CopyState): void {
  if (l.kind === 'rule' && st.keep(l.table, st.family)) st.lines.push(`*${l.table} ${l.text}`);
}

// Parsed rules in, output out: each rule owned by the links (ip link, read
// beside the saves), named by its engine's API (json and table), kept or not
// by the filters, and written as soon as nothing before it waits.
function ruleWriter(p: Params, emit: (text: string | Buffer | Buffer[]) => void, send: () => void, keep: (table: string, family: string) => boolean, errors: string[], lean: boolean) {
  const queue: FirewallRule[] = []; // read, not yet written, in order
  const dnats: FirewallRule[] = []; // what a hairpin's owner comes from
  const kept: FirewallRule[] = []; // table with --no-trunc: every match, written at the end
  const measured = p.format === 'table' && p.noTrunc;
  // (a lean listing's rows are not kept: its next listing is lean too, and a table's formatting
  // is a fifth of a lean listing's CPU)
  const rows = !lean && (p.format === 'json' || (p.format === 'table' && !measured)) ? rowCache.begin() : undefined;
  // json and table of both families: every rule, owned and named, for the next reading to start from (rule-memo.ts)
  const read: FirewallRule[] | null = lean || p.format === 'raw' || p.family ? null : [];
  // A rule the same in every field as the memo's is kept as the memo's object
  // as soon as it is written (as settle would at the end): the new object then
  // dies young, while one kept to the end outlived V8's young generation and
  // was copied by it twice (~10,000 of them: most of the listing's collections).
  // Looked up by its place in its family's save first (as the parser and settle
  // do): by text only when that is another line, so an unchanged host's
  // listing hashes no rule's text.
  const seen = { ipv4: 0, ipv6: 0 }; // iptables rules of each family so far
  // A frozen rule is a reading's already (the parser's unchanged line, the
  // memo's object itself): nothing to swap, and no lookup.
  const settled = (r: FirewallRule): FirewallRule => {
    if (r.source !== 'iptables') return r;
    const k = seen[r.family]++;
    if (Object.isFrozen(r)) return r;
    const prev = ruleMemo.find(r.family, k, r.table, r.text, r.id);
    return prev === r || (prev && sameRule(prev, r)) ? prev! : r;
  };
  let links: LinkOwners | null = null;
  let names: Map<EngineSource, EngineNames> | null = p.format === 'raw' ? new Map() : null;
  const nameErrors: string[] = [];
  const engineOwners = new Set<string>(); // an engine's API failure is told only when it owns a rule
  let owned = 0; // queue[0, owned) are owned and may be written
  let blocked = false; // queue[owned] is a hairpin: the rest waits for the end
  let first = true; // table: the header is still to be written
  let matched = 0;

  // the links and the engines' names, read once `readOwners` is called (after the saves were asked for)
  let reading: Promise<unknown> | null = null;
  const readOwners = () => {
    reading ??= Promise.all([
      readFirewallRaw({ ipv4: false, ipv6: false, nft: false, links: true }).then((raw) => {
        errors.push(...raw.errors);
        links = linkOwnerMap(raw.links.map((l) => {
          const v = linkNameOwner(l.ifname, l.ifalias ?? null);
          return { name: l.ifname, owner: v?.owner ?? 'unknown', ownerEvidence: v?.evidence ?? '' } as const;
        }));
      }),
      names ? undefined : readEngineNames(nameErrors, ENGINES).then((n) => void (names = n)),
    ]);
    void reading.then(flush);
    return reading;
  };

  // queue[i] owned by what it says (a kept rule whose owner comes out
  // otherwise now is replaced there by a copy that has it); the rule after
  const own = (i: number): FirewallRule => {
    let r = queue[i];
    if (r.source !== 'iptables') return r;
    const v = ruleOwner(r, links!);
    if (r.owner !== v.owner || r.ownerEvidence !== v.evidence) {
      r = writableRule(queue, i);
      r.owner = v.owner;
      r.ownerEvidence = v.evidence;
    }
    if (r.target === 'DNAT') dnats.push(r);
    return r;
  };
  let prefilling: RowListing | null = null; // rows being made ahead of this listing (`prefill`)
  const write = (rules: FirewallRule[], last: boolean) => {
    if (prefilling?.open) prefilling.end(); // this listing's rows are found among them from now on
    const page: FirewallRule[] = [];
    for (let i = 0; i < rules.length; i++) {
      let r = rules[i];
      if (ENGINES.has(r.owner)) engineOwners.add(r.owner);
      // its engine's object (as engine-names.ts nameEngineRules names a reading's rules),
      // read from its matches: a lean rule is read whole first
      const n = names!.get(r.owner as EngineSource);
      if (n && r.matches === UNREAD) r = rules[i] = readWhole(r);
      const o = n ? objectOfRule(r, n) : undefined;
      if (o === undefined ? 'ownerObject' in r : !('ownerObject' in r) || !sameObject(r.ownerObject ?? null, o)) {
        r = writableRule(rules, i);
        if (o === undefined) delete r.ownerObject;
        else r.ownerObject = o;
      }
      if (keep(r.table, r.family) && (!p.owner || r.owner === p.owner)) page.push(r);
      if (read) read.push(settled(r));
    }
    matched += page.length;
    if (measured) for (const r of page) kept.push(r);
    else if (p.format === 'table') {
      // the header goes with the first piece, or alone when nothing matched
      if (page.length || (last && first)) {
        emit(tableBytes(page, first, rows));
        first = false;
      }
    } else if (p.format === 'raw') emit(page.map(rawLine).join('\n'));
    else emit(jsonLines(page, rows));
  };
  const flush = () => {
    if (!links || !names || blocked) return;
    while (owned < queue.length) {
      if (ownerPending(own(owned))) {
        blocked = true;
        break;
      }
      owned++;
    }
    const out = queue.splice(0, owned);
    owned = 0;
    if (out.length) write(out, false);
  };
  return {
    // A format's first listing on a host the helper has read lately (its rules
    // in ruleMemo): their rows in this format are made while the saves read the
    // kernel (at 10,000 rules iptables-save prints its first line ~35 ms after
    // it starts, the helper idle meanwhile), so the listing finds its rules'
    // rows made, as a repeated one does (json: ~50 ms of the helper's CPU made
    // as the lines came, the CLI waiting). A page at a time, and no further once
    // the first rules are read (`write`): what was made by then is kept.
    // Rows are made of the memo's rules as they were read: a row whose rule is
    // no longer that (a new owner, engine object or line) is made again as the
    // listing reaches it (nat-rows.ts `same`).
    prefill() {
      if (!rows) return;
      const format = p.format === 'json' ? 'json' : 'table';
      const rules = ruleMemo.rules();
      if (rules.length < PREFILL_FROM || rowCache.covers(rules, format)) return;
      const made = rowCache.begin();
      let i = 0;
      const page = () => {
        if (!made.open) return;
        const some = rules.slice(i, (i += PREFILL_PAGE));
        if (format === 'json') jsonLines(some, made);
        else tableBytes(some, false, made);
        if (i < rules.length) setImmediate(page);
        else made.end();
      };
      prefilling = made;
      page();
    },
    readOwners,
    add(rules: FirewallRule[]) {
      // by index: a for-of here, in V8's baseline code, made an iterator result per rule
      for (let i = 0; i < rules.length; i++) queue.push(rules[i]);
      flush();
    },
    // the rest, once every rule is read: hairpins get their DNAT's owner
    async end(): Promise<number> {
      await readOwners();
      flush();
      for (let i = owned + (blocked ? 1 : 0); i < queue.length; i++) own(i);
      // a hairpin gets its DNAT's owner in place: a kept one is copied first
      for (let i = 0; i < queue.length; i++) if (ownerPending(queue[i])) writableRule(queue, i);
      ownHairpins([...dnats, ...queue]);
      write(queue.splice(0), true);
      errors.push(...nameErrors.filter((e) => engineOwners.has(e.split(' ')[0])));
      // every rule was listed: the kept rows of rules gone from the host go too
      if (rows && !p.table && !p.family && !p.owner) rows.end();
      if (read) ruleMemo.settle(read);
      if (measured) {
        const widths = measuredWidths(kept);
        for (let offset = 0; offset < kept.length || offset === 0; offset += PAGE) {
          emit(tableText(kept.slice(offset, offset + PAGE), widths, offset === 0));
          send();
        }
      }
      return matched;
    },
  };
}
