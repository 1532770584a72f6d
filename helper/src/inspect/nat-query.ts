import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { BaseChain, FirewallRule, NatCountersResult, NatQueryParams, NatQueryResult, Owner } from '../../../src/shared/inspect';
import { releaseMemorySoon } from './release-memory';

// One reading of the host's rules, kept for paging: the rules in the order
// iptables-save and nft print them, and per rule the lowercase text a search
// looks in (built at the first search, so each search is one substring scan;
// a reading only paged or listed never holds that second copy of its text).
export interface RuleSnapshot {
  id: string;
  takenAt: string;
  rules: FirewallRule[];
  errors: string[];
  hay: string[] | null; // see searchText
  index: Map<string, number> | null; // rule id -> position in rules, see positionOf
  tables: string[];
  owners: Owner[];
  sorted: Map<string, number[]>; // "key/desc" -> rule indexes in that order
  baseChains: BaseChain[];
}

export function makeSnapshot(rules: FirewallRule[], errors: string[], takenAt = new Date().toISOString(), baseChains: BaseChain[] = []): RuleSnapshot {
  return {
    id: randomBytes(6).toString('hex'),
    takenAt,
    rules,
    errors,
    baseChains,
    hay: null,
    index: null,
    tables: [...new Set(rules.map((r) => r.table))].sort(),
    owners: [...new Set(rules.map((r) => r.owner))].sort(),
    sorted: new Map(),
  };
}

const searchText = (s: RuleSnapshot): string[] =>
  (s.hay ??= s.rules.map((r) => `${r.table} ${r.chain} ${r.owner} ${r.mapping ?? ''} ${r.comment ?? ''} ${r.ownerObject?.name ?? ''} ${r.text}`.toLowerCase()));

// Where rule `id` is in the reading, or undefined.
export function positionOf(s: RuleSnapshot, id: string): number | undefined {
  s.index ??= new Map(s.rules.map((r, i) => [r.id, i]));
  return s.index.get(id);
}

type Params = z.infer<typeof NatQueryParams>;

// --table nat: iptables' nat, and nft's tables of that name in any family ("ip nat")
export const tableMatches = (ruleTable: string, table: string) => ruleTable === table || ruleTable.endsWith(` ${table}`);

function order(s: RuleSnapshot, key: Params['sort'], desc: boolean): number[] {
  const k = `${key}/${desc}`;
  let idx = s.sorted.get(k);
  if (idx) return idx;
  idx = s.rules.map((_, i) => i);
  if (key !== 'position') {
    const val = (r: FirewallRule): string | number => r[key];
    // ties keep the printed order, whichever way the key runs
    idx.sort((a, b) => {
      const va = val(s.rules[a]);
      const vb = val(s.rules[b]);
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      return (desc ? -c : c) || a - b;
    });
  } else if (desc) idx.reverse();
  s.sorted.set(k, idx);
  return idx;
}

type Filters = Pick<Params, 'table' | 'owner' | 'family'> & Partial<Pick<Params, 'search' | 'sort' | 'desc'>>;

// The indexes of the rules the filters keep, in the asked order (nat.query).
export function matchRules(s: RuleSnapshot, p: Filters): number[] {
  const needle = (p.search ?? '').trim().toLowerCase();
  const matched: number[] = [];
  const hay = needle ? searchText(s) : [];
  for (const i of order(s, p.sort ?? 'position', p.desc ?? false)) {
    const r = s.rules[i];
    if (p.table && !tableMatches(r.table, p.table)) continue;
    if (p.owner && r.owner !== p.owner) continue;
    if (p.family && r.family !== p.family) continue;
    if (needle && !hay[i].includes(needle)) continue;
    matched.push(i);
  }
  return matched;
}

// Filter, sort and page one snapshot: what nat.query answers.
export function queryRules(s: RuleSnapshot, p: Params): NatQueryResult {
  const matched = matchRules(s, p);
  const want = p.find !== undefined ? positionOf(s, p.find) : undefined;
  const foundAt = want === undefined ? -1 : matched.indexOf(want);
  return {
    snapshot: s.id,
    takenAt: s.takenAt,
    total: s.rules.length,
    matched: matched.length,
    offset: p.offset,
    rules: matched.slice(p.offset, p.offset + p.limit).map((i) => s.rules[i]),
    foundAt: foundAt < 0 ? null : foundAt,
    tables: s.tables,
    owners: s.owners,
    baseChains: s.baseChains,
    errors: s.errors,
  };
}

// Readings kept for paging, dropped a while after their last use so a
// closed window leaves no large snapshot behind in the helper.
export class SnapshotCache {
  private entries = new Map<string, { snap: RuleSnapshot; timer: NodeJS.Timeout }>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly max = 2,
  ) {}

  get(id: string | undefined): RuleSnapshot | null {
    const e = id ? this.entries.get(id) : undefined;
    if (!e) return null;
    this.touch(e.snap);
    return e.snap;
  }

  put(snap: RuleSnapshot): RuleSnapshot {
    while (this.entries.size >= this.max) this.drop(this.entries.keys().next().value as string);
    this.touch(snap);
    return snap;
  }

  private touch(snap: RuleSnapshot) {
    const old = this.entries.get(snap.id);
    if (old) clearTimeout(old.timer);
    this.entries.delete(snap.id); // re-inserted last: the map's order is the drop order
    const timer = setTimeout(() => this.drop(snap.id), this.ttlMs);
    timer.unref();
    this.entries.set(snap.id, { snap, timer });
  }

  private drop(id: string) {
    const e = this.entries.get(id);
    if (e) clearTimeout(e.timer);
    this.entries.delete(id);
    if (e && this.entries.size === 0) releaseMemorySoon(1000);
  }

  clear() {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }
}

// Which programs hold the rules `ids` name (ids are "ipv4/…", "ipv6/…", "nft/…").
export function sourcesOf(ids: string[]): { ipv4: boolean; ipv6: boolean; nft: boolean } {
  return { ipv4: ids.some((x) => x.startsWith('ipv4/')), ipv6: ids.some((x) => x.startsWith('ipv6/')), nft: ids.some((x) => x.startsWith('nft/')) };
}

// nat.counters' answer: the counters of the asked rows that moved since the
// reading (the client holds the reading's own numbers), so an idle host sends
// nothing back; a row whose rule text moved or vanished is named in `changed`.
export function countersSince(snap: RuleSnapshot | null, ids: string[], now: Map<string, FirewallRule>): NatCountersResult {
  const counters: NatCountersResult['counters'] = [];
  const changed: string[] = [];
  for (const id of ids) {
    const r = now.get(id);
    const before = snap?.rules[positionOf(snap, id) ?? -1];
    if (!r || !before || before.text !== r.text) changed.push(id);
    else if (r.packets !== before.packets || r.bytes !== before.bytes) counters.push({ id, packets: r.packets, bytes: r.bytes });
  }
  return { takenAt: new Date().toISOString(), counters, changed };
}
