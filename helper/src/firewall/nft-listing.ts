import type { NftChain } from './nft-render';
import { nftRuleText } from './nft-text';

// `nft -j list table ip berth` back into chains of the text nft-render.ts
// writes (each rule spelled by nft-text.ts), so rendered and listed rules
// compare as strings.

export interface NftListedTable {
  chains: Map<string, NftChain>;
}

type Obj = Record<string, any>;

export function parseNftTable(objs: unknown[]): NftListedTable {
  const chains = new Map<string, NftChain>();
  for (const o of objs as Obj[]) {
    if (o.chain) {
      const c = o.chain as Obj;
      chains.set(c.name, {
        name: c.name,
        ...(c.hook ? { base: { type: c.type, hook: c.hook, prio: c.prio, policy: c.policy } } : {}),
        rules: [],
      });
    } else if (o.rule) {
      const r = o.rule as Obj;
      chains.get(r.chain)?.rules.push(nftRuleText(r.expr, r.comment));
    }
  }
  return { chains };
}
