import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../src/shared/inspect';
import type { HostRaw, IpLinkJson } from '../kernel/host-raw-types';
import { jsonPieces } from '../server/json-pieces';
import { buildHostInspect } from './build';
import { engineNamesFrom, nameEngineRules, type EngineNames } from './engine-names';
import type { EngineSource } from './engines';
import { iptablesSaveParser } from './iptables-parse';
import { RuleMemo } from './rule-memo';

const raw = (ipv4: string | null, ipv6: string | null = null, links: IpLinkJson[] = []): HostRaw => ({
  takenAt: '2026-12-02T00:00:00.000Z', hostInode: 1, links, addrs: links, routes: [], nsids: [], netns: [], processes: [],
  ss: null, iptables: { ipv4, ipv6 }, nft: null, errors: [],
});
// one reading as host.inspect makes it: parsed from the memo, classified, then settled into it
const reading = (memo: RuleMemo, r: HostRaw): FirewallRule[] => {
  const rules = buildHostInspect(r, {}, memo).rules;
  memo.settle(rules);
  return rules;
};
// the same reading with no memo: what every reading must equal
const cold = (r: HostRaw): FirewallRule[] => buildHostInspect(r).rules;

const SAVE = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':DOCKER - [0:0]',
  '[3:180] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
  '[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.3:80',
  '[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8082 -j DNAT --to-destination 172.17.0.4:80',
  '[1:60] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
  'COMMIT',
  '*filter',
  ':FORWARD DROP [0:0]',
  '[5:300] -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '[0:0] -A FORWARD -o vethx -j ACCEPT',
  '[0:0] -A FORWARD -p tcp -m comment --comment "a \\"quoted\\" word" -j ACCEPT',
  'COMMIT',
  '',
].join('\n');
const lines = SAVE.split('\n');
const edit = (f: (l: string[]) => string[]) => f([...lines]).join('\n');

describe('RuleMemo: a reading after another', () => {
  it('answers every rule of an unchanged save as the same, frozen object, equal to a reading without memo', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(SAVE));
    const again = reading(memo, raw(SAVE));
    expect(again).toHaveLength(7);
    again.forEach((r, i) => expect(r).toBe(first[i]));
    expect(again).toEqual(cold(raw(SAVE)));
    expect(Object.isFrozen(again[0]) && Object.isFrozen(again[0].matches) && Object.isFrozen(again[0].targetArgs)).toBe(true);
    expect(memo.size).toBe(7);
    expect(memo.table('ipv4', 'filter')?.get(again[4].text)).toBe(again[4]);
    expect(memo.table('ipv6', 'filter')).toBeUndefined();
  });

  it('parses a changed line anew and keeps the others', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(SAVE));
    const changed = edit((l) => ((l[4] = l[4].replace('8081', '9091')), l));
    const next = reading(memo, raw(changed));
    expect(next).toEqual(cold(raw(changed)));
    expect(next[1]).not.toBe(first[1]);
    expect(next[1]).toMatchObject({ matches: { dport: '9091' }, mapping: '0.0.0.0:9091 -> 172.17.0.3:80/tcp', position: 2 });
    for (const i of [0, 2, 3, 4, 5, 6]) expect(next[i]).toBe(first[i]);
  });

  it('renumbers the rules after a removed line (new objects) and keeps the rules of other chains', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(SAVE));
    const removed = edit((l) => (l.splice(3, 1), l));
    const next = reading(memo, raw(removed));
    expect(next).toEqual(cold(raw(removed)));
    expect(next.map((r) => r.id).slice(0, 2)).toEqual(['ipv4/nat/DOCKER/1', 'ipv4/nat/DOCKER/2']);
    expect(next[0]).not.toBe(first[1]);
    expect(next[0].matches).toBe(first[1].matches); // not parsed again
    expect(next[2]).toBe(first[3]);
    expect(next.slice(3)).toEqual(first.slice(4));
    next.slice(3).forEach((r, i) => expect(r).toBe(first[4 + i]));
    // the answer before is untouched
    expect(first[1].id).toBe('ipv4/nat/DOCKER/2');
  });

  it('takes new counters into a new object (the one before keeps its own), without parsing the line again', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(SAVE));
    const counted = edit((l) => ((l[3] = l[3].replace('[3:180]', '[7:420]')), l));
    const next = reading(memo, raw(counted));
    expect(next).toEqual(cold(raw(counted)));
    expect(next[0]).not.toBe(first[0]);
    expect(next[0]).toMatchObject({ packets: 7, bytes: 420 });
    expect(first[0]).toMatchObject({ packets: 3, bytes: 180 });
    expect(next[0].matches).toBe(first[0].matches);
    expect(next[1]).toBe(first[1]);
  });

  it('follows reordered lines: each rule its new position, equal to a reading without memo', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(SAVE));
    const reordered = edit((l) => ([l[3], l[5]] = [l[5], l[3]], l));
    const next = reading(memo, raw(reordered));
    expect(next).toEqual(cold(raw(reordered)));
    expect(next[0]).toMatchObject({ position: 1, matches: { dport: '8082' } });
    expect(next[1]).toBe(first[1]);
    expect(next[2]).toMatchObject({ position: 3, matches: { dport: '8080' }, packets: 3 });
  });

  it('keeps families and tables apart: the same line elsewhere is that table\'s and family\'s rule', () => {
    const memo = new RuleMemo();
    const line = '[0:0] -A X -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.2';
    const v4 = `*nat\n${line}\nCOMMIT\n*mangle\n${line}\nCOMMIT\n`;
    const v6 = `*nat\n${line.replace('10.0.0.2', 'fd00::2')}\nCOMMIT\n*nat\n${line}\nCOMMIT\n`;
    reading(memo, raw(v4));
    const next = reading(memo, raw(v4, v6));
    expect(next).toEqual(cold(raw(v4, v6)));
    expect(next.map((r) => r.id)).toEqual(['ipv4/nat/X/1', 'ipv4/mangle/X/1', 'ipv6/nat/X/1', 'ipv6/nat/X/2']);
    expect(next[3]).toMatchObject({ family: 'ipv6', mapping: '[::]:80 -> 10.0.0.2/tcp' });
    expect(next[0].mapping).toBe('0.0.0.0:80 -> 10.0.0.2:80/tcp');
    expect(next[3]).not.toBe(next[0]);
  });

  it('classifies every reading anew: an owner that changed with the links is never the one before', () => {
    const memo = new RuleMemo();
    const berthVeth: IpLinkJson = { ifindex: 9, ifname: 'vethx', ifalias: 'berth:0123456789ab', linkinfo: { info_kind: 'veth' } } as IpLinkJson;
    const first = reading(memo, raw(SAVE, null, [berthVeth]));
    expect(first[5]).toMatchObject({ text: '-A FORWARD -o vethx -j ACCEPT', owner: 'berth' });
    const next = reading(memo, raw(SAVE));
    expect(next).toEqual(cold(raw(SAVE)));
    expect(next[5].owner).toBe('unknown');
    expect(first[5].owner).toBe('berth');
    expect(next[0]).toBe(first[0]);
  });

  it('reuses both copies of a line a chain has twice', () => {
    const memo = new RuleMemo();
    const twice = edit((l) => (l.splice(4, 0, l[3]), l));
    const first = reading(memo, raw(twice));
    const next = reading(memo, raw(twice));
    expect(next[0].text).toBe(next[1].text);
    next.forEach((r, i) => expect(r).toBe(first[i]));
    expect(next).toEqual(cold(raw(twice)));
  });

  it('forgets everything after a clear (the next reading parses every line)', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(SAVE));
    memo.clear();
    expect(memo.size).toBe(0);
    const next = reading(memo, raw(SAVE));
    expect(next[0]).not.toBe(first[0]);
    expect(next[0].matches).not.toBe(first[0].matches);
    expect(next).toEqual(first);
  });

  it("answers a kept rule's JSON text as JSON.stringify's, and a new counter in the next reading's text", () => {
    const memo = new RuleMemo();
    // as the helper answers: the rules a long array three levels down (each element's text is kept)
    const answer = (rules: FirewallRule[]) => ({ jsonrpc: '2.0', id: 1, result: { rules: Array.from({ length: 64 }, (_, i) => rules[i % rules.length]) } });
    const text = (rules: FirewallRule[]) => [...jsonPieces(answer(rules))].join('');
    const first = reading(memo, raw(SAVE));
    expect(text(first)).toBe(JSON.stringify(answer(first)));
    expect(text(first)).toBe(JSON.stringify(answer(first)));
    const counted = edit((l) => ((l[3] = l[3].replace('[3:180]', '[7:420]')), l));
    const next = reading(memo, raw(counted));
    expect(JSON.parse(text(next)).result.rules[0]).toMatchObject({ packets: 7, bytes: 420 });
    expect(text(next)).toBe(JSON.stringify(answer(next)));
  });
});

describe('RuleMemo: what each reading decides anew', () => {
  // Docker's API: container `name` at 172.17.0.2 on the default bridge (docker0)
  const docker = (name: string): Map<EngineSource, EngineNames> => new Map([['docker', engineNamesFrom(
    [{ Id: 'c1', Names: [`/${name}`], NetworkSettings: { Networks: { bridge: { NetworkID: 'n1', IPAddress: '172.17.0.2' } } } }],
    [{ Id: 'n1', Name: 'bridge', Driver: 'bridge', Options: { 'com.docker.network.bridge.name': 'docker0' } }],
  )]]);
  const named = async (memo: RuleMemo | undefined, r: HostRaw, engines: Map<EngineSource, EngineNames>) => {
    const rules = buildHostInspect(r, {}, memo).rules;
    await nameEngineRules(rules, [], engines);
    memo?.settle(rules);
    return rules;
  };

  it("names a kept rule's engine object anew: the same object while it is the same, a copy when it changed or no engine answers", async () => {
    const memo = new RuleMemo();
    const first = await named(memo, raw(SAVE), docker('web'));
    expect(first[0].ownerObject).toEqual({ kind: 'container', id: 'c1', name: 'web' });
    const again = await named(memo, raw(SAVE), docker('web'));
    expect(again[0]).toBe(first[0]);
    const renamed = await named(memo, raw(SAVE), docker('api'));
    expect(renamed[0]).not.toBe(first[0]);
    expect(renamed[0].ownerObject?.name).toBe('api');
    expect(first[0].ownerObject?.name).toBe('web');
    expect(renamed).toEqual(await named(undefined, raw(SAVE), docker('api')));
    const unanswered = await named(memo, raw(SAVE), new Map());
    expect('ownerObject' in unanswered[0]).toBe(false);
    expect(JSON.stringify(unanswered)).toBe(JSON.stringify(await named(undefined, raw(SAVE), new Map())));
  });

  it("decides a hairpin MASQUERADE's owner by this reading's DNATs", () => {
    const memo = new RuleMemo();
    const save = (dnat: boolean) => [
      '*nat', ':DOCKER - [0:0]',
      ...(dnat ? ['[0:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80'] : []),
      '[0:0] -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE', 'COMMIT', '',
    ].join('\n');
    const first = reading(memo, raw(save(true)));
    expect(first[1]).toMatchObject({ owner: 'docker', ownerEvidence: expect.stringContaining('hairpin MASQUERADE') });
    const again = reading(memo, raw(save(true)));
    expect(again[1]).toBe(first[1]);
    const gone = reading(memo, raw(save(false)));
    expect(gone[0]).toMatchObject({ target: 'MASQUERADE', owner: 'unknown' });
    expect(gone).toEqual(cold(raw(save(false))));
    expect(first[1].owner).toBe('docker');
  });
});

describe('RuleMemo: readers that change rules in place', () => {
  it('get new, writable objects for unchanged lines (iptablesSaveParser without reuseRules), sharing what the lines say', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(SAVE));
    const parser = iptablesSaveParser('ipv4', undefined, memo);
    const rules = [...parser.push(SAVE), ...parser.end()];
    expect(rules).toHaveLength(7);
    expect(rules.some((r) => Object.isFrozen(r))).toBe(false);
    expect(rules[0].matches).toBe(first[0].matches);
    rules[0].owner = 'docker';
    expect(first[0].owner).toBe('docker');
    rules[5].owner = 'berth';
    expect(first[5].owner).toBe('unknown');
  });
});

describe('RuleMemo: what it keeps', () => {
  it('keeps nothing of a reading with more rules than it may hold (the next one is read cold)', () => {
    const memo = new RuleMemo(() => {}, 30_000, 5);
    const first = reading(memo, raw(SAVE));
    expect(memo.size).toBe(0);
    expect(Object.isFrozen(first[0])).toBe(false);
    const next = reading(memo, raw(SAVE));
    expect(next[0]).not.toBe(first[0]);
    expect(next).toEqual(first);
  });

  it('forgets the last reading a while after it, and says so (the helper then gives the memory back)', async () => {
    let forgotten = 0;
    const memo = new RuleMemo(() => forgotten++, 20);
    reading(memo, raw(SAVE));
    expect(memo.size).toBe(7);
    await expect.poll(() => forgotten, { timeout: 5000 }).toBe(1);
    expect(memo.size).toBe(0);
  });
});

describe('RuleMemo: a cold reading', () => {
  // n DNATs in chain DOCKER, the k-th's port moved by `shift` for k < changed
  const dnats = (n: number, changed = 0, shift = 0, top: string[] = []) =>
    ['*nat', ':DOCKER - [0:0]', ...top, ...Array.from({ length: n }, (_, k) => `[${k}:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1000 + k + (k < changed ? shift : 0)} -j DNAT --to-destination 172.17.${k >> 8}.${k & 255}:80`), 'COMMIT', ''].join('\n');
  const json = (rules: FirewallRule[]) => [...jsonPieces(rules)].join('');

  it('first 512 lines the memo had none of: the rest of the family is read as new, and says the same', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(dnats(700)));
    const text = dnats(700, 600, 50_000);
    const next = reading(memo, raw(text));
    expect(json(next)).toBe(json(cold(raw(text))));
    // lines 600-699 are the memo's, unchanged, but looked up no more
    expect(next.slice(600).filter((r, i) => r === first[600 + i])).toHaveLength(0);
  });

  it('lines added at the start: the lines after them are still found by text', () => {
    const memo = new RuleMemo();
    const first = reading(memo, raw(dnats(700)));
    const added = Array.from({ length: 100 }, (_, k) => `[0:0] -A DOCKER -p udp -m udp --dport ${9000 + k} -j RETURN`);
    const text = dnats(700, 0, 0, added);
    const next = reading(memo, raw(text));
    expect(json(next)).toBe(json(cold(raw(text))));
    next.slice(100).forEach((r, i) => {
      expect(r).not.toBe(first[i]); // another position: another object, with the same parse
      expect(r.matches).toBe(first[i].matches);
    });
  });
});

describe('RuleMemo: a cold reading', () => {
  const many = (variant: string, n = 600) =>
    ['*filter', ':FORWARD ACCEPT [0:0]', ...Array.from({ length: n }, (_, i) => `[0:0] -A FORWARD -s 10.${variant}.${i >> 8}.${i & 255}/32 -j ACCEPT`), 'COMMIT', ''].join('\n');

  it("drops the last reading's rules of the family once its first COLD_LINES lines were all new, and tells onCold; a warm one keeps them", () => {
    const memo = new RuleMemo();
    let told = 0;
    memo.onCold(() => told++);
    reading(memo, raw(many('1')));
    const parser = iptablesSaveParser('ipv4', undefined, memo);
    parser.push(many('1'));
    expect(memo.size).toBe(600);
    expect(told).toBe(0);
    const cold4 = iptablesSaveParser('ipv4', undefined, memo);
    const rules = [...cold4.push(many('2')), ...cold4.end()];
    expect(memo.size).toBe(0);
    expect(told).toBe(1);
    expect(rules).toHaveLength(600);
  });

  it('is cold also when a few of its first lines are the last reading\'s (Berth\'s own, printed first)', () => {
    const memo = new RuleMemo();
    let told = 0;
    memo.onCold(() => told++);
    const kept = ['-A FORWARD -m comment --comment "berth:jump" -j BERTH-USER', '-A FORWARD -m comment --comment "berth:jump" -j BERTH-FORWARD'].map((l) => `[0:0] ${l}`);
    const withKept = (variant: string) => many(variant).replace(':FORWARD ACCEPT [0:0]\n', `:FORWARD ACCEPT [0:0]\n${kept.join('\n')}\n`);
    reading(memo, raw(withKept('1')));
    const next = iptablesSaveParser('ipv4', undefined, memo);
    const rules = [...next.push(withKept('2')), ...next.end()];
    expect(told).toBe(1);
    expect(memo.size).toBe(0);
    expect(rules).toHaveLength(602);
    const fresh = iptablesSaveParser('ipv4');
    const parsed = [...fresh.push(withKept('2')), ...fresh.end()];
    expect(rules.map((r) => [r.text, r.matches, r.target])).toEqual(parsed.map((r) => [r.text, r.matches, r.target]));
  });
});
