import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../src/shared/inspect';
import { tableLine, truncate } from '../../../src/shared/text-table';
import { parseIptablesSave } from './iptables-parse';
import { FIXED_WIDTHS, jsonLines, measuredWidths, rawLine, TABLE_HEADERS, tableBytes, tableText } from './nat-text';

const SAVE = `*nat
[9:540] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
[5:300] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.3:90
[1:60] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -m comment --comment "a \\"quoted\\" one" -j MASQUERADE
COMMIT
*filter
[2:120] -A FORWARD -o docker0 -j ACCEPT
COMMIT
`;
const rules = parseIptablesSave(SAVE, 'ipv4').map((r, i) => ({ ...r, owner: i % 2 ? ('docker' as const) : ('system' as const) }));

// what `berth nat ls` prints: its pieces as written, each ending in a newline
const pieces = (texts: string[]) => texts.filter(Boolean).map((t) => `${t}\n`).join('');
const cut = <T>(all: T[], size: number) => Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, (i + 1) * size));

describe('nat.text: the pieces of `berth nat ls`, written in the helper', () => {
  it('json: one object per line, pieces of any size joining into the same lines', () => {
    const tricky = [...rules, { ...rules[0], text: '-A X -m comment --comment "},{\\"id\\":\\"x\\"} café …" -j RETURN', comment: '},{"id":"x"} café …', ownerObject: { kind: 'container' as const, id: 'i', name: '},{"n\u2028' } }];
    const want = `${tricky.map((r) => JSON.stringify(r)).join('\n')}\n`;
    // bytes, each piece whole lines
    for (const size of [1, 2, 3, 5, 100]) expect(Buffer.concat(cut(tricky, size).flatMap((p) => jsonLines(p))).toString()).toBe(want);
    expect(want.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(tricky);
    expect(jsonLines([]).length).toBe(0);
  });

  it('raw: each rule as iptables-save prints it, after its table', () => {
    expect(rules.map(rawLine)).toEqual([
      '*nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      '*nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      '*nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.3:90',
      '*nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -m comment --comment "a \\"quoted\\" one" -j MASQUERADE',
      '*filter -A FORWARD -o docker0 -j ACCEPT',
    ]);
  });

  it('table: fixed columns, so pieces of any size line up and join into the whole table', () => {
    const whole = pieces([tableText(rules, FIXED_WIDTHS, true)]);
    for (const size of [1, 2, 3]) expect(pieces(cut(rules, size).map((p, i) => tableText(p, FIXED_WIDTHS, i === 0)))).toBe(whole);
    const lines = whole.trimEnd().split('\n');
    expect(lines).toHaveLength(rules.length + 1);
    expect(lines[0]).toMatch(/^TABLE\s+CHAIN\s+#\s+OWNER\s+PKTS\s+MAPPING \/ RULE$/);
    expect(lines[2]).toMatch(/^nat\s+DOCKER\s+1\s+docker\s+0\s+0\.0\.0\.0:8080 -> 172\.17\.0\.2:80\/tcp$/);
    for (const l of lines.slice(1)) expect(l.slice(lines[0].indexOf('MAPPING') - 3).startsWith('   ')).toBe(true);
    expect(lines[2].indexOf('0.0.0.0:8080')).toBe(lines[0].indexOf('MAPPING'));
    expect(tableText([], FIXED_WIDTHS, true)).toMatch(/^TABLE {8}CHAIN {26}# {7}OWNER {22}PKTS {9}MAPPING \/ RULE$/);
  });

  it('table: each fixed-width line is tableLine of its cells cut to the widths, also where trimming or the chain cut is not plain', () => {
    const w = FIXED_WIDTHS;
    // the line as tableLine makes it from the cells (what the table was before it was written as one concatenation)
    const ref = (r: FirewallRule) => {
      const owner = r.ownerObject ? `${r.owner} (${r.ownerObject.name})` : r.owner;
      const last = r.mapping || truncate(r.text.replace(/^-A \S+ /, ''), 80);
      return tableLine([truncate(r.table, w[0]), truncate(r.chain, w[1]), String(r.position), truncate(owner, w[3]), String(r.packets), last], w);
    };
    const r0 = { ...rules[0], mapping: null };
    const odd: FirewallRule[] = [
      ...rules,
      { ...r0, text: '-A PREROUTING -j X   ' }, // the last cell ends in spaces: trimmed
      { ...r0, text: '-A PREROUTING -j X\u00a0\u3000' }, // in Unicode's spaces
      { ...r0, text: '-A PREROUTING ' }, // an empty last cell: the packets cell's padding trimmed too
      { ...r0, text: '-A PREROUTING' }, // no space after the chain: the text whole
      { ...r0, text: '-A PRE\tROUTING -j X' }, // a tab in the chain's place: the text whole
      { ...r0, text: '-A PRE\u2028X -j X' }, // a Unicode line end there too
      { ...r0, text: '-AX PREROUTING -j X' },
      { ...r0, text: `-A PREROUTING ${'x'.repeat(79)}` }, // 79, 80 and 81 long: cut at 80
      { ...r0, text: `-A PREROUTING ${'x'.repeat(80)}` },
      { ...r0, text: `-A PREROUTING ${'x'.repeat(81)}` },
      { ...r0, table: 't'.repeat(11), chain: 'c'.repeat(29), position: 123456, packets: 12345678901, ownerObject: { kind: 'container' as const, id: 'i', name: 'é'.repeat(30) } },
      { ...r0, mapping: 'a -> b ' },
      { ...r0, chain: `${'c'.repeat(26)}😀x`, owner: 'podman' as const, ownerObject: { kind: 'network' as const, id: 'p', name: `${'n'.repeat(12)}😀😀` } }, // a pair cut in two by the cut
      { ...r0, chain: `${'c'.repeat(27)}😀`, text: `-A PREROUTING ${'é'.repeat(78)}😀x` }, // the rule's cut splits a pair too
      { ...r0, text: '-A PREROUTING -m comment --comment "two\nlines" -j X' }, // a newline of its own
      { ...r0, mapping: '' }, // no mapping: the rule
    ];
    const want = [tableLine(TABLE_HEADERS, w), ...odd.map(ref)].join('\n');
    expect(tableText(odd, FIXED_WIDTHS, true)).toBe(want);
    expect(Buffer.concat(tableBytes(odd, true))).toEqual(Buffer.from(`${want}\n`)); // bytes: a pair the cut split is U+FFFD there
    expect(tableText(odd, FIXED_WIDTHS, true).split('\n')[3 + rules.length]).toMatch(new RegExp(` ${r0.packets}$`)); // the empty cell's line ends at the packets
  });

  it('table: a longer cell is cut with "…" and keeps the columns; numbers are never cut', () => {
    const long = { ...rules[1], chain: 'C'.repeat(40), owner: 'docker' as const, ownerObject: { kind: 'container', id: 'x', name: 'n'.repeat(40) }, packets: 123456789012 } as (typeof rules)[number];
    const [header, line] = tableText([long], FIXED_WIDTHS, true).split('\n');
    expect(line).toContain(`${'C'.repeat(27)}…`);
    expect(line).toContain(`docker (${'n'.repeat(15)}…`);
    expect(line).toContain('123456789012');
    expect(line.indexOf('123456789012')).toBe(header.indexOf('PKTS'));
    const rule = { ...rules[0], mapping: null, text: `-A PREROUTING ${'-m x '.repeat(30)}-j DOCKER` };
    expect(tableText([rule], FIXED_WIDTHS, false)).toMatch(/…$/);
  });

  it('table --no-trunc: whole cells, the columns as wide as the widest of all rules', () => {
    const long = { ...rules[0], chain: 'C'.repeat(40), mapping: null, text: `-A ${'C'.repeat(40)} ${'-m x '.repeat(30)}-j DOCKER` };
    const all = [...rules, long];
    const widths = measuredWidths(all);
    expect(widths[1]).toBe(40);
    const lines = tableText(all, widths, true).split('\n');
    expect(lines.at(-1)).toBe(`nat${' '.repeat(6)}${'C'.repeat(40)}   1   system   9      ${'-m x '.repeat(30)}-j DOCKER`);
    expect(lines[0].indexOf('#')).toBe(lines.at(-1)!.indexOf('1   system'));
  });
});
