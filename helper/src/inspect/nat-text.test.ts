import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from './iptables-parse';
import { natText, type NatTextFormat } from './nat-text';

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

// what `berth nat ls` prints: the pages one per write, each ending in a newline
function pages(all: typeof rules, format: NatTextFormat, limit: number): string {
  let out = '';
  for (let offset = 0; ; ) {
    const p = natText(all, offset, limit, format);
    if (p.text) out += `${p.text}\n`;
    offset += p.count;
    if (offset >= all.length || p.count === 0) return out;
  }
}

describe('nat.text: the pages of `berth nat ls`, written in the helper', () => {
  it('json: pages of any size join into JSON.stringify(rules, null, 4)', () => {
    for (const limit of [1, 2, 3, 5, 100]) expect(pages(rules, 'json', limit)).toBe(`${JSON.stringify(rules, null, 4)}\n`);
    expect(pages([], 'json', 10)).toBe('[]\n');
  });

  it('raw: each rule as iptables-save prints it, after its table', () => {
    expect(pages(rules, 'raw', 2).split('\n').filter(Boolean)).toEqual([
      '*nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      '*nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      '*nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.3:90',
      '*nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -m comment --comment "a \\"quoted\\" one" -j MASQUERADE',
      '*filter -A FORWARD -o docker0 -j ACCEPT',
    ]);
    expect(pages([], 'raw', 10)).toBe('');
  });

  it('table: a header, then one line per rule, the columns as wide on every page as over all rules', () => {
    const whole = pages(rules, 'table', 100);
    for (const limit of [1, 2, 3]) expect(pages(rules, 'table', limit)).toBe(whole);
    const lines = whole.trimEnd().split('\n');
    expect(lines).toHaveLength(rules.length + 1);
    expect(lines[0]).toMatch(/^TABLE\s+CHAIN\s+#\s+OWNER\s+PKTS\s+MAPPING \/ RULE$/);
    expect(lines[2]).toMatch(/^nat\s+DOCKER\s+1\s+docker\s+0\s+0\.0\.0\.0:8080 -> 172\.17\.0\.2:80\/tcp$/);
    expect(lines[2].indexOf('0.0.0.0:8080')).toBe(lines[0].indexOf('MAPPING'));
    expect(pages([], 'table', 10)).toBe('TABLE   CHAIN   #   OWNER   PKTS   MAPPING / RULE\n');
  });
});
