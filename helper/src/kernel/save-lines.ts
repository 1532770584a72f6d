// One reading of `iptables-save [-c]` text, line by line, for every reader of
// it (the firewall backend's drift check and host inspection): which table a
// line is in, chain declarations, and rules with their optional counters.
// `-A FOO` with no spec is a valid rule (it only counts packets): chain FOO.
export type SaveLine =
  | { kind: 'table'; table: string }
  | { kind: 'chain'; table: string; chain: string; policy: string }
  | { kind: 'rule'; table: string; chain: string; text: string; spec: string; packets: number; bytes: number };

// Calls `on` for each table header, chain declaration and rule, in order.
// Comments, COMMIT and blank lines are skipped. No array of lines is built:
// a 50,000-rule save is read in one pass over the string. A save read in
// pieces (cut at line ends) passes each piece the table the last one ended in.
export function scanSave(text: string, on: (line: SaveLine) => void, table = ''): string {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line || line[0] === '#' || line === 'COMMIT') continue;
    const c = line[0];
    if (c === '*') {
      table = line.slice(1).trim();
      on({ kind: 'table', table });
    } else if (c === ':') {
      const sp = line.indexOf(' ');
      const chain = sp < 0 ? line.slice(1) : line.slice(1, sp);
      const policy = sp < 0 ? '-' : line.slice(sp + 1).split(' ')[0];
      on({ kind: 'chain', table, chain, policy });
    } else {
      let packets = 0;
      let bytes = 0;
      let body = line;
      if (c === '[') {
        // `[packets:bytes] -A …` from iptables-save -c
        const close = line.indexOf(']');
        const colon = line.indexOf(':');
        if (close < 0) continue;
        packets = Number(line.slice(1, colon > 0 && colon < close ? colon : close)) || 0;
        bytes = colon > 0 && colon < close ? Number(line.slice(colon + 1, close)) || 0 : 0;
        body = line.slice(close + 1).trimStart();
      }
      if (!body.startsWith('-A ')) continue;
      const sp = body.indexOf(' ', 3);
      const chain = sp < 0 ? body.slice(3) : body.slice(3, sp);
      if (!chain) continue;
      on({ kind: 'rule', table, chain, text: body, spec: sp < 0 ? '' : body.slice(sp + 1), packets, bytes });
    }
  }
  return table;
}
