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
  const out = new Map<string, SavedTable>();
  for (const [name, t] of saved) out.set(name, { chains: new Map(t.chains), rules: [...t.rules] });
  let cur: SavedTable | null = null;
  for (const line of script.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      cur = out.get(name) ?? { chains: new Map(), rules: [] };
      out.set(name, cur);
    } else if (!cur || !line || line === 'COMMIT') {
      continue;
    } else if (line.startsWith(':')) {
      const [chain, policy] = line.slice(1).split(' ');
      if (policy === '-') cur.rules = cur.rules.filter((r) => r.chain !== chain);
      cur.chains.set(chain, policy);
    } else {
      const [op, chain] = line.split(' ', 2);
      const rest = line.slice(op.length + chain.length + 2);
      if (op === '-A') cur.rules.push({ chain, spec: rest });
      else if (op === '-D') {
        const i = cur.rules.findIndex((r) => r.chain === chain && r.spec === rest);
        if (i >= 0) cur.rules.splice(i, 1);
      } else if (op === '-I') {
        // `-I CHAIN n spec` (n from 1, at most the chain's length + 1; 1 when left out)
        const num = /^(\d+) /.exec(rest);
        const spec = num ? rest.slice(num[0].length) : rest;
        const at = num ? Number(num[1]) : 1;
        const idx = cur.rules.flatMap((r, i) => (r.chain === chain ? [i] : []));
        const i = at <= idx.length ? idx[at - 1] : idx.length ? idx[idx.length - 1] + 1 : cur.rules.length;
        cur.rules.splice(i, 0, { chain, spec });
      }
    }
  }
  return out;
}
