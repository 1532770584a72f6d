import { scanSave } from '../kernel/save-lines';

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
