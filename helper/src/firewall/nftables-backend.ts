import { nftApply, nftApplyCount, nftListTable } from '../kernel/nft';
import type { FirewallBackend, FirewallDiff } from './backend';
import { familyModel, hasFamily } from './family';
import type { FirewallModel } from './model';
import { parseNftTable, type NftListedTable } from './nft-listing';
import { WriteQueue } from './write-queue';
import { chainDecl, FORWARD_CHAIN, NFT_FAMILY, NFT_TABLE, NFT_USER_CHAIN, nftScript, renderNft, type NftFamily, type NftRuleset } from './nft-render';

// Berth owns the whole tables `ip berth` and `ip6 berth` (IPv6,
// docs/ipv6.md: the same layout, from the model's IPv6 part), so there is no per-rule ownership
// to track (the iptables backend's `owners`/pruneUnknown): an apply reads
// the table once and, when anything differs, replaces its content in ONE
// `nft -f -` transaction. Other tables are never touched.
//
// The table as Berth's last script left it is kept in memory, so an
// operation runs one `nft -f` and reads nothing; diff() (the periodic drift
// check) always lists the table and refreshes that memory, and a script that
// fails against the remembered table is planned again from a fresh listing.
//
// A script that only takes rules away (every chain stays, each keeps a part
// of its rules in their order) answers its caller once planned and commits
// in the background, in the family's write queue, ahead of every later write
// and reading (write-queue.ts, docs/decisions.md "Firewall deletions
// committed in the background"). Berth owns the whole table, so a failed one
// needs no bookkeeping: the next apply or drift check finds the rules extra.
//
// Coexistence: nftables runs every base chain on a hook, in priority order.
// An accept in Berth's filter-FORWARD ends only Berth's chain; a drop in
// another table's forward chain (firewalld, an iptables-nft FORWARD policy
// DROP, Docker) still drops the packet, and Berth's drops cannot be undone
// from elsewhere. To let Berth's traffic through such a firewall, accept the
// Berth bridges (br-*) there; to add your own drops or accepts ahead of
// Berth's, put them in chain `berth-user`, which Berth jumps to first and
// never rewrites.
export function nftablesBackend(): FirewallBackend {
  const v4 = familyNft('ip');
  const v6 = familyNft('ip6');
  // IPv6 (docs/ipv6.md): `ip6 berth` is only written once a network has
  // IPv6, or while the table is there (to take rules away), as ip6tables is
  const wants6 = async (m: FirewallModel, previous?: FirewallModel) => hasFamily(m, true) || hasFamily(previous, true) || (await v6.present());
  const merge = (a: FirewallDiff, b: FirewallDiff): FirewallDiff => ({ missing: [...a.missing, ...b.missing], extra: [...a.extra, ...b.extra] });
  return {
    name: 'nftables',
    async apply(m, opts = {}) {
      const c0 = nftApplyCount();
      const d4 = await v4.apply(familyModel(m, false), opts.forwardPolicyDrop);
      v6.siblingWrote(c0);
      if (!(await wants6(m, opts.previous))) return d4;
      const c1 = nftApplyCount();
      const d6 = await v6.apply(familyModel(m, true), opts.forwardPolicyDrop6);
      v4.siblingWrote(c1);
      return merge(d4, d6);
    },
    async settled() {
      await Promise.all([v4.writes.settled(), v6.writes.settled()]);
    },
    pending: () => v4.writes.pending() || v6.writes.pending(),
    async diff(m) {
      const d4 = await v4.diff(familyModel(m, false));
      return (await wants6(m)) ? merge(d4, await v6.diff(familyModel(m, true))) : d4;
    },
    ruleCount(m) {
      const count = (fam: NftFamily, v: boolean) => renderNft(familyModel(m, v), { family: fam }).chains.reduce((a, c) => a + c.rules.length, 0);
      return count('ip', false) + (hasFamily(m, true) ? count('ip6', true) : 0);
    },
  };
}

// One family's table.
function familyNft(family: NftFamily) {
  // ip_forward was off before Berth (restore passes forwardPolicyDrop once):
  // the forward chain gets policy drop, as iptables gets FORWARD DROP. Like
  // that policy, it is then left as the kernel has it (a helper restart, or
  // a user who set it to accept, keeps it); Berth's memory of it only
  // serves to put it back when the whole table went away.
  let policyDrop = false;
  const writes = new WriteQueue();
  let known: { have: NftListedTable | null; at: number } | null = null;
  // the table exists: known from the last read or write of it. Only Berth's
  // own scripts make it (reset deletes it and the helper stops), so this
  // stays true without reading the table again on every operation.
  let exists: boolean | null = null;
  const read = async () => {
    const at = nftApplyCount();
    const objs = await nftListTable(family, NFT_TABLE);
    const have = objs ? parseNftTable(objs) : null;
    known = { have, at };
    exists = have !== null;
    return have;
  };
  const remembered = () => (known && known.at === nftApplyCount() ? known : null);
  const render = (m: FirewallModel, have: NftListedTable | null, forwardPolicyDrop = false) => {
    const current = have?.chains.get(FORWARD_CHAIN)?.base?.policy;
    if (forwardPolicyDrop) policyDrop = true;
    else if (current) policyDrop = current === 'drop';
    return renderNft(m, { forwardPolicyDrop: policyDrop, family });
  };
  return {
    writes,
    // only the other family's table was written since `before`: what this
    // one remembers still holds (one `nft -f` per family and operation)
    siblingWrote(before: number) {
      if (known && known.at === before) known = { ...known, at: nftApplyCount() };
    },
    async present(): Promise<boolean> {
      if (exists === null) await writes.settled().then(read).catch(() => null);
      return exists ?? false;
    },
    apply(m: FirewallModel, forwardPolicyDrop?: boolean) {
      return writes.run<FirewallDiff>(async (answer) => {
        const once = async (have: NftListedTable | null) => {
          const want = render(m, have, forwardPolicyDrop);
          const { diff, remove, dirty } = nftPlan(want, have, family);
          if (!dirty) return diff;
          if (!remove.length && onlyTakesAway(want, have)) answer(diff); // the commit goes on in the background
          known = null; // until the script is known to have gone through
          await nftApply(nftScript(want, want.chains.filter((c) => have?.chains.has(c.name)).map((c) => c.name), remove, family));
          known = { have: afterScript(want, have), at: nftApplyCount() };
          exists = true;
          return diff;
        };
        const mem = remembered();
        if (!mem) return once(await read());
        try {
          return await once(mem.have);
        } catch {
          return once(await read());
        }
      });
    },
    diff(m: FirewallModel) {
      return writes.run<FirewallDiff>(async () => {
        const have = await read();
        return nftPlan(render(m, have), have, family).diff;
      });
    },
  };
}

// `want` is `have` with rules taken away: every chain is there with the same
// declaration, and keeps a part of its rules in their order.
function onlyTakesAway(want: NftRuleset, have: NftListedTable | null): boolean {
  if (!have?.chains.has(NFT_USER_CHAIN)) return false;
  return want.chains.every((c) => {
    const got = have.chains.get(c.name);
    if (!got || chainDecl(got) !== chainDecl(c)) return false;
    let i = 0;
    for (const r of got.rules) if (i < c.rules.length && r === c.rules[i]) i++;
    return i === c.rules.length;
  });
}

// The table after nftScript(want, …): Berth's chains as rendered, every
// other chain (berth-user, anything else listed) as it was.
function afterScript(want: NftRuleset, have: NftListedTable | null): NftListedTable {
  const chains = new Map(have?.chains ?? []);
  if (!chains.has(NFT_USER_CHAIN)) chains.set(NFT_USER_CHAIN, { name: NFT_USER_CHAIN, rules: [] });
  for (const c of want.chains) chains.set(c.name, { ...c, rules: [...c.rules] });
  return { chains };
}

// Desired vs listed, per chain: missing and extra as `chain rule` strings
// (duplicates count), plus the chains to delete before re-adding (base
// chains of the wrong type/hook/priority). `dirty`: the table must be
// rewritten (also when only the order differs). Chains Berth does not
// render are the user's, like berth-user (chains it jumps to): not compared,
// never flushed or deleted.
export function nftPlan(want: NftRuleset, have: NftListedTable | null, family: NftFamily = NFT_FAMILY) {
  const diff: FirewallDiff = { missing: [], extra: [] };
  const remove: string[] = [];
  let dirty = false;
  const t = `${family} ${NFT_TABLE}`;
  if (!have?.chains.has(NFT_USER_CHAIN)) {
    diff.missing.push(`${t} chain ${NFT_USER_CHAIN}`);
    dirty = true;
  }
  for (const c of want.chains) {
    const got = have?.chains.get(c.name);
    if (!got) diff.missing.push(`${t} chain ${c.name}`);
    else if (chainDecl(got) !== chainDecl(c)) {
      diff.missing.push(`${t} chain ${c.name} ${chainDecl(c)}`.trimEnd());
      diff.extra.push(`${t} chain ${c.name} ${chainDecl(got)}`.trimEnd());
      // a changed policy is an update; anything else needs the chain anew
      if (!got.base || !c.base || got.base.type !== c.base.type || got.base.hook !== c.base.hook || got.base.prio !== c.base.prio) remove.push(c.name);
    }
    const actual = got?.rules ?? [];
    const left = [...actual];
    for (const r of c.rules) {
      const i = left.indexOf(r);
      if (i >= 0) left.splice(i, 1);
      else diff.missing.push(`${t} ${c.name} ${r}`);
    }
    for (const r of left) diff.extra.push(`${t} ${c.name} ${r}`);
    if (!got || chainDecl(got) !== chainDecl(c) || !sameList(actual, c.rules)) dirty = true;
  }
  // same rules in another order: nothing missing or extra, but not right either
  if (dirty && !diff.missing.length && !diff.extra.length) diff.extra.push(`${t}: rules out of order`);
  return { diff, remove, dirty };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
