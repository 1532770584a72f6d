import type { RemovedLink, RemovedRule } from './snapshot';

type Line = { table: string; line: string };

// One iptables-restore input per family: a `*table … COMMIT` block per table.
export function restoreText(lines: Line[]): string {
  const byTable = new Map<string, string[]>();
  for (const l of lines) byTable.set(l.table, [...(byTable.get(l.table) ?? []), l.line]);
  return [...byTable].map(([t, ls]) => `*${t}\n${ls.join('\n')}\nCOMMIT\n`).join('');
}

// `-D CHAIN spec` removes the FIRST identical rule; a later copy of a
// duplicate is removed by its number instead (highest first per chain, and
// before any spec delete, so no number shifts under another).
export const deleteLines = (rules: RemovedRule[]) => [
  ...rules
    .filter((r) => r.byPosition)
    .sort((a, b) => a.table.localeCompare(b.table) || a.chain.localeCompare(b.chain) || b.position - a.position)
    .map((r) => ({ table: r.table, line: `-D ${r.chain} ${r.position}` })),
  ...rules.filter((r) => !r.byPosition).map((r) => ({ table: r.table, line: `-D ${r.chain} ${r.spec}` })),
];

// Re-insert at the original positions: ascending order per chain makes every
// earlier insert land where it was before the later ones are counted.
export const insertLines = (rules: RemovedRule[]) =>
  [...rules]
    .sort((a, b) => a.table.localeCompare(b.table) || a.chain.localeCompare(b.chain) || a.position - b.position)
    .map((r) => ({ table: r.table, line: `-I ${r.chain} ${r.position} ${r.spec}` }));

// `ip -batch` lines that recreate removed links on the host, and per peer
// namespace the lines that put the peer's addresses back.
// A veth whose peer was unreachable cannot be recreated as it was: skipped.
export function recreateLinkLines(links: RemovedLink[]): { host: string[]; peers: Map<string, string[]>; skipped: string[] } {
  const skipped: string[] = [];
  const host: string[] = [];
  const late: string[] = [];
  const peers = new Map<string, string[]>();
  const ordered = [...links].sort((a, b) => Number(b.kind === 'bridge') - Number(a.kind === 'bridge'));
  for (const l of ordered) {
    if (l.kind === 'veth' && l.peer) {
      const where = l.peer.netns === null ? '' : ` netns ${l.peer.netns.replace(/^pid:/, '')}`;
      host.push(`link add ${l.name} type veth peer name ${l.peer.name}${where}`);
      if (l.peer.netns === null) {
        for (const a of l.peer.addresses) late.push(`address add ${a} dev ${l.peer.name}`);
        if (l.peer.up) late.push(`link set ${l.peer.name} up`);
      } else if (!l.peer.netns.startsWith('pid:')) {
        const ls = [...l.peer.addresses.map((a) => `address add ${a} dev ${l.peer!.name}`), ...(l.peer.up ? [`link set ${l.peer.name} up`] : [])];
        peers.set(l.peer.netns, [...(peers.get(l.peer.netns) ?? []), ...ls]);
      }
    } else if (l.kind === 'veth') {
      skipped.push(l.name);
      continue;
    } else {
      host.push(`link add ${l.name} type ${l.kind}`);
    }
    if (l.mac) host.push(`link set ${l.name} address ${l.mac}`);
    if (l.mtu) host.push(`link set ${l.name} mtu ${l.mtu}`);
    if (l.alias && !/\s/.test(l.alias)) host.push(`link set ${l.name} alias ${l.alias}`);
    for (const a of l.addresses) if (!a.startsWith('fe80:')) late.push(`address add ${a} dev ${l.name}`);
    if (l.master) late.push(`link set ${l.name} master ${l.master}`);
    if (l.up) late.push(`link set ${l.name} up`);
  }
  return { skipped, host: [...host, ...late], peers: new Map([...peers].map(([k, v]) => [k, v.filter((x) => !x.includes(' fe80:'))])) };
}
