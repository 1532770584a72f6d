import { type Family, iptablesRestore, iptablesSave, restoreCount } from '../kernel/iptables';
import { familyModel, hasFamily } from './family';
import { portRules } from './port-rules';
import type { ApplyOptions, FirewallBackend, FirewallDiff } from './backend';
import { chainEdit } from './chain-edit';
import { CHAIN } from './chains';
import type { FirewallModel } from './model';
import { renderRuleset, TABLES, type Ruleset } from './render';
import { BERTH_TAG_RE, type RuleLine } from './rule-line';
import { afterRestore, parseSaveForPlan, type SavedTable } from './save-parse';
import { onlyDeletes, WriteQueue } from './write-queue';

// Per operation: one iptables-restore --noflush carrying every table that
// changes. Own chains that differ are edited rule by rule (chain-edit.ts: an
// operation that only adds writes no deletion, which nf_tables commits much
// faster) and rewritten whole only when an edit cannot reach the wanted
// order; tagged rules in built-in chains are added and deleted one by one, so
// nobody else's rules are touched.
//
// The ruleset the kernel holds after Berth's last restore is kept in memory
// (what iptables-save printed then, with that restore's lines applied), so an
// operation reads nothing. Changes made by others in between are found by the
// periodic drift check, whose diff() always reads the kernel and refreshes
// the memory; a restore that fails against the remembered ruleset (e.g. a -D
// of a rule someone removed) is planned and run once more from a fresh read.
// Helper start (pruneUnknown) always reads.
//
// A restore that only deletes (`-D` lines: a network, an endpoint or ports
// went) answers its caller once planned and commits in the background, in
// the family's write queue, ahead of every later write and reading
// (write-queue.ts, docs/decisions.md "Firewall deletions committed in the
// background"); one that comes while others are still queued is planned
// against what they leave and answered at once, and deletions waiting for
// their turn go in one restore. If it fails, even after a fresh read, the owners it was
// deleting for stay `owed`: the next apply and the drift check's diff count
// their rules as extra and take them away.
//
// IPv6: the same layout in ip6tables (family.ts gives each family its part
// of the model). ip6tables is only written once a network has IPv6, or when
// it already holds Berth's chains (to take rules away): a host without IPv6
// networks, or without IPv6 at all, never sees Berth in ip6tables.
export function iptablesBackend(): FirewallBackend {
  const v4 = familyBackend('ipv4');
  const v6 = familyBackend('ipv6');
  const wants6 = async (m: FirewallModel, previous?: FirewallModel) => hasFamily(m, true) || hasFamily(previous, true) || (await v6.present());
  const tag6 = (d: FirewallDiff): FirewallDiff => ({ missing: d.missing.map((x) => `ip6 ${x}`), extra: d.extra.map((x) => `ip6 ${x}`) });
  const merge = (a: FirewallDiff, b: FirewallDiff | null): FirewallDiff => (b ? { missing: [...a.missing, ...b.missing], extra: [...a.extra, ...b.extra] } : a);
  return {
    name: 'iptables',
    async apply(m, opts = {}) {
      const d4 = await v4.apply(familyModel(m, false), { ...opts, previous: opts.previous && familyModel(opts.previous, false) });
      if (!(await wants6(m, opts.previous))) return d4;
      const prev = opts.previous && familyModel(opts.previous, true);
      return merge(d4, tag6(await v6.apply(familyModel(m, true), { ...opts, forwardPolicyDrop: opts.forwardPolicyDrop6, previous: prev })));
    },
    async diff(m) {
      const d4 = await v4.diff(familyModel(m, false));
      return (await wants6(m)) ? merge(d4, tag6(await v6.diff(familyModel(m, true)))) : d4;
    },
    ruleCount(m) {
      return v4.ruleCount(familyModel(m, false)) + (hasFamily(m, true) ? v6.ruleCount(familyModel(m, true)) : 0);
    },
    async settled() {
      await Promise.all([v4.writes.settled(), v6.writes.settled()]);
    },
    pending: () => v4.writes.pending() || v6.writes.pending(),
  };
}

function familyBackend(family: Family) {
  const v6 = family === 'ipv6';
  const writes = new WriteQueue();
  let known: { saved: Map<string, SavedTable>; at: number } | null = null;
  // owners whose rules a failed background deletion left behind
  const owed = new Set<string>();
  const withOwed = (rs: Ruleset) => {
    for (const o of owed) rs.owners.add(o);
    return rs;
  };
  // restores of this backend's own: what restoreCount counts beyond them was written by someone else in the helper
  let ours = 0;
  const others = () => restoreCount(family) - ours;
  // The ruleset once every queued write has gone through, while each of
  // them was planned when it was queued (deletions answered early): a
  // deletion that comes meanwhile is planned against it and answered at
  // once, not after the commits before it (their RCU grace periods).
  let ahead: { saved: Map<string, SavedTable>; others: number } | null = null;
  // the deletion queued and not started yet: a later one joins it (one restore for both)
  let next: { rs: Ruleset } | null = null;
  const read = async () => {
    const at = restoreCount(family);
    const saved = parseSaveForPlan(await iptablesSave(family));
    known = { saved, at };
    return saved;
  };
  const remembered = () => (known && known.at === restoreCount(family) ? known.saved : null);
  // what the queued writes leave, when known without reading
  const projected = () => (!writes.pending() ? remembered() : ahead && ahead.others === others() ? ahead.saved : null);
  // plans `rs` against `saved` and restores; `answer` hears the diff before the commit when it only deletes
  const once = async (saved: Map<string, SavedTable>, rs: Ruleset, opts: ApplyOptions, answer?: (d: FirewallDiff) => void) => {
    const { script, diff } = plan(saved, rs, opts.forwardPolicyDrop ?? false, opts.pruneUnknown ?? false);
    if (answer && onlyDeletes(script)) answer(diff); // the commit goes on in the background
    known = null; // until the restore is known to have gone through
    if (script) {
      ours++;
      await iptablesRestore(script, family);
    }
    known = { saved: afterRestore(saved, script), at: restoreCount(family) };
    owed.clear(); // their rules were in this plan
    return diff;
  };
  // from memory, and once more from a fresh read when that fails; owners stay owed when both fail
  const commit = async (rs: Ruleset, opts: ApplyOptions, answer?: (d: FirewallDiff) => void) => {
    try {
      const mem = opts.pruneUnknown ? null : remembered();
      if (!mem) return await once(await read(), rs, opts, answer);
      try {
        return await once(mem, rs, opts, answer);
      } catch {
        return await once(await read(), rs, opts, answer);
      }
    } catch (e) {
      ahead = null;
      for (const o of rs.owners) owed.add(o);
      throw e;
    }
  };
  return {
    writes,
    // Berth's chains are there (read once, then from memory); false when the family has no tables at all
    async present(): Promise<boolean> {
      try {
        const mem = remembered();
        if (mem) return mem.get('filter')?.chains.has(CHAIN.forward) ?? false;
        await writes.settled(); // not beside a restore of ours
        return (await read()).get('filter')?.chains.has(CHAIN.forward) ?? false;
      } catch {
        return false;
      }
    },
    apply(m: FirewallModel, opts: ApplyOptions = {}): Promise<FirewallDiff> {
      const rs = withOwed(ruleset(m, opts.previous, v6));
      const base = opts.pruneUnknown || opts.forwardPolicyDrop ? null : projected();
      const early = base ? plan(base, rs, false) : null;
      if (base && early && onlyDeletes(early.script)) {
        // answered now; planned again from the kernel's state when its turn comes
        ahead = { saved: afterRestore(base, early.script), others: others() };
        if (next) {
          // the waiting deletion takes this one's wanted rules, and still deletes what it was to
          for (const o of next.rs.owners) rs.owners.add(o);
          next.rs = rs;
        } else {
          const job = (next = { rs });
          void writes.run<FirewallDiff>((answer) => {
            answer(early.diff); // heard already: a failure is logged by the queue, its owners owed
            if (next === job) next = null;
            return commit(job.rs, {});
          });
        }
        return Promise.resolve(early.diff);
      }
      ahead = null; // planned when its turn comes: what it leaves is unknown until then
      next = null;
      return writes.run<FirewallDiff>((answer) => commit(rs, opts, answer));
    },
    diff(m: FirewallModel) {
      next = null; // a later deletion commits after this reading, not before it
      return writes.run<FirewallDiff>(async () => plan(await read(), withOwed(ruleset(m, undefined, v6)), false).diff);
    },
    ruleCount(m: FirewallModel) {
      const rs = ruleset(m, undefined, v6);
      return Object.values(rs.own).reduce((a, t) => a + Object.values(t).flat().length, 0) + rs.tagged.length;
    },
  };
}

// The model as iptables-save lines: Docker 28's layout (render.ts) with the
// published ports' rules (port-rules.ts). Owners of `previous` join the
// ruleset's, so rules of what the operation removed are deleted too.
export function ruleset(m: FirewallModel, previous?: FirewallModel, v6 = false): Ruleset {
  const rs = renderRuleset(m.networks, m.endpoints, m.ports.flatMap((p) => portRules(p)), v6);
  if (previous) for (const id of renderRuleset(previous.networks, previous.endpoints, [], v6).owners) rs.owners.add(id);
  return rs;
}

export function plan(saved: Map<string, SavedTable>, rs: Ruleset, forwardPolicyDrop: boolean, pruneUnknown = false) {
  const diff: FirewallDiff = { missing: [], extra: [] };
  let script = '';
  for (const table of TABLES) {
    const t = saved.get(table) ?? { chains: new Map(), rules: [] };
    const lines: string[] = [];
    const heads: string[] = [];
    if (table === 'filter' && forwardPolicyDrop && t.chains.get('FORWARD') !== 'DROP') heads.push(':FORWARD DROP [0:0]');

    const own = table === 'filter' || table === 'nat' ? rs.own[table] : {};
    for (const [chain, specs] of Object.entries(own)) {
      const actual = t.rules.filter((r) => r.chain === chain).map((r) => r.spec);
      const exists = t.chains.has(chain);
      if (exists && sameList(actual, specs)) continue;
      if (!exists) diff.missing.push(`${table} chain ${chain}`);
      for (const s of specs) if (!actual.includes(s)) diff.missing.push(`${table} -A ${chain} ${s}`);
      for (const s of actual) if (!specs.includes(s)) diff.extra.push(`${table} -A ${chain} ${s}`);
      const edit = exists ? chainEdit(chain, actual, specs) : null;
      if (edit) lines.push(...edit);
      else {
        // declaring a chain creates it, or flushes it when it exists
        heads.push(`:${chain} - [0:0]`);
        lines.push(...specs.map((s) => `-A ${chain} ${s}`));
      }
    }
    if (table === 'filter' && !t.chains.has(CHAIN.user)) {
      heads.push(`:${CHAIN.user} - [0:0]`);
      diff.missing.push(`filter chain ${CHAIN.user}`);
    }

    // own chains were handled above (published-port rules in them carry tags too)
    const tagged = t.rules.filter((r) => BERTH_TAG_RE.test(r.spec) && !(r.chain in own));
    // Only rules of owners this ruleset knows are reconciled; a rule tagged
    // with an id nobody has is a cleanup finding, removed by the user with
    // undo — except at helper start, where it is debris of a crashed operation.
    const actualTagged = pruneUnknown ? tagged : tagged.filter((r) => rs.owners.has(BERTH_TAG_RE.exec(r.spec)?.[1] ?? ''));
    const want = rs.tagged.filter((r) => r.table === table);
    if (table === 'filter') lines.push(...forwardJumpLines(t, rs, actualTagged, diff));
    lines.push(...taggedLines(table, actualTagged.filter((r) => r.chain !== 'FORWARD' || table !== 'filter'), want, diff));
    if (heads.length || lines.length) script += [`*${table}`, ...heads, ...lines, 'COMMIT', ''].join('\n');
  }
  return { script, diff };
}

// BERTH-USER then BERTH-FORWARD head filter FORWARD; anything else Berth
// tagged in FORWARD is extra.
function forwardJumpLines(t: SavedTable, rs: Ruleset, actualTagged: SavedTable['rules'], diff: FirewallDiff) {
  const fwd = t.rules.filter((r) => r.chain === 'FORWARD').map((r) => r.spec);
  const ok = rs.forwardJumps.every((j, i) => fwd[i] === j) && actualTagged.filter((r) => r.chain === 'FORWARD').length === rs.forwardJumps.length;
  if (ok) return [];
  const out: string[] = [];
  for (const r of actualTagged.filter((r) => r.chain === 'FORWARD')) {
    out.push(`-D FORWARD ${r.spec}`);
    if (!rs.forwardJumps.includes(r.spec)) diff.extra.push(`filter -A FORWARD ${r.spec}`);
  }
  for (const j of rs.forwardJumps) if (!fwd.includes(j)) diff.missing.push(`filter -A FORWARD ${j}`);
  for (const j of [...rs.forwardJumps].reverse()) out.push(`-I FORWARD 1 ${j}`);
  return out;
}

function taggedLines(table: string, actual: SavedTable['rules'], want: RuleLine[], diff: FirewallDiff): string[] {
  const out: string[] = [];
  const wantKeys = new Set(want.map((r) => `${r.chain} ${r.spec}`));
  const seen = new Set<string>();
  for (const r of actual) {
    const k = `${r.chain} ${r.spec}`;
    if (wantKeys.has(k) && !seen.has(k)) {
      seen.add(k);
      continue;
    }
    out.push(`-D ${k}`); // not wanted, or a duplicate
    diff.extra.push(`${table} -A ${k}`);
  }
  for (const r of want) {
    const k = `${r.chain} ${r.spec}`;
    if (seen.has(k)) continue;
    seen.add(k);
    diff.missing.push(`${table} -A ${k}`);
    // MASQUERADE goes first like Docker's -I, ahead of anyone's catch-all
    out.push(r.chain === 'POSTROUTING' ? `-I POSTROUTING 1 ${r.spec}` : `-A ${k}`);
  }
  return out;
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
