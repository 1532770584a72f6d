import { describe, expect, it } from 'vitest';
import { chainEdit } from './chain-edit';
import { plan } from './iptables-backend';
import type { PublishedPort } from './model';
import { portRules } from './port-rules';
import { renderRuleset, type FwEndpoint, type FwNetwork } from './render';
import { afterRestore, parseSave, type SavedTable } from './save-parse';

const net = (n: number): FwNetwork => ({ id: `${n}`.repeat(12).slice(0, 12) + '0'.repeat(52), bridge: `br-n${n}`, subnet: `10.${n}.0.0/24`, internal: false, icc: true, masquerade: true });
const ep = (n: number, k: number): FwEndpoint => ({ id: `e${n}${k}`.padEnd(12, 'f') + '0'.repeat(52), bridge: `br-n${n}`, ip: `10.${n}.0.${k + 1}`, internal: false });
const port = (n: number, k: number, hostPort: number): PublishedPort => ({
  endpointId: ep(n, k).id.slice(0, 12),
  bridge: `br-n${n}`,
  containerIp: `10.${n}.0.${k + 1}`,
  hostIp: '0.0.0.0',
  hostPort,
  containerPort: 80,
  proto: 'tcp',
});
const rules = (nets: FwNetwork[], eps: FwEndpoint[] = [], ports: PublishedPort[] = []) => renderRuleset(nets, eps, ports.flatMap((p) => portRules(p)));

const empty = parseSave('*raw\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
const applied = (saved: Map<string, SavedTable>, rs: ReturnType<typeof rules>) => afterRestore(saved, plan(saved, rs, false).script);
const chainOf = (saved: Map<string, SavedTable>, table: string, chain: string) => saved.get(table)!.rules.filter((r) => r.chain === chain).map((r) => r.spec);
const scriptLines = (script: string) => script.split('\n').filter((l) => l && !l.startsWith('*') && l !== 'COMMIT');

describe('chainEdit', () => {
  it('inserts missing rules at their place and appends the tail, with no deletion', () => {
    expect(chainEdit('C', ['a', 'c'], ['a', 'b', 'c', 'd'])).toEqual(['-I C 2 b', '-A C d']);
    expect(chainEdit('C', ['c'], ['a', 'b', 'c'])).toEqual(['-I C 1 a', '-I C 2 b']);
    expect(chainEdit('C', [], ['a'])).toEqual(['-A C a']);
  });

  it('deletes what is not wanted and duplicates', () => {
    expect(chainEdit('C', ['a', 'x', 'b'], ['a', 'b'])).toEqual(['-D C x']);
    expect(chainEdit('C', ['a', 'a', 'b'], ['a', 'b'])).toEqual(['-D C a']);
    expect(chainEdit('C', ['a', 'b'], [])).toEqual(['-D C a', '-D C b']);
  });

  it('gives up (null) when the kept rules are out of order', () => {
    expect(chainEdit('C', ['b', 'a'], ['a', 'b'])).toBeNull();
    // -D removes the first copy, so the kept `a` is the one after `b`
    expect(chainEdit('C', ['a', 'b', 'a'], ['a', 'b'])).toBeNull();
    expect(chainEdit('C', ['a', 'b', 'a'], ['b', 'a'])).toEqual(['-D C a']);
  });

  it('reaches exactly the wanted list, as afterRestore models the kernel (random lists, fixed seed)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const list = () => Array.from({ length: rnd(7) }, () => 'abcde'[rnd(5)]);
    let edited = 0;
    for (let i = 0; i < 2000; i++) {
      const actual = list();
      const wanted = list();
      const edit = chainEdit('C', actual, wanted);
      if (!edit) continue;
      edited++;
      const before = new Map([['filter', { chains: new Map([['C', '-']]), rules: actual.map((spec) => ({ chain: 'C', spec })) }]]);
      const after = afterRestore(before, `*filter\n${edit.join('\n')}\nCOMMIT\n`);
      expect(chainOf(after, 'filter', 'C'), `${actual} -> ${wanted}`).toEqual(wanted);
    }
    expect(edited).toBeGreaterThan(500);
  });
});

describe('iptables plan of own chains', () => {
  it('creates missing chains by declaring them', () => {
    const s = plan(empty, rules([net(1)]), false).script;
    expect(s).toContain(':BERTH-FORWARD - [0:0]');
    expect(s).not.toContain('-D ');
  });

  it('a network or a port added: only additions, each rule in its place, and nothing left to do after', () => {
    const one = applied(empty, rules([net(1)], [ep(1, 0)]));
    const two = rules([net(1), net(2)], [ep(1, 0), ep(2, 0)]);
    const p = plan(one, two, false);
    expect(p.script).not.toMatch(/^-D |^:/m); // no deletion, no chain flushed
    expect(p.diff.extra).toEqual([]);
    expect(p.diff.missing).toContain('filter -A BERTH ! -i br-n2 -o br-n2 -j DROP');
    const mem = afterRestore(one, p.script);
    for (const [c, specs] of Object.entries(two.own.filter)) expect(chainOf(mem, 'filter', c)).toEqual(specs);
    expect(chainOf(mem, 'nat', 'BERTH')).toEqual(two.own.nat.BERTH);
    expect(plan(mem, two, false).script).toBe('');

    // a port: its ACCEPT goes above the networks' DROPs, its DNAT below the RETURNs
    const withPort = rules([net(1), net(2)], [ep(1, 0), ep(2, 0)], [port(2, 0, 8080)]);
    const q = plan(mem, withPort, false);
    expect(scriptLines(q.script).filter((l) => / BERTH /.test(l))).toEqual([
      '-I BERTH 1 -d 10.2.0.1/32 ! -i br-n2 -o br-n2 -p tcp -m tcp --dport 80 -m comment --comment "berth:e20fffffffff" -j ACCEPT',
      '-A BERTH ! -i br-n2 -p tcp -m tcp --dport 8080 -m comment --comment "berth:e20fffffffff" -j DNAT --to-destination 10.2.0.1:80',
    ]);
    const mem2 = afterRestore(mem, q.script);
    expect(chainOf(mem2, 'filter', 'BERTH')).toEqual(withPort.own.filter.BERTH);
    expect(plan(mem2, withPort, false).script).toBe('');

    // a network added while a port exists: its RETURN goes in ahead of the DNAT
    const three = rules([net(1), net(2), net(3)], [ep(1, 0), ep(2, 0)], [port(2, 0, 8080)]);
    const r = plan(mem2, three, false);
    expect(r.script).not.toMatch(/^-D |^:/m);
    expect(scriptLines(r.script)).toContain('-I BERTH 3 -i br-n3 -j RETURN');
    expect(plan(afterRestore(mem2, r.script), three, false).script).toBe('');
  });

  it('a network removed: only -D lines, all of that network', () => {
    const both = rules([net(1), net(2)], [ep(1, 0), ep(2, 0)], [port(1, 0, 8080)]);
    const mem = applied(empty, both);
    const one = rules([net(1)], [ep(1, 0)], [port(1, 0, 8080)]);
    for (const id of both.owners) one.owners.add(id); // what the operation removed is still its own
    const p = plan(mem, one, false);
    const lines = scriptLines(p.script);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^-D \S+ .*(br-n2|10\.2\.0\.|berth:e20f)/);
    expect(p.diff.missing).toEqual([]);
    const after = afterRestore(mem, p.script);
    for (const [c, specs] of Object.entries(one.own.filter)) expect(chainOf(after, 'filter', c)).toEqual(specs);
    expect(plan(after, one, false).script).toBe('');
  });

  it('rewrites a chain whose rules someone reordered, and reports no rule missing or extra (as before)', () => {
    const rs = rules([net(1), net(2)]);
    const mem = applied(empty, rs);
    const t = mem.get('filter')!;
    const [a, b] = t.rules.filter((r) => r.chain === 'BERTH-ISOLATION-STAGE-2');
    t.rules = t.rules.map((r) => (r === a ? b : r === b ? a : r));
    const p = plan(mem, rs, false);
    expect(p.diff).toEqual({ missing: [], extra: [] });
    expect(p.script).toContain(':BERTH-ISOLATION-STAGE-2 - [0:0]');
    expect(chainOf(afterRestore(mem, p.script), 'filter', 'BERTH-ISOLATION-STAGE-2')).toEqual(rs.own.filter['BERTH-ISOLATION-STAGE-2']);
  });

  it('deletes a foreign rule put into an own chain and reports it extra', () => {
    const rs = rules([net(1)]);
    const mem = applied(empty, rs);
    mem.get('filter')!.rules.push({ chain: 'BERTH-CT', spec: '-j ACCEPT' });
    const p = plan(mem, rs, false);
    expect(scriptLines(p.script)).toEqual(['-D BERTH-CT -j ACCEPT']);
    expect(p.diff).toEqual({ missing: [], extra: ['filter -A BERTH-CT -j ACCEPT'] });
  });
});

describe('afterRestore -I n', () => {
  it('inserts at the n-th place of its chain, after the last rule for n = length + 1', () => {
    const saved = parseSave('*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j a1\n-A B -j b1\n-A A -j a2\n-A B -j b2\nCOMMIT\n');
    const after = afterRestore(saved, '*filter\n-I A 2 -j new\n-I B 3 -j b3\n-I A 1 -j first\nCOMMIT\n');
    expect(chainOf(after, 'filter', 'A')).toEqual(['-j first', '-j a1', '-j new', '-j a2']);
    expect(chainOf(after, 'filter', 'B')).toEqual(['-j b1', '-j b2', '-j b3']);
  });
});
