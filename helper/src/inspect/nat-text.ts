import type { FirewallRule, NatTextResult } from '../../../src/shared/inspect';
import { tableLine, tableWidths, truncate } from '../../../src/shared/text-table';

// `berth nat ls`'s output, written in the helper one page at a time
// (nat.text, docs/architecture.md "How a request flows"): the CLI writes each page as it comes,
// without an object per rule, and the pages joined are the whole output.
export type NatTextFormat = 'raw' | 'json' | 'table';

const HEADERS = ['TABLE', 'CHAIN', '#', 'OWNER', 'PKTS', 'MAPPING / RULE'];
const cells = (r: FirewallRule) => [
  r.table, r.chain, String(r.position), r.ownerObject ? `${r.owner} (${r.ownerObject.name})` : r.owner, String(r.packets),
  r.mapping ?? truncate(r.text.replace(/^-A \S+ /, ''), 80),
];
// as iptables-save prints it, after its table; nft's as `nft list ruleset` prints it, after "family table:"
const rawLine = (r: FirewallRule) => `${r.source === 'iptables' ? `*${r.table} ` : `${r.table}: `}${r.text}`;
// JSON.stringify(rules, null, 4) of the whole list, a rule at a time
const jsonItem = (r: FirewallRule) => JSON.stringify(r, null, 4).replace(/^/gm, '    ');

// The text of matches[offset, offset + limit): `all` is every match (a table's
// widths are the widest cell of all of them, so the pages line up).
export function natText(all: FirewallRule[], offset: number, limit: number, format: NatTextFormat): Pick<NatTextResult, 'count' | 'text'> {
  const page = all.slice(offset, offset + limit);
  const first = offset === 0;
  const last = offset + page.length >= all.length;
  let text: string;
  if (format === 'raw') text = page.map(rawLine).join('\n');
  else if (format === 'json') {
    if (first && last && !page.length) text = '[]';
    else if (!page.length && !last) text = '';
    else text = `${first ? '[\n' : ''}${page.map(jsonItem).join(',\n')}${last ? '\n]' : ','}`;
  } else {
    const widths = tableWidths(HEADERS, all.map(cells));
    const lines = page.map((r) => tableLine(cells(r), widths));
    if (first) lines.unshift(tableLine(HEADERS, widths));
    text = lines.join('\n');
  }
  return { count: page.length, text };
}
