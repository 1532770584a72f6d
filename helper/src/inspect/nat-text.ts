import type { FirewallRule } from '../../../src/shared/inspect';
import { tableLine, truncate } from '../../../src/shared/text-table';

// `berth nat ls`'s output, written in the helper one piece at a time
// (nat.text, docs/architecture.md "How a request flows"): the CLI writes each page as it comes,
// without an object per rule, and the pages joined are the whole output.
export type NatTextFormat = 'raw' | 'json' | 'table';

const HEADERS = ['TABLE', 'CHAIN', '#', 'OWNER', 'PKTS', 'MAPPING / RULE'];
const cells = (r: FirewallRule) => [
  r.table, r.chain, String(r.position), r.ownerObject ? `${r.owner} (${r.ownerObject.name})` : r.owner, String(r.packets), lastCell(r),
];
// JSON.stringify(rules, null, 4) of the whole list, a page at a time: the
// page's own array without its brackets (one string, no copy per rule)
const jsonItems = (page: FirewallRule[]) => JSON.stringify(page, null, 4).slice(2, -2);
// A piece of the JSON array: `first` opens it, `last` closes it; a piece
// that is neither ends with the comma before the next (pieces join by newlines).
export function jsonPiece(page: FirewallRule[], first: boolean, last: boolean): string {
  if (first && last && !page.length) return '[]';
  if (!page.length && !last) return '';
  return `${first ? '[\n' : ''}${jsonItems(page)}${last ? '\n]' : ','}`;
}
// as iptables-save prints it, after its table; nft's as `nft list ruleset` prints it, after "family table:"
export const rawLine = (r: FirewallRule) => `${r.source === 'iptables' ? `*${r.table} ` : `${r.table}: `}${r.text}`;
// a column's width from the cells' lengths alone: a table's widths are taken
// over every match on every page, so no string is made for them
const lastCell = (r: FirewallRule) => r.mapping ?? truncate(r.text.replace(/^-A \S+ /, ''), 80);
const cellLengths = (r: FirewallRule) => [
  r.table.length, r.chain.length, String(r.position).length,
  r.owner.length + (r.ownerObject ? r.ownerObject.name.length + 3 : 0), String(r.packets).length,
];

// The text of matches[offset, offset + limit): `all` is every match (a table's
// widths are the widest cell of all of them, so the pages line up).
export function natText(all: FirewallRule[], offset: number, limit: number, format: NatTextFormat): { count: number; text: string } {
  const page = all.slice(offset, offset + limit);
  const first = offset === 0;
  const last = offset + page.length >= all.length;
  let text: string;
  if (format === 'raw') text = page.map(rawLine).join('\n');
  else if (format === 'json') text = jsonPiece(page, first, last);
  else {
    // the last column is not padded: its width is not needed
    const widths = HEADERS.map((h) => h.length);
    for (const r of all) cellLengths(r).forEach((n, i) => (widths[i] = Math.max(widths[i], n)));
    const lines = page.map((r) => tableLine(cells(r), widths));
    if (first) lines.unshift(tableLine(HEADERS, widths));
    text = lines.join('\n');
  }
  return { count: page.length, text };
}
