import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../../shared/inspect';
import { inCidr, portIn, tracePacket } from './packet-match';

// iptables-save lines into rules the way the helper's parser reads them
// (helper/src/inspect/iptables-parse.ts; this suite cannot import it).
function parseIptablesSave(text: string, family: 'ipv4' | 'ipv6'): FirewallRule[] {
  const out: FirewallRule[] = [];
  const pos = new Map<string, number>();
  let table = '';
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    let packets = 0;
    let bytes = 0;
    const c = /^\[(\d+):(\d+)\]\s*/.exec(line);
    if (c) {
      packets = Number(c[1]);
      bytes = Number(c[2]);
      line = line.slice(c[0].length);
    }
    if (!line.startsWith('-A ')) continue;
    const words = line.split(/\s+/);
    const chain = words[1];
    const position = (pos.get(chain) ?? 0) + 1;
    pos.set(chain, position);
    const matches: Record<string, string> = {};
    const targetArgs: Record<string, string> = {};
    let target = '';
    let neg = false;
    for (let i = 2; i < words.length; i++) {
      const w = words[i];
      if (w === '!') { neg = true; continue; }
      const vals: string[] = [];
      while (i + 1 < words.length && words[i + 1] !== '!' && !/^--?[a-z]/i.test(words[i + 1])) vals.push(words[++i]);
      const name = w.replace(/^--?/, '');
      if ((name === 'j' || name === 'g') && !target) {
        target = vals.join(' ');
        if (name === 'g') targetArgs.goto = 'true';
      } else if (target) targetArgs[name] = vals.join(' ');
      else matches[neg ? `!${name}` : name] = vals.join(' ');
      neg = false;
    }
    out.push({ id: `${family}/${table}/${chain}/${position}`, family, source: 'iptables', table, chain, position, text: line, matches, target, targetArgs, packets, bytes, comment: matches.comment ?? null, owner: 'unknown', ownerEvidence: '', mapping: null });
  }
  return out;
}

// Berth's nat layout (docs/docker-behaviour.md: Docker 28's with BERTH for DOCKER), two
// published ports and a foreign REDIRECT ahead of them.
const SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:BERTH - [0:0]
:KUBE-SERVICES - [0:0]
[9:540] -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment berth:jump -j BERTH
[0:0] -A PREROUTING -p tcp -m tcp --dport 9999 -j KUBE-SERVICES
[0:0] -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment berth:jump -j BERTH
[0:0] -A POSTROUTING -s 172.18.0.0/16 ! -o br-1 -j MASQUERADE
[0:0] -A BERTH -i br-1 -j RETURN
[3:180] -A BERTH -d 127.0.0.1/32 ! -i br-1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80
[2:120] -A BERTH ! -i br-1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.3:80
[0:0] -A BERTH ! -i br-1 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.18.0.3:53
[0:0] -A BERTH ! -i br-1 -p tcp -m multiport --dports 7000:7010,7100 -j DNAT --to-destination 172.18.0.4
[0:0] -A KUBE-SERVICES -p tcp -m tcp --dport 9999 -j REDIRECT --to-ports 10999
COMMIT
`;
const rules = parseIptablesSave(SAVE, 'ipv4');
const at = (chain: string, pos: number) => rules.find((r) => r.chain === chain && r.position === pos)!;

describe('tracePacket', () => {
  it('follows the jump from PREROUTING into BERTH and stops at the DNAT', () => {
    const t = tracePacket(rules, { dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false });
    expect(t.verdict).toBe('DNAT');
    expect(t.hit).toBe(at('BERTH', 3)); // not the 127.0.0.1-only one
    expect(t.path).toEqual([at('PREROUTING', 1)]);
    expect(t.chain).toBe('PREROUTING');
    const missed = t.steps.find((s) => s.rule === at('BERTH', 2))!;
    expect(missed.matched).toBe(false);
    expect(missed.why).toMatch(/destination 127\.0\.0\.1\/32 does not match/);
  });

  it('matches -d: a packet to the specific address hits its own rule first', () => {
    const t = tracePacket(rules, { dst: '127.0.0.1', port: 8080, proto: 'tcp', local: false });
    expect(t.hit).toBe(at('BERTH', 2));
  });

  it('matches -p and --dport: udp 5353 and a multiport range', () => {
    expect(tracePacket(rules, { dst: '10.0.0.1', port: 5353, proto: 'udp', local: false }).hit).toBe(at('BERTH', 4));
    expect(tracePacket(rules, { dst: '10.0.0.1', port: 5353, proto: 'tcp', local: false }).verdict).toBe('none');
    expect(tracePacket(rules, { dst: '10.0.0.1', port: 7005, proto: 'tcp', local: false }).hit).toBe(at('BERTH', 5));
    expect(tracePacket(rules, { dst: '10.0.0.1', port: 7100, proto: 'tcp', local: false }).hit).toBe(at('BERTH', 5));
  });

  it('honours ! -i: traffic from the bridge itself RETURNs to PREROUTING and goes on', () => {
    const t = tracePacket(rules, { dst: '10.0.0.1', port: 8080, proto: 'tcp', local: false, inIface: 'br-1' });
    expect(t.steps.find((s) => s.rule === at('BERTH', 1))!.why).toMatch(/returns from BERTH/);
    expect(t.verdict).toBe('none');
    // back in PREROUTING, the next rule is still looked at
    expect(t.steps.some((s) => s.rule === at('PREROUTING', 2))).toBe(true);
  });

  it('walks OUTPUT for local traffic, where ! -d 127.0.0.0/8 keeps loopback out', () => {
    const t = tracePacket(rules, { dst: '192.168.1.10', port: 8080, proto: 'tcp', local: true });
    expect(t.chain).toBe('OUTPUT');
    expect(t.hit).toBe(at('BERTH', 3));
    const lo = tracePacket(rules, { dst: '127.0.0.1', port: 8080, proto: 'tcp', local: true });
    expect(lo.verdict).toBe('none');
    expect(lo.steps[0].why).toMatch(/destination not 127\.0\.0\.0\/8/);
  });

  it('finds foreign rules too, and says when no rule matches', () => {
    const t = tracePacket(rules, { dst: '10.0.0.1', port: 9999, proto: 'tcp', local: false });
    expect(t.verdict).toBe('REDIRECT');
    expect(t.hit).toBe(at('KUBE-SERVICES', 1));
    expect(t.path).toEqual([at('PREROUTING', 2)]);
    const none = tracePacket(rules, { dst: '10.0.0.1', port: 1234, proto: 'tcp', local: false });
    expect(none).toMatchObject({ verdict: 'none', hit: null });
  });

  it('stops at a RETURN in a built-in chain, ignores other families and tables', () => {
    const extra = parseIptablesSave(`*nat\n-A PREROUTING -p tcp --dport 22 -j RETURN\n-A PREROUTING -p tcp --dport 22 -j DNAT --to-destination 1.2.3.4\nCOMMIT\n*filter\n-A PREROUTING -j DROP\nCOMMIT\n`, 'ipv4');
    const v6 = parseIptablesSave(`*nat\n-A PREROUTING -p tcp --dport 22 -j DNAT --to-destination [fd00::2]:22\nCOMMIT\n`, 'ipv6');
    const t = tracePacket([...extra, ...v6], { dst: '10.0.0.1', port: 22, proto: 'tcp', local: false });
    expect(t.verdict).toBe('RETURN');
    expect(t.hit?.position).toBe(1);
    expect(tracePacket([...extra, ...v6], { dst: 'fd00::1', port: 22, proto: 'tcp', local: false }).hit).toBe(v6[0]);
  });

  it('names what it had to assume and survives a jump loop', () => {
    const loop = parseIptablesSave(`*nat\n-A PREROUTING -m mark --mark 0x1 -j A\n-A A -j B\n-A B -j A\nCOMMIT\n`, 'ipv4');
    const t = tracePacket(loop, { dst: '10.0.0.1', port: 80, proto: 'tcp', local: false });
    expect(t.verdict).toBe('none');
    expect(t.assumed).toContain('--mark 0x1');
  });
});

describe('address and port helpers', () => {
  it('inCidr', () => {
    expect(inCidr('10.1.2.3', '10.1.0.0/16')).toBe(true);
    expect(inCidr('10.2.2.3', '10.1.0.0/16')).toBe(false);
    expect(inCidr('10.1.2.3', '0.0.0.0/0')).toBe(true);
    expect(inCidr('fd00::5', 'fd00::/64')).toBe(true);
    expect(inCidr('fd01::5', 'fd00::/64')).toBe(false);
    expect(inCidr('10.1.2.3', 'fd00::/64')).toBe(false);
  });
  it('portIn', () => {
    expect(portIn(80, '80')).toBe(true);
    expect(portIn(81, '80')).toBe(false);
    expect(portIn(8005, '8000:8010')).toBe(true);
    expect(portIn(443, '80,443')).toBe(true);
  });
});
