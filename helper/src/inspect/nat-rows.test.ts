import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../src/shared/inspect';
import { parseIptablesSave } from './iptables-parse';
import { RowCache } from './nat-rows';
import { JSON_LINE, jsonLines, TABLE_LINE, tableBytes } from './nat-text';

const SAVE = `*nat
[9:540] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
[5:300] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.3:90
[1:60] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -m comment --comment "a \\"quoted\\" one, \\"packets\\":1" -j MASQUERADE
COMMIT
*filter
[2:120] -A FORWARD -o docker0 -j ACCEPT
[2:120] -A FORWARD -o docker0 -j ACCEPT
COMMIT
`;
// a new reading of the same text: new objects, as every listing parses its own
const read = (save = SAVE) => parseIptablesSave(save, 'ipv4').map((r, i) => ({ ...r, owner: i % 2 ? ('docker' as const) : ('system' as const) }));
const nft: FirewallRule = { ...read()[0], id: 'nft/ip t/c/1', source: 'nftables', table: 'ip t', chain: 'c', text: 'comment "two\nlines" accept', matches: {}, mapping: null };
const cut = <T>(all: T[], size: number) => Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, (i + 1) * size));

// one listing's output through the kept rows, in pieces of `size` rules
function listed(cache: RowCache, format: 'json' | 'table', rules: FirewallRule[], size: number): string {
  const rows = cache.begin();
  const out = cut(rules, size).flatMap((p, i) => (format === 'json' ? jsonLines(p, rows) : tableBytes(p, i === 0, rows)));
  rows.end();
  return Buffer.concat(out).toString();
}
const fresh = (format: 'json' | 'table', rules: FirewallRule[]) => Buffer.concat(format === 'json' ? jsonLines(rules) : tableBytes(rules, true)).toString();

describe('nat ls rows kept between listings (nat-rows.ts)', () => {
  for (const format of ['json', 'table'] as const) {
    it(`${format}: a listing's output is the same with kept rows, whatever changed since the last`, () => {
      const cache = new RowCache();
      const changes: [string, (rs: FirewallRule[]) => FirewallRule[]][] = [
        ['nothing', (rs) => rs],
        ['counters', (rs) => rs.map((r, i) => (i === 1 ? { ...r, packets: 123, bytes: 45678 } : i === 3 ? { ...r, bytes: 7 } : r))],
        ['an owner and an engine object', (rs) => rs.map((r, i) => (i === 2 ? { ...r, owner: 'podman' as const } : i === 4 ? { ...r, ownerObject: { kind: 'container' as const, id: 'x', name: 'web' } } : r))],
        ['an engine object to none', (rs) => rs.map((r, i) => (i === 4 ? { ...r, ownerObject: null } : r))],
        ['a rule inserted before others of its chain', () => read(SAVE.replace('[0:0] -A DOCKER', '[1:1] -A DOCKER -j RETURN\n[0:0] -A DOCKER'))],
        ['a rule removed', () => read(SAVE.replace('[9:540] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n', ''))],
        ['an nft rule with a newline in its text', (rs) => [...rs, nft]],
      ];
      for (const [what, change] of changes) {
        for (const size of [1, 3, 100]) {
          // the listing before (its rows kept), then this one
          expect(listed(cache, format, read(), size), `before ${what}`).toBe(fresh(format, read()));
          const now = change(read());
          expect(listed(cache, format, now, size), what).toBe(fresh(format, now));
          expect(listed(cache, format, change(read()), 7), `${what}, again`).toBe(fresh(format, now));
        }
      }
    });
  }

  it('rows are taken from the listing before: a line made is not made again while its rule is the same', () => {
    const cache = new RowCache();
    listed(cache, 'json', read(), 2);
    // what the row shows comes from the kept line, not from this (unchanged-looking) object's matches
    const again = read().map((r) => ({ ...r, matches: { changed: 'yes' } }));
    expect(listed(cache, 'json', again, 2)).toBe(fresh('json', read()));
    expect(cache.size).toBe(read().length);
    // new counters are spliced into the kept line (its matches still the kept ones)
    const counted = read().map((r) => ({ ...r, packets: r.packets + 1000, bytes: r.bytes * 3 }));
    expect(listed(cache, 'json', counted.map((r) => ({ ...r, matches: { changed: 'yes' } })), 2)).toBe(fresh('json', counted));
  });

  it('kept lines go out in order: a long run or a lone range as a view of its piece, the rest in one new piece', () => {
    // 300 rules in one page: ~80 KB of JSON
    const many = (change = (r: FirewallRule) => r) =>
      read(`*nat\n${Array.from({ length: 300 }, (_, i) => `[${i}:${i * 60}] -A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1000 + i} -j DNAT --to-destination 172.17.0.2:80`).join('\n')}\nCOMMIT\n`).map(change);
    const page = (rules: FirewallRule[]) => {
      const rows = cache.begin();
      const out = jsonLines(rules, rows);
      rows.end();
      expect(Buffer.concat(out).toString()).toBe(fresh('json', rules));
      return out;
    };
    const cache = new RowCache();
    const [first] = page(many());
    // the same rules: the piece they were written in, not copied
    const same = page(many());
    expect(same).toHaveLength(1);
    expect(same[0].buffer).toBe(first.buffer);
    // one rule's line changed in the middle: the runs around it are views, its new line a piece of its own
    const changed = page(many((r) => (r.position === 150 ? { ...r, owner: 'podman' as const } : r)));
    expect(changed.map((b) => b.buffer === first.buffer)).toEqual([true, false, true]);
    // every counter moved: one new piece, every line's counters spliced in
    page(many());
    expect(cache.begin().ask(many((r) => ({ ...r, packets: r.packets + 1, bytes: r.bytes + 64 })), JSON_LINE).made).toHaveLength(0);
    const counted = page(many((r) => ({ ...r, packets: r.packets + 1, bytes: r.bytes + 64 })));
    expect(counted).toHaveLength(1);
    expect(counted[0].buffer).not.toBe(first.buffer);
    // and kept there: the next listing like it is a view of that piece
    const again = page(many((r) => ({ ...r, packets: r.packets + 1, bytes: r.bytes + 64 })));
    expect(again).toHaveLength(1);
    expect(again[0].buffer).toBe(counted[0].buffer);
  });

  it('table: a page whose lines are all kept is sent as views of their pieces, whatever the page before made', () => {
    const many = () => read(`*nat\n${Array.from({ length: 300 }, (_, i) => `[${i}:${i * 60}] -A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1000 + i} -j DNAT --to-destination 172.17.0.2:80`).join('\n')}\nCOMMIT\n`);
    const cache = new RowCache();
    const pages = (rules: FirewallRule[]) => {
      const rows = cache.begin();
      const out = cut(rules, 100).map((p, i) => tableBytes(p, i === 0, rows));
      rows.end();
      expect(Buffer.concat(out.flat()).toString()).toBe(fresh('table', rules));
      return out;
    };
    const first = pages(many());
    // the first page makes its header anew; the next ones made nothing: each is its kept piece, not made again
    const again = pages(many());
    for (const i of [1, 2]) {
      expect(again[i]).toHaveLength(1);
      expect(again[i][0].buffer).toBe(first[i][0].buffer);
    }
  });

  it('covers: the kept rows are these rules\' in this format (sampled at their places), not a format listed before the host changed', () => {
    const many = (port = 1000) => read(`*nat\n${Array.from({ length: 300 }, (_, i) => `[${i}:${i * 60}] -A DOCKER ! -i docker0 -p tcp -m tcp --dport ${port + i} -j DNAT --to-destination 172.17.0.2:80`).join('\n')}\nCOMMIT\n`);
    const cache = new RowCache();
    expect(cache.covers(many(), 'json')).toBe(false);
    listed(cache, 'json', many(), 100);
    expect(cache.covers(many(), 'json')).toBe(true);
    expect(cache.covers(many().map((r) => ({ ...r, packets: r.packets + 5 })), 'json')).toBe(true); // counters are spliced in
    expect(cache.covers(many(), 'table')).toBe(false);
    expect(cache.covers(many(2000), 'json')).toBe(false); // every rule changed since
    expect(cache.covers(many().map((r, i) => (i === 299 ? { ...r, owner: 'podman' as const } : r)), 'json')).toBe(false);
    expect(cache.covers(many().slice(1), 'json')).toBe(false);
  });

  it('table: a kept line whose packets moved gets the new cell in place, whatever its length and the cells before it', () => {
    const cache = new RowCache();
    const odd = read().map((r, i) => (i === 2 ? { ...r, owner: 'docker' as const, ownerObject: { kind: 'container' as const, id: 'x', name: 'café-ünïcode-with-a-long-name' } } : r));
    // lines made: none but the first listing's (the rows asked before each listing)
    const made = (rules: FirewallRule[]) => cache.begin().ask(rules, TABLE_LINE).made.length;
    for (const packets of [0, 7, 123456, 1e12, 12345678901234, 3]) {
      const now = odd.map((r) => ({ ...r, packets: r.packets + packets }));
      if (packets) expect(made(now)).toBe(0);
      for (const size of [1, 4]) expect(listed(cache, 'table', now, size), `packets + ${packets}`).toBe(fresh('table', now));
    }
    // a last cell that is empty (the line trimmed after the packets) is made again
    const bare = read().map((r, i) => (i === 0 ? { ...r, mapping: '' as unknown as null, text: '-A PREROUTING ' } : r));
    for (const packets of [1, 1e13, 5]) {
      const now = bare.map((r) => ({ ...r, packets: r.packets + packets }));
      if (packets !== 1) expect(made(now)).toBe(1);
      expect(listed(cache, 'table', now, 3)).toBe(fresh('table', now));
    }
  });

  it('a listing with filters leaves the kept rows as they were; all of them are dropped when idle', async () => {
    const cache = new RowCache(20);
    listed(cache, 'table', read(), 2);
    const rows = cache.begin();
    tableBytes(read().slice(0, 2), true, rows); // no end(): a listing of some rules only
    expect(cache.size).toBe(read().length);
    const until = Date.now() + 5000;
    while (cache.size && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(cache.size, 'rows still kept 5 s after the last listing').toBe(0);
  });
});
