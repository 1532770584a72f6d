import { nftApply, nftApplyCount, nftListTable } from '../kernel/nft';
import type { FirewallBackend, FirewallDiff } from './backend';
import type { FirewallModel } from './model';
import { parseNftTable, type NftListedTable } from './nft-listing';
import { chainDecl, FORWARD_CHAIN, NFT_FAMILY, NFT_TABLE, NFT_USER_CHAIN, nftScript, renderNft, type NftRuleset } from './nft-render';

// Berth owns the whole table `ip berth`, so there is no per-rule ownership
// to track (the iptables backend's `owners`/pruneUnknown): an apply reads
// the table once and, when anything differs, replaces its content in ONE
// `nft -f -` transaction. Other tables are never touched.
//
// The table as Berth's last script left it is kept in memory, so an
// operation runs one `nft -f` and reads nothing; diff() (the periodic drift
// check) always lists the table and refreshes that memory, and a script that
// fails against the remembered table is planned again from a fresh listing.
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
  // ip_forward was off before Berth (restore passes forwardPolicyDrop once):
  // the forward chain gets policy drop, as iptables gets FORWARD DROP. Like
  // that policy, it is then left as the kernel has it (a helper restart, or
  // a user who set it to accept, keeps it); Berth's memory of it only
  // serves to put it back when the whole table went away.
  let policyDrop = false;
  let known: { have: NftListedTable | null; at: number } | null = null;
  const read = async () => {
    const at = nftApplyCount();
    const objs = await nftListTable(NFT_FAMILY, NFT_TABLE);
    const have = objs ? parseNftTable(objs) : null;
    known = { have, at };
    return have;
  };
  const remembered = () => (known && known.at === nftApplyCount() ? known : null);
  const render = (m: FirewallModel, have: NftListedTable | null, forwardPolicyDrop = false) => {
    const current = have?.chains.get(FORWARD_CHAIN)?.base?.policy;
    if (forwardPolicyDrop) policyDrop = true;
    else if (current) policyDrop = current === 'drop';
    return renderNft(m, { forwardPolicyDrop: policyDrop });
  };
  return {
    name: 'nftables',
    async apply(m, opts = {}) {
      const once = async (have: NftListedTable | null) => {
        const want = render(m, have, opts.forwardPolicyDrop);
        const { diff, remove, dirty } = nftPlan(want, have);
        if (!dirty) return diff;
        known = null; // until the script is known to have gone through
        await nftApply(nftScript(want, want.chains.filter((c) => have?.chains.has(c.name)).map((c) => c.name), remove));
        known = { have: afterScript(want, have), at: nftApplyCount() };
        return diff;
      };
      const mem = remembered();
      if (!mem) return once(await read());
      try {
        return await once(mem.have);
      } catch {
        return once(await read());
      }
    },
    async diff(m) {
      const have = await read();
      return nftPlan(render(m, have), have).diff;
    },
    ruleCount(m) {
      return renderNft(m).chains.reduce((a, c) => a + c.rules.length, 0);
    },
  };
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
export function nftPlan(want: NftRuleset, have: NftListedTable | null) {
  const diff: FirewallDiff = { missing: [], extra: [] };
  const remove: string[] = [];
  let dirty = false;
  const t = `${NFT_FAMILY} ${NFT_TABLE}`;
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
