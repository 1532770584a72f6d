// Just enough of `iptables-save` for the backend to diff against: the chains
// of each table and their rules in order, each as the text after `-A CHAIN `.
export interface SavedTable {
  chains: Map<string, string>; // name -> policy ('-' for user chains)
  rules: { chain: string; spec: string }[];
}

export function parseSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let cur: SavedTable | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = { chains: new Map(), rules: [] };
      tables.set(line.slice(1).trim(), cur);
    } else if (!cur || line.startsWith('#') || line === 'COMMIT') {
      continue;
    } else if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ');
      cur.chains.set(name, policy);
    } else if (line.startsWith('-A ')) {
      const sp = line.indexOf(' ', 3);
      cur.rules.push({ chain: line.slice(3, sp), spec: line.slice(sp + 1) });
    }
  }
  return tables;
}
