import { ownText, scanSave } from '../kernel/save-lines';
import { OWN_CHAINS } from './chains';
import { BERTH_TAG_RE } from './rule-line';

// Just enough of `iptables-save` for the backend to diff against: the chains
// of each table and their rules in order, each as the text after `-A CHAIN `.
export interface SavedTable {
  chains: Map<string, string>; // name -> policy ('-' for user chains)
  rules: { chain: string; spec: string }[];
}

export function parseSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let cur: SavedTable | null = null;
  scanSave(text, (l) => {
    if (l.kind === 'table') tables.set(l.table, (cur = { chains: new Map(), rules: [] }));
    else if (!cur) return;
    else if (l.kind === 'chain') cur.chains.set(l.chain, l.policy);
    else cur.rules.push({ chain: l.chain, spec: l.spec });
  });
  return tables;
}

// What the backend remembers of a save between its writes (iptables-backend.ts
// `known`, for as long as no one else writes): every chain, and of the rules
// only the ones its plan reads (Berth's own chains, FORWARD, rules tagged
// `berth:`), each name and spec a copy of its own (kernel/save-lines.ts ownText):
// a slice keeps the whole save alive. At 10,000 foreign rules the whole
// parse held 1.8 MB for the helper's life, the save's text included (4-5 MB
// at 25,000): docs/architecture.md, "Helper memory".
export function parseSaveForPlan(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let cur: SavedTable | null = null;
  scanSave(text, (l) => {
    if (l.kind === 'table') tables.set(ownText(l.table), (cur = { chains: new Map(), rules: [] }));
    else if (!cur) return;
    else if (l.kind === 'chain') cur.chains.set(ownText(l.chain), ownText(l.policy));
    else if (READ_BY_PLAN.has(l.chain) || BERTH_TAG_RE.test(l.spec)) cur.rules.push({ chain: ownText(l.chain), spec: ownText(l.spec) });
  });
  return tables;
}
const READ_BY_PLAN = new Set(['FORWARD', ...OWN_CHAINS.filter, ...OWN_CHAINS.nat]);

// What `iptables-restore --noflush` does with `script` (lines the backend's
// plan writes: `*table`, `:CHAIN POLICY`, `-A`, `-I CHAIN n`, `-D`, COMMIT),
// applied to a copy of `saved`. The backend keeps the result as the kernel's
// state after its own restore, so the next operation needs no iptables-save.
// A declared user chain is created or flushed, a built-in one only gets its
// policy; -D removes the first exact match, as the kernel does.
export function afterRestore(saved: Map<string, SavedTable>, script: string): Map<string, SavedTable> {
  // Each table's rules by chain while the script runs, flattened again at the
  // end (chains in the order they first appear): an insert or a deletion then
  // looks at its own chain only. On the flat list every `-I n` looked for its
  // chain's n-th rule among all the table's rules, and a `port add` of a range
  // writes thousands of them (5,000 ports: 20 s in this model alone).
  const byChain = new Map<string, Map<string, string[]>>();
  const chainsOf = new Map<string, Map<string, string>>();
  const tableOf = (name: string) => {
    let t = byChain.get(name);
    if (!t) {
      t = new Map();
      const old = saved.get(name);
      for (const r of old?.rules ?? []) (t.get(r.chain) ?? t.set(r.chain, []).get(r.chain)!).push(r.spec);
      byChain.set(name, t);
      chainsOf.set(name, new Map(old?.chains));
    }
    return t;
  };
  for (const name of saved.keys()) tableOf(name);
  let cur: Map<string, string[]> | null = null;
  let curChains: Map<string, string> | null = null;
  const rulesOf = (chain: string) => cur!.get(chain) ?? cur!.set(chain, []).get(chain)!;
  for (const line of script.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      cur = tableOf(name);
      curChains = chainsOf.get(name)!;
    } else if (!cur || !line || line === 'COMMIT') {
      continue;
    } else if (line.startsWith(':')) {
      const [chain, policy] = line.slice(1).split(' ');
      if (policy === '-') cur.delete(chain);
      curChains!.set(chain, policy);
    } else {
      const [op, chain] = line.split(' ', 2);
      const rest = line.slice(op.length + chain.length + 2);
      if (op === '-A') rulesOf(chain).push(rest);
      else if (op === '-D') {
        const rules = rulesOf(chain);
        const i = rules.indexOf(rest);
        if (i >= 0) rules.splice(i, 1);
      } else if (op === '-I') {
        // `-I CHAIN n spec` (n from 1, at most the chain's length + 1; 1 when left out)
        const num = /^(\d+) /.exec(rest);
        const rules = rulesOf(chain);
        rules.splice(Math.min((num ? Number(num[1]) : 1) - 1, rules.length), 0, num ? rest.slice(num[0].length) : rest);
      }
    }
  }
  const out = new Map<string, SavedTable>();
  for (const [name, chains] of byChain) {
    const rules: SavedTable['rules'] = [];
    for (const [chain, specs] of chains) for (const spec of specs) rules.push({ chain, spec });
    out.set(name, { chains: chainsOf.get(name)!, rules });
  }
  return out;
}
