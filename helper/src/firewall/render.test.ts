import { describe, expect, it } from 'vitest';
import { plan } from './iptables-backend';
import { renderRuleset } from './render';
import { afterRestore, parseSave, parseSaveForPlan, type SavedTable } from './save-parse';

const NET = { id: 'aaaaaaaaaaaa' + '0'.repeat(52), bridge: 'br-aaaaaaaaaaaa', subnet: '10.1.0.0/24', internal: false, icc: true, masquerade: true };
const EP = { id: 'eeeeeeeeeeee' + '0'.repeat(52), bridge: NET.bridge, ip: '10.1.0.2', internal: false };

describe('renderRuleset', () => {
  it("lays one network out as Docker 28 does, with BERTH names (docker-behaviour.md)", () => {
    const rs = renderRuleset([NET], [EP]);
    expect(rs.own.filter).toEqual({
      BERTH: ['! -i br-aaaaaaaaaaaa -o br-aaaaaaaaaaaa -j DROP'],
      'BERTH-FORWARD': ['-j BERTH-CT', '-j BERTH-ISOLATION-STAGE-1', '-j BERTH-BRIDGE', '-i br-aaaaaaaaaaaa -j ACCEPT'],
      'BERTH-BRIDGE': ['-o br-aaaaaaaaaaaa -j BERTH'],
      'BERTH-CT': ['-o br-aaaaaaaaaaaa -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
      'BERTH-ISOLATION-STAGE-1': ['-i br-aaaaaaaaaaaa ! -o br-aaaaaaaaaaaa -j BERTH-ISOLATION-STAGE-2'],
      'BERTH-ISOLATION-STAGE-2': ['-o br-aaaaaaaaaaaa -j DROP'],
    });
    expect(rs.own.nat).toEqual({ BERTH: ['-i br-aaaaaaaaaaaa -j RETURN'] });
    expect(rs.tagged.map((r) => `${r.table} -A ${r.chain} ${r.spec}`)).toEqual([
      'nat -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "berth:jump" -j BERTH',
      'nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "berth:jump" -j BERTH',
      'nat -A POSTROUTING -s 10.1.0.0/24 ! -o br-aaaaaaaaaaaa -m comment --comment "berth:aaaaaaaaaaaa" -j MASQUERADE',
      'raw -A PREROUTING -d 10.1.0.2/32 ! -i br-aaaaaaaaaaaa -m comment --comment "berth:eeeeeeeeeeee" -j DROP',
    ]);
    expect(rs.forwardJumps).toEqual(['-m comment --comment "berth:jump" -j BERTH-USER', '-m comment --comment "berth:jump" -j BERTH-FORWARD']);
    expect([...rs.owners].sort()).toEqual(['aaaaaaaaaaaa', 'eeeeeeeeeeee', 'jump']);
  });

  it('icc=false, no masquerade, and internal networks (docker-behaviour.md, Variants)', () => {
    const rs = renderRuleset([{ ...NET, icc: false, masquerade: false }, { ...NET, id: 'b'.repeat(64), bridge: 'br-b', subnet: '10.2.0.0/24', internal: true }], []);
    expect(rs.own.filter['BERTH-FORWARD'].slice(3)).toEqual([
      '-i br-aaaaaaaaaaaa -o br-aaaaaaaaaaaa -j DROP',
      '-i br-aaaaaaaaaaaa ! -o br-aaaaaaaaaaaa -j ACCEPT',
      '-i br-b -o br-b -j ACCEPT',
    ]);
    expect(rs.own.filter['BERTH-ISOLATION-STAGE-1']).toContain('! -s 10.2.0.0/24 -o br-b -j DROP');
    expect(rs.own.filter['BERTH-ISOLATION-STAGE-1']).toContain('! -d 10.2.0.0/24 -i br-b -j DROP');
    expect(rs.own.nat.BERTH).toEqual([]);
    expect(rs.tagged.some((r) => r.spec.includes('MASQUERADE'))).toBe(false);
  });

  it('an internal network with several subnets of the family is closed by interface, not by its first subnet', () => {
    const rs = renderRuleset([{ ...NET, bridge: 'br-c', internal: true, subnet: 'fd00:3::/64', subnets: ['fd00:3::/64', 'fd00:4::/64'] }], [], [], true);
    expect(rs.own.filter['BERTH-ISOLATION-STAGE-1']).toEqual(['! -i br-c -o br-c -j DROP', '-i br-c ! -o br-c -j DROP']);
  });

  it("puts published-port ACCEPTs before the networks' default DROP and DNATs after the RETURNs", () => {
    const rs = renderRuleset([NET], [EP], [
      { table: 'filter', chain: 'BERTH', spec: '-d 10.1.0.2/32 ! -i br-aaaaaaaaaaaa -o br-aaaaaaaaaaaa -p tcp -m tcp --dport 80 -j ACCEPT' },
      { table: 'nat', chain: 'BERTH', spec: '! -i br-aaaaaaaaaaaa -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80' },
    ]);
    expect(rs.own.filter.BERTH[0]).toContain('--dport 80 -j ACCEPT');
    expect(rs.own.filter.BERTH[1]).toContain('-j DROP');
    expect(rs.own.nat.BERTH).toEqual(['-i br-aaaaaaaaaaaa -j RETURN', '! -i br-aaaaaaaaaaaa -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80']);
  });
});

describe('iptables plan', () => {
  const empty = parseSave('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');

  it('writes everything in one batch on an empty host, and nothing once it is in place', () => {
    const rs = renderRuleset([NET], [EP]);
    const first = plan(empty, rs, true);
    expect(first.script).toContain(':FORWARD DROP [0:0]');
    expect(first.script).toContain(':BERTH-USER - [0:0]');
    expect(first.script).toContain('-I FORWARD 1 -m comment --comment "berth:jump" -j BERTH-USER');
    expect(first.script).toContain('-I POSTROUTING 1 -s 10.1.0.0/24 ! -o br-aaaaaaaaaaaa -m comment --comment "berth:aaaaaaaaaaaa" -j MASQUERADE');
    expect(first.diff.extra).toEqual([]);
    // the kernel as iptables-save would print it after that batch
    const after = `*raw\n:PREROUTING ACCEPT [0:0]\n${rs.tagged.filter((r) => r.table === 'raw').map((r) => `-A ${r.chain} ${r.spec}`).join('\n')}\nCOMMIT\n` +
      `*filter\n:FORWARD DROP [0:0]\n${Object.keys(rs.own.filter).map((c) => `:${c} - [0:0]`).join('\n')}\n:BERTH-USER - [0:0]\n` +
      `${rs.forwardJumps.map((j) => `-A FORWARD ${j}`).join('\n')}\n${Object.entries(rs.own.filter).flatMap(([c, l]) => l.map((x) => `-A ${c} ${x}`)).join('\n')}\nCOMMIT\n` +
      `*nat\n:BERTH - [0:0]\n${rs.tagged.filter((r) => r.table === 'nat').map((r) => `-A ${r.chain} ${r.spec}`).join('\n')}\n${rs.own.nat.BERTH.map((x) => `-A BERTH ${x}`).join('\n')}\nCOMMIT\n`;
    const second = plan(parseSave(after), rs, true);
    expect(second.script).toBe('');
    expect(second.diff).toEqual({ missing: [], extra: [] });
  });

  it("deletes tagged rules only of owners it knows; a stranger's berth tag is left for cleanup", () => {
    const rs = renderRuleset([], []);
    const saved = parseSave(
      '*nat\n:POSTROUTING ACCEPT [0:0]\n' +
        '-A POSTROUTING -s 10.1.0.0/24 ! -o br-aaaaaaaaaaaa -m comment --comment "berth:aaaaaaaaaaaa" -j MASQUERADE\n' +
        '-A POSTROUTING -s 10.9.0.0/24 -m comment --comment "berth:deadbeef0000" -j MASQUERADE\nCOMMIT\n',
    );
    expect(plan(saved, rs, false).script).not.toContain('-D POSTROUTING');
    rs.owners.add('aaaaaaaaaaaa'); // the network this operation removed
    const p = plan(saved, rs, false);
    expect(p.script).toContain('-D POSTROUTING -s 10.1.0.0/24');
    expect(p.script).not.toContain('deadbeef0000');
    expect(plan(saved, rs, false, true).script).toContain('-D POSTROUTING -s 10.9.0.0/24'); // at helper start
  });

  // The backend remembers only the rules its plan reads (parseSaveForPlan): the
  // plans from that are the ones from the whole save, and so are the next ones.
  it("plans the same from the backend's remembered save as from the whole save", () => {
    const text =
      '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:BERTH - [0:0]\n:BERTH-FORWARD - [0:0]\n:DOCKER - [0:0]\n:KUBE-FORWARD - [0:0]\n' +
      '-A INPUT -p tcp --dport 22 -j ACCEPT\n-A FORWARD -j DOCKER-USER\n-A FORWARD -m comment --comment "berth:jump" -j BERTH-FORWARD\n-A FORWARD -j KUBE-FORWARD\n' +
      '-A BERTH -j DROP\n-A BERTH-FORWARD -j BERTH\n-A DOCKER -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT\n-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n' +
      '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n' +
      '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n' +
      '-A POSTROUTING -s 10.1.0.0/24 ! -o br-aaaaaaaaaaaa -m comment --comment "berth:aaaaaaaaaaaa" -j MASQUERADE\n' +
      '-A POSTROUTING -s 10.9.0.0/24 -m comment --comment "berth:deadbeef0000" -j MASQUERADE\n-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n';
    const whole = parseSave(text);
    const kept = parseSaveForPlan(text);
    expect(kept.get('nat')!.rules.map((r) => r.chain)).toEqual(['POSTROUTING', 'POSTROUTING']);
    expect([...kept.get('filter')!.chains.keys()]).toEqual([...whole.get('filter')!.chains.keys()]);
    const removed = renderRuleset([], []);
    removed.owners.add('aaaaaaaaaaaa');
    for (const [rs, drop, prune] of [[renderRuleset([NET], [EP]), true, false], [removed, false, false], [renderRuleset([NET], []), false, true]] as const) {
      const a = plan(whole, rs, drop, prune);
      const b = plan(kept, rs, drop, prune);
      expect(b).toEqual(a);
      expect(plan(afterRestore(kept, b.script), rs, drop, prune)).toEqual(plan(afterRestore(whole, a.script), rs, drop, prune));
    }
  });

  // The backend plans the next operation against afterRestore(saved, script)
  // instead of a new iptables-save: it must be what the kernel then holds.
  describe('afterRestore', () => {
    const byChain = (t: Map<string, SavedTable>) =>
      Object.fromEntries([...t].map(([name, x]) => [name, Object.fromEntries([...x.chains.keys()].map((c) => [c, x.rules.filter((r) => r.chain === c).map((r) => r.spec)]))]));

    it('leaves nothing for the next plan to do, and matches what iptables-save prints', () => {
      const rs = renderRuleset([NET], [EP]);
      const mem = afterRestore(empty, plan(empty, rs, true).script);
      expect(plan(mem, rs, true).script).toBe('');
      expect(mem.get('filter')!.chains.get('FORWARD')).toBe('DROP');
      expect(byChain(mem).filter.FORWARD).toEqual(rs.forwardJumps);
      expect(byChain(mem).filter['BERTH-FORWARD']).toEqual(rs.own.filter['BERTH-FORWARD']);
      expect(byChain(mem).nat.BERTH).toEqual(rs.own.nat.BERTH);
    });

    it("inserts ahead of others' rules, deletes the first exact match, flushes a redeclared own chain", () => {
      const saved = parseSave(
        '*filter\n:FORWARD ACCEPT [0:0]\n:BERTH - [0:0]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A BERTH -j DROP\nCOMMIT\n' +
          '*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 10.9.0.0/24 -j MASQUERADE\n-A POSTROUTING -s 10.1.0.0/24 -m comment --comment "berth:x" -j MASQUERADE\n-A POSTROUTING -s 10.1.0.0/24 -m comment --comment "berth:x" -j MASQUERADE\nCOMMIT\n',
      );
      const script =
        '*filter\n:BERTH - [0:0]\n-A BERTH -j RETURN\n-I FORWARD 1 -j BERTH\nCOMMIT\n' +
        '*nat\n-D POSTROUTING -s 10.1.0.0/24 -m comment --comment "berth:x" -j MASQUERADE\n-I POSTROUTING 1 -s 10.2.0.0/24 -j MASQUERADE\nCOMMIT\n';
      const t = byChain(afterRestore(saved, script));
      expect(t.filter).toEqual({ FORWARD: ['-j BERTH', '-j DOCKER-USER'], BERTH: ['-j RETURN'], 'DOCKER-USER': [] });
      expect(t.nat.POSTROUTING).toEqual(['-s 10.2.0.0/24 -j MASQUERADE', '-s 10.9.0.0/24 -j MASQUERADE', '-s 10.1.0.0/24 -m comment --comment "berth:x" -j MASQUERADE']);
      expect(byChain(saved).filter.BERTH).toEqual(['-j DROP']); // the input is not changed
    });
  });
});
