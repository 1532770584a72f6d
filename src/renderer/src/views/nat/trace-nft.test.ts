import { describe, expect, it } from 'vitest';
import type { BaseChain, FirewallRule } from '../../../../shared/inspect';
import { tracePacket, type Packet } from './packet-match';
import { conntrackLine, traceStory, type Published } from './trace-story';

// Berth's nftables layout (helper/src/firewall/nft-render.ts) as the helper
// reads it back: these rules and base chains are what parseNftRuleset makes
// of helper/src/inspect/fixtures/tracer.nft.json (inspect.test.ts checks
// that), plus iptables' filter FORWARD and another firewall's inet table.
const nft = (table: string, chain: string, position: number, matches: Record<string, string>, target: string, targetArgs: Record<string, string> = {}): FirewallRule => ({
  id: `nft/${table.replace(' ', '/')}/${chain}/${position}`, family: table.startsWith('ip6 ') ? 'ipv6' : 'ipv4', source: 'nftables', table, chain, position,
  text: '', matches, target, targetArgs, packets: 0, bytes: 0, comment: null, owner: 'berth', ownerEvidence: '', mapping: null,
});
const ipt = (family: 'ipv4' | 'ipv6', table: string, chain: string, position: number, matches: Record<string, string>, target: string): FirewallRule => ({
  id: `${family}/${table}/${chain}/${position}`, family, source: 'iptables', table, chain, position,
  text: '', matches, target, targetArgs: {}, packets: 0, bytes: 0, comment: null, owner: 'unknown', ownerEvidence: '', mapping: null,
});
const base = (source: BaseChain['source'], family: BaseChain['family'], table: string, chain: string, type: string, hook: string, priority: number, policy: BaseChain['policy'] = 'accept'): BaseChain =>
  ({ source, family, table, chain, type, hook, priority, policy });

const BERTH: FirewallRule[] = [
  nft('ip berth', 'filter-FORWARD', 1, {}, 'berth-user'),
  nft('ip berth', 'filter-FORWARD', 2, { oifname: 'br-1', 'ct state': 'established,related' }, 'ACCEPT'),
  nft('ip berth', 'filter-FORWARD', 3, { iifname: 'br-1', oifname: 'br-2' }, 'DROP'),
  nft('ip berth', 'filter-FORWARD', 4, { 'ip daddr': '10.91.0.2', iifname: '!= br-1', oifname: 'br-1', 'tcp dport': '80' }, 'ACCEPT'),
  nft('ip berth', 'filter-FORWARD', 5, { iifname: '!= br-1', oifname: 'br-1' }, 'DROP'),
  nft('ip berth', 'filter-FORWARD', 6, { iifname: 'br-1' }, 'ACCEPT'),
  nft('ip berth', 'nat-PREROUTING', 1, { 'fib daddr type': 'local' }, 'nat-berth'),
  nft('ip berth', 'nat-OUTPUT', 1, { 'ip daddr': '!= 127.0.0.0/8', 'fib daddr type': 'local' }, 'nat-berth'),
  nft('ip berth', 'raw-PREROUTING', 1, { 'ip daddr': '10.91.0.2', iifname: '!= br-1' }, 'DROP'),
  nft('ip berth', 'raw-PREROUTING', 2, { 'ip daddr': '127.0.0.1', iifname: '!= lo', 'tcp dport': '6000' }, 'DROP'),
  nft('ip berth', 'nat-berth', 1, { iifname: 'br-1' }, 'RETURN'),
  nft('ip berth', 'nat-berth', 2, { iifname: '!= br-1', 'tcp dport': '8080' }, 'DNAT', { addr: '10.91.0.2', port: '80', 'to-destination': '10.91.0.2:80' }),
  nft('ip6 berth', 'filter-FORWARD', 1, { 'ip6 daddr': 'fd00:91::2', iifname: '!= br-1', oifname: 'br-1', 'tcp dport': '80' }, 'ACCEPT'),
  nft('ip6 berth', 'filter-FORWARD', 2, { iifname: '!= br-1', oifname: 'br-1' }, 'DROP'),
  nft('ip6 berth', 'nat-PREROUTING', 1, { 'fib daddr type': 'local' }, 'nat-berth'),
  nft('ip6 berth', 'nat-berth', 1, { iifname: '!= br-1', 'tcp dport': '8080' }, 'DNAT', { addr: 'fd00:91::2', port: '80', 'to-destination': '[fd00:91::2]:80' }),
];
const BERTH_CHAINS: BaseChain[] = [
  base('nftables', 'ipv4', 'ip berth', 'filter-FORWARD', 'filter', 'forward', 0),
  base('nftables', 'ipv4', 'ip berth', 'nat-PREROUTING', 'nat', 'prerouting', -100),
  base('nftables', 'ipv4', 'ip berth', 'nat-OUTPUT', 'nat', 'output', -100),
  base('nftables', 'ipv4', 'ip berth', 'raw-PREROUTING', 'filter', 'prerouting', -300),
  base('nftables', 'ipv6', 'ip6 berth', 'filter-FORWARD', 'filter', 'forward', 0),
  base('nftables', 'ipv6', 'ip6 berth', 'nat-PREROUTING', 'nat', 'prerouting', -100),
];
// another firewall: an inet table whose forward chain drops by default
const GUARD = [
  nft('inet guard', 'guard-forward', 1, { iifname: '{ br-9, eth9 }' }, 'ACCEPT'),
  nft('inet guard', 'guard-forward', 2, { 'udp dport': '53' }, 'ACCEPT'),
];
const GUARD_CHAIN = base('nftables', 'inet', 'inet guard', 'guard-forward', 'filter', 'forward', 10, 'drop');

const web = (containerIp: string, hostIp: string, hostPort: number, containerPort: number): Published => ({ container: 'web', containerIp, containerPort, hostIp, hostPort, proto: 'tcp', bridge: 'br-1' });
const PUBLISHED = [web('10.91.0.2', '', 8080, 80), web('fd00:91::2', '', 8080, 80), web('10.91.0.2', '127.0.0.1', 6000, 8000), web('fd00:91::2', '::1', 6001, 8000)];

function trace(pkt: Packet, rules: FirewallRule[], chains: BaseChain[]) {
  const nat = tracePacket(rules, pkt, chains);
  return { nat, story: traceStory(nat, pkt, PUBLISHED, rules, chains) };
}

describe('the tracer on nftables', () => {
  it('IPv4 from outside: DNAT in the ip berth table, accepted by its filter-FORWARD', () => {
    const { nat, story } = trace({ dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false }, BERTH, BERTH_CHAINS);
    expect(nat.verdict).toBe('DNAT');
    expect(nat.hit?.id).toBe('nft/ip/berth/nat-berth/2');
    expect(nat.path.map((r) => r.id)).toEqual(['nft/ip/berth/nat-PREROUTING/1']);
    expect(nat.chain).toBe('nat-PREROUTING (ip berth)');
    expect(story.line).toBe('reaches web:80 via DNAT in nat-berth in ip berth, accepted by filter-FORWARD in ip berth');
    expect(story.filter?.hit?.id).toBe('nft/ip/berth/filter-FORWARD/4');
    expect(story.filter?.conntrack?.id).toBe('nft/ip/berth/filter-FORWARD/2');
  });

  it('IPv6 from outside: DNAT in the ip6 berth table to the container\'s v6 address', () => {
    const { nat, story } = trace({ dst: '2001:db8::10', port: 8080, proto: 'tcp', local: false }, BERTH, BERTH_CHAINS);
    expect(nat.hit?.id).toBe('nft/ip6/berth/nat-berth/1');
    expect(story.line).toBe('reaches web:80 via DNAT in nat-berth in ip6 berth, accepted by filter-FORWARD in ip6 berth');
    // the ip table's rules are never looked at for a v6 packet
    expect(nat.steps.every((s) => s.rule.table === 'ip6 berth')).toBe(true);
  });

  it('another table that drops forwarded traffic by default decides, whatever Berth accepts', () => {
    const rules = [...BERTH, ...GUARD];
    const chains = [...BERTH_CHAINS, GUARD_CHAIN];
    const v4 = trace({ dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false }, rules, chains).story;
    expect(v4.tone).toBe('drop');
    expect(v4.line).toBe('is translated to web:80 by DNAT in nat-berth in ip berth, then dropped by the policy (drop) of inet guard guard-forward');
    // an inet table holds rules of both families
    const v6 = trace({ dst: '2001:db8::10', port: 8080, proto: 'tcp', local: false }, rules, chains).story;
    expect(v6.line).toMatch(/then dropped by the policy \(drop\) of inet guard guard-forward$/);
    // in on an interface that table accepts: through
    const eth9 = trace({ dst: '192.168.1.10', port: 8080, proto: 'tcp', local: false, inIface: 'eth9' }, rules, chains).story;
    expect(eth9.line).toBe('reaches web:80 via DNAT in nat-berth in ip berth, accepted by filter-FORWARD in ip berth and guard-forward in inet guard');
  });

  it('beside ip6tables FORWARD policy DROP: dropped there, until Berth\'s accepts for its bridge are at its head', () => {
    const fwd = base('iptables', 'ipv6', 'filter', 'FORWARD', 'filter', 'forward', 0, 'drop');
    const pkt: Packet = { dst: '2001:db8::10', port: 8080, proto: 'tcp', local: false };
    expect(trace(pkt, BERTH, [...BERTH_CHAINS, fwd]).story.line).toBe('is translated to web:80 by DNAT in nat-berth in ip6 berth, then dropped by the policy (drop) of filter FORWARD');
    const accepts = [ipt('ipv6', 'filter', 'FORWARD', 1, { i: 'br-1', comment: 'berth:aaaaaaaaaaaa' }, 'ACCEPT'), ipt('ipv6', 'filter', 'FORWARD', 2, { o: 'br-1', comment: 'berth:aaaaaaaaaaaa' }, 'ACCEPT')];
    const ok = trace(pkt, [...BERTH, ...accepts], [...BERTH_CHAINS, fwd]).story;
    expect(ok.tone).toBe('ok');
    expect(ok.line).toMatch(/^reaches web:80 via DNAT in nat-berth in ip6 berth, accepted by /);
    expect(ok.line).toContain('FORWARD');
  });

  it("a DNAT to an address no published port names: routing by the networks' subnets finds its bridge", () => {
    const pkt: Packet = { dst: '2001:db8::10', port: 8080, proto: 'tcp', local: false };
    const nat = tracePacket(BERTH, pkt, BERTH_CHAINS);
    const s = traceStory(nat, pkt, [], BERTH, BERTH_CHAINS, [{ subnet: '10.91.0.0/24', bridge: 'br-1' }, { subnet: 'fd00:91::/64', bridge: 'br-1' }]);
    expect(s.line).toBe('reaches [fd00:91::2]:80 via DNAT in nat-berth in ip6 berth, accepted by filter-FORWARD in ip6 berth');
  });

  it('127.0.0.1 arriving from outside is dropped in raw-PREROUTING, before NAT', () => {
    const s = trace({ dst: '127.0.0.1', port: 6000, proto: 'tcp', local: false, inIface: 'eth0' }, BERTH, BERTH_CHAINS).story;
    expect(s.tone).toBe('drop');
    expect(s.line).toBe('is dropped by ip berth raw-PREROUTING #2 before NAT');
    expect(s.preNat).toBe(true);
    expect(s.filter?.hit?.id).toBe('nft/ip/berth/raw-PREROUTING/2');
  });

  it('from this host to a published loopback port, v4 and v6: nat-OUTPUT leaves it alone, the userland proxy carries it', () => {
    const v4 = trace({ dst: '127.0.0.1', port: 6000, proto: 'tcp', local: true }, BERTH, BERTH_CHAINS);
    expect(v4.nat.verdict).toBe('none');
    expect(v4.nat.steps[0].why).toBe('ip daddr != 127.0.0.0/8 does not match');
    expect(v4.story.line).toMatch(/^reaches web:8000 through the userland proxy: the helper listens on 127\.0\.0\.1:6000 and connects to 10\.91\.0\.2:8000 \(nat OUTPUT leaves loopback alone\)/);
    const v6 = trace({ dst: '::1', port: 6001, proto: 'tcp', local: true }, BERTH, BERTH_CHAINS).story;
    expect(v6.proxy?.containerIp).toBe('fd00:91::2');
    expect(v6.line).toMatch(/^reaches web:8000 through the userland proxy: the helper listens on \[::1\]:6001 and connects to \[fd00:91::2\]:8000/);
  });

  it('a host firewall whose INPUT drops: the proxy would carry it, the line says what stops it', () => {
    const input = base('nftables', 'inet', 'inet guard', 'guard-input', 'filter', 'input', 0, 'drop');
    const s = trace({ dst: '127.0.0.1', port: 6000, proto: 'tcp', local: true }, BERTH, [...BERTH_CHAINS, input]).story;
    expect(s.tone).toBe('drop');
    expect(s.line).toMatch(/^would reach web:8000 through the userland proxy: .* but is dropped by the policy \(drop\) of inet guard guard-input first$/);
  });

  it('names the connections conntrack already tracks: to the container (DNATed) or to this host (untranslated)', () => {
    const flow = (src: string, to: string, toPort: number) => ({ src, sport: 40000, to, toPort, state: 'ESTABLISHED' });
    const r = { total: 3, flows: [flow('2001:db8::5', 'fd00:91::2', 80), flow('2001:db8::6', 'fd00:91::2', 80), flow('2001:db8::7', '2001:db8:0::10', 8080)], errors: [] };
    expect(conntrackLine(r, '2001:db8::10', PUBLISHED)).toBe(
      'conntrack already tracks 3 connections to this address and port: 2 to web:80, 1 to this host, untranslated. Their packets keep the path their first packet took, whatever the rules above say',
    );
    expect(conntrackLine({ total: 120, flows: [flow('10.0.0.9', '10.77.0.9', 81)], errors: [] }, '192.168.1.10', PUBLISHED)).toMatch(/^conntrack already tracks 120 connections to this address and port: 1 to 10\.77\.0\.9:81 \(of the first 1\)\./);
    expect(conntrackLine({ total: 0, flows: [], errors: [] }, '192.168.1.10', PUBLISHED)).toBeNull();
  });

  it('nft matches: sets, negation, wildcards, the other family of an inet table', () => {
    const r = (matches: Record<string, string>) => nft('inet t', 'c', 1, matches, 'DROP');
    const chains = [base('nftables', 'inet', 'inet t', 'c', 'filter', 'forward', 0)];
    const drops = (m: Record<string, string>, pkt: Partial<Packet> = {}) =>
      traceStoryDrop([r(m)], chains, { dst: '10.0.0.5', port: 443, proto: 'tcp', local: false, inIface: 'eth0', ...pkt });
    expect(drops({ 'tcp dport': '{ 80, 443 }' })).toBe(true);
    expect(drops({ 'tcp dport': '!= { 80, 443 }' })).toBe(false);
    expect(drops({ 'tcp dport': '400-500' })).toBe(true);
    expect(drops({ 'udp dport': '443' })).toBe(false);
    expect(drops({ iifname: 'eth*' })).toBe(true);
    expect(drops({ iifname: '!= eth*' })).toBe(false);
    expect(drops({ 'ip saddr': '10.0.0.0/8' })).toBe(false); // the sender is unknown: outside every listed subnet
    expect(drops({ 'ip daddr': '10.0.0.0/8' })).toBe(true);
    expect(drops({ 'ip daddr': '10.0.0.0/8' }, { dst: 'fd00::5' })).toBe(false); // an IPv4 match in an inet chain: not a v6 packet
    expect(drops({ 'ip6 daddr': 'fd00::/64' }, { dst: 'fd00::5' })).toBe(true);
    expect(drops({ 'meta l4proto': '{ tcp, udp }' })).toBe(true);
    expect(drops({ 'ct state': 'established,related' })).toBe(false);
    expect(drops({ 'meta mark': '0x1' })).toBe(true); // not knowable: assumed, and named
  });
});

// Is a packet from outside dropped in FORWARD by `rules`? A DNAT to its own
// address sends it there (the filter walk runs after a translation).
function traceStoryDrop(rules: FirewallRule[], chains: BaseChain[], pkt: Packet): boolean {
  const v6 = pkt.dst.includes(':');
  const table = v6 ? 'ip6 x' : 'ip x';
  const dnat = nft(table, 'pre', 1, {}, 'DNAT', { 'to-destination': v6 ? `[${pkt.dst}]` : pkt.dst });
  const pre = base('nftables', v6 ? 'ipv6' : 'ipv4', table, 'pre', 'nat', 'prerouting', -100);
  return trace(pkt, [...rules, dnat], [...chains, pre]).story.tone === 'drop';
}
