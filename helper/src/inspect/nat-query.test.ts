import { afterEach, describe, expect, it, vi } from 'vitest';
import { NatQueryParams } from '../../../src/shared/inspect';
import { parseIptablesSave } from './iptables-parse';
import { countersSince, makeSnapshot, queryRules, SnapshotCache, sourcesOf } from './nat-query';

const SAVE = `*nat
[9:540] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
[5:300] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.3:90
[1:60] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
COMMIT
*filter
[2:120] -A FORWARD -o docker0 -j ACCEPT
COMMIT
`;
const rules = parseIptablesSave(SAVE, 'ipv4').map((r, i) => ({ ...r, owner: i % 2 ? ('docker' as const) : ('system' as const) }));
const q = (p: object) => queryRules(makeSnapshot(rules, []), NatQueryParams.parse(p));

describe('nat.query: the helper filters, sorts and pages', () => {
  it('pages the printed order and counts everything', () => {
    const r = q({ offset: 1, limit: 2 });
    expect(r).toMatchObject({ total: 5, matched: 5, offset: 1, tables: ['filter', 'nat'], owners: ['docker', 'system'] });
    expect(r.rules.map((x) => x.id)).toEqual(['ipv4/nat/DOCKER/1', 'ipv4/nat/DOCKER/2']);
  });

  it('searches case-insensitively in text, mapping and chain, and filters by table and owner', () => {
    expect(q({ search: '0.0.0.0:9090' }).rules.map((x) => x.id)).toEqual(['ipv4/nat/DOCKER/2']);
    expect(q({ search: 'masquerade' }).matched).toBe(1);
    expect(q({ table: 'filter' }).rules.map((x) => x.chain)).toEqual(['FORWARD']);
    expect(q({ owner: 'docker', table: 'nat' }).matched).toBe(2);
    expect(q({ search: 'no such thing' })).toMatchObject({ matched: 0, rules: [] });
  });

  it('sorts by counters either way, ties in printed order, and finds a rule among the matches', () => {
    expect(q({ sort: 'packets', desc: true }).rules.map((x) => x.packets)).toEqual([9, 5, 2, 1, 0]);
    expect(q({ sort: 'packets' }).rules.map((x) => x.packets)).toEqual([0, 1, 2, 5, 9]);
    expect(q({ table: 'nat', find: 'ipv4/nat/POSTROUTING/1', limit: 1 })).toMatchObject({ foundAt: 3, rules: [{ id: 'ipv4/nat/PREROUTING/1' }] });
    expect(q({ table: 'filter', find: 'ipv4/nat/POSTROUTING/1' }).foundAt).toBeNull();
  });
});

describe('SnapshotCache', () => {
  afterEach(() => vi.useRealTimers());
  it('keeps a reading while it is used, drops it after the idle time and beyond the size limit', () => {
    vi.useFakeTimers();
    const cache = new SnapshotCache(1000, 2);
    const a = cache.put(makeSnapshot(rules, []));
    vi.advanceTimersByTime(900);
    expect(cache.get(a.id)).toBe(a);
    vi.advanceTimersByTime(900);
    expect(cache.get(a.id)).toBe(a); // touched at 900: still there
    vi.advanceTimersByTime(1001);
    expect(cache.get(a.id)).toBeNull();
    const b = cache.put(makeSnapshot(rules, []));
    cache.put(makeSnapshot(rules, []));
    cache.put(makeSnapshot(rules, []));
    expect(cache.get(b.id)).toBeNull();
    expect(cache.get(undefined)).toBeNull();
    cache.clear();
  });
});

describe('nat.counters: only what moved since the reading', () => {
  it('sends back moved counters, names rules whose text changed or vanished, and nothing for an idle host', () => {
    const snap = makeSnapshot(rules, []);
    const [a, b, c] = rules;
    const now = new Map(rules.map((r) => [r.id, r]));
    expect(countersSince(snap, [a.id, b.id], now)).toMatchObject({ counters: [], changed: [] });
    now.set(a.id, { ...a, packets: a.packets + 1, bytes: a.bytes + 60 });
    now.set(b.id, { ...b, text: `${b.text} -m comment --comment moved` });
    now.delete(c.id);
    const r = countersSince(snap, [a.id, b.id, c.id], now);
    expect(r.counters).toEqual([{ id: a.id, packets: a.packets + 1, bytes: a.bytes + 60 }]);
    expect(r.changed).toEqual([b.id, c.id]);
    expect(countersSince(null, [a.id], now).changed).toEqual([a.id]);
  });

  it('reads only the programs the asked rows came from', () => {
    expect(sourcesOf(['ipv4/nat/DOCKER/1'])).toEqual({ ipv4: true, ipv6: false, nft: false });
    expect(sourcesOf(['ipv6/filter/FORWARD/1', 'nft/inet/mine/input/1'])).toEqual({ ipv4: false, ipv6: true, nft: true });
    expect(sourcesOf([])).toEqual({ ipv4: false, ipv6: false, nft: false });
  });
});
