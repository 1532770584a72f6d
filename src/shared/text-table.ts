// A plain text table: every column but the last padded to its widest cell.
// The CLI prints its lists with it, and the helper writes `berth nat ls`'s
// table with it page by page (nat.text), so the widths are taken apart from
// the lines: one page's lines line up with every other page's.
export const tableWidths = (headers: string[], rows: string[][]): number[] =>
  headers.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));

// a cell of a column `width` wide, with the 3 spaces before the next
export const tableCell = (c: string, width: number): string => c.padEnd(width + 3);

export const tableLine = (cells: string[], widths: number[]): string =>
  cells
    .map((c, i) => (i === cells.length - 1 ? c : tableCell(c, widths[i])))
    .join('')
    .trimEnd();

export const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
