import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../../shared/inspect';
import { tracePacket, type Packet } from './packet-match';
import { traceStory, type Published } from './trace-story';

let n = 0;
const rule = (table: string, chain: string, matches: Record<string, string>, target: string, targetArgs: Record<string, string> = {}): FirewallRule =>
  ({ id: `r${++n}`, source: 'iptables', family: 'ipv4', table, chain, position: n, matches, target, targetArgs, text: '', packets: 0, bytes: 0, owner: 'berth', ownerEvidence: '', comment: null, mapping: null }) as unknown as FirewallRule;

// Docker's layout, as Berth writes it
const RULES = [
  rule('nat', 'PREROUTING', { m: 'addrtype', 'dst-type': 'LOCAL' }, 'BERTH'),
  rule('nat', 'OUTPUT', { '!d': '127.0.0.0/8', m: 'addrtype', 'dst-type': 'LOCAL' }, 'BERTH'),
  rule('nat', 'BERTH', { '!i': 'br-1', p: 'tcp', dport: '8080' }, 'DNAT', { 'to-destination': '10.91.0.2:80' }),
  rule('nat', 'BERTH', { d: '127.0.0.1/32', '!i': 'br-1', p: 'tcp', dport: '6000' }, 'DNAT', { 'to-destination': '10.91.0.2:8000' }),
  rule('filter', 'FORWARD', {}, 'BERTH-USER'),
  rule('filter', 'FORWARD', { o: 'br-1', m: 'conntrack', ctstate: 'RELATED,ESTABLISHED' }, 'ACCEPT'),
  rule('filter', 'FORWARD', { o: 'br-1' }, 'BERTH'),
  rule('filter', 'BERTH', { d: '10.91.0.2/32', '!i': 'br-1', o: 'br-1', p: 'tcp', dport: '80' }, 'ACCEPT'),
  rule('filter', 'FORWARD', { i: 'br-1', '!o': 'br-1' }, 'ACCEPT'),
];
const web = (hostIp: string, hostPort: number, containerPort: number): Published => ({ container: 'web', containerIp: '10.91.0.2', containerPort, hostIp, hostPort, proto: 'tcp', bridge: 'br-1' });
const PUBLISHED = [web('', 8080, 80), web('127.0.0.1', 6000, 8000)];
const story = (pkt: Packet) => traceStory(tracePacket(RULES, pkt), pkt, PUBLISHED, RULES);

describe('trace story', () => {
  it('from outside: DNAT, then the FORWARD verdict, in one line, with the conntrack short-cut named', () => {
    const s = story({ dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false });
    expect(s.line).toBe('reaches web:80 via DNAT in BERTH, accepted by BERTH');
    expect(s.filter?.conntrack?.matches.ctstate).toBe('RELATED,ESTABLISHED');
  });

  it('from this host to a published loopback port: the userland proxy, not NAT', () => {
    const s = story({ dst: '127.0.0.1', port: 6000, proto: 'tcp', local: true });
    expect(s.proxy?.container).toBe('web');
    expect(s.line).toMatch(/^reaches web:8000 through the userland proxy: the helper listens on 127\.0\.0\.1:6000 and connects to 10\.91\.0\.2:8000 \(nat OUTPUT leaves loopback alone\)/);
  });

  it('a port nobody publishes: no story line, the nat walk speaks', () => {
    expect(story({ dst: '192.168.1.10', port: 9999, proto: 'tcp', local: false }).line).toBe('');
  });
});

// Subnets of two engines may overlap: a DNAT is named by its owner first,
// never by an address another owner's container happens to have.
describe('trace story names a DNAT by its owner, the address only within it', () => {
  const docker = (matches: Record<string, string>, to: string, ownerObject?: FirewallRule['ownerObject']) => {
    const r = rule('nat', 'PREROUTING', matches, 'DNAT', { 'to-destination': to });
    return { ...r, owner: 'docker', ownerObject } as FirewallRule;
  };
  // the first rule the packet meets (nat PREROUTING, before the jump into BERTH)
  const withFirst = (first: FirewallRule) => [{ ...first, position: 0 }, ...RULES];

  it("a stale Docker rule to a live Berth container's address is not that container's", () => {
    const rules = withFirst(docker({ '!i': 'br-0123456789ab', p: 'tcp', dport: '8080' }, '10.91.0.2:80'));
    const pkt: Packet = { dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false };
    const s = traceStory(tracePacket(rules, pkt), pkt, PUBLISHED, rules);
    expect(s.target).toBeNull();
    expect(s.line).toMatch(/^is translated to 10\.91\.0\.2:80 by DNAT in PREROUTING|^reaches 10\.91\.0\.2:80 via DNAT in PREROUTING/);
    expect(s.line).not.toContain('web');
  });

  it("a Docker rule is named by the container Docker's API names", () => {
    const rules = withFirst(docker({ '!i': 'br-0123456789ab', p: 'tcp', dport: '8080' }, '10.91.0.2:80', { kind: 'container', id: 'c'.repeat(64), name: 'legacy' }));
    const pkt: Packet = { dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false };
    expect(traceStory(tracePacket(rules, pkt), pkt, PUBLISHED, rules).line).toMatch(/legacy:80 .*DNAT in PREROUTING/);
  });

  it("Berth's rule is named by its endpoint tag, then by the address on the rule's own bridge", () => {
    const twin: Published = { ...web('', 8080, 80), container: 'twin', bridge: 'br-2', endpoint: 'eeeeeeeeeeee' };
    const tagged = { ...rule('nat', 'PREROUTING', { '!i': 'br-2', p: 'tcp', dport: '8080' }, 'DNAT', { 'to-destination': '10.91.0.2:80' }), comment: 'berth:eeeeeeeeeeee' } as FirewallRule;
    const pkt: Packet = { dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false };
    const rules = withFirst(tagged);
    expect(traceStory(tracePacket(rules, pkt), pkt, [...PUBLISHED, twin], rules).target?.container).toBe('twin');
    const untagged = withFirst({ ...tagged, comment: null });
    expect(traceStory(tracePacket(untagged, pkt), pkt, [...PUBLISHED, twin], untagged).target?.container).toBe('twin');
  });
});
