import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FirewallModel, PublishedPort } from './model';
import { parseNftTable } from './nft-listing';
import { nftRuleText } from './nft-text';
import { nftPrefix, nftScript, renderNft } from './nft-render';
import { nftPlan } from './nftables-backend';
import { familyModel } from './family';
import { M6 } from './nft-v6-fixture';

const NET = { id: 'aaaaaaaaaaaa' + '0'.repeat(52), bridge: 'br-aaaaaaaaaaaa', subnet: '10.1.0.0/24', internal: false, icc: true, masquerade: true };
const EP = { id: 'eeeeeeeeeeee' + '0'.repeat(52), bridge: NET.bridge, ip: '10.1.0.2', internal: false };
const PORT: PublishedPort = { endpointId: 'eeeeeeeeeeee', bridge: NET.bridge, containerIp: '10.1.0.2', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' };
const model = (m: Partial<FirewallModel>): FirewallModel => ({ networks: [], endpoints: [], ports: [], ...m });
const rulesOf = (m: FirewallModel, chain: string) => renderNft(m).chains.find((c) => c.name === chain)!.rules;

describe('renderNft', () => {
  it('one network, one endpoint, one published port: the whole transaction (golden)', () => {
    expect(nftScript(renderNft(model({ networks: [NET], endpoints: [EP], ports: [PORT] })))).toBe(
      `add table ip berth
add chain ip berth berth-user
add chain ip berth filter-FORWARD { type filter hook forward priority 0; policy accept; }
add chain ip berth nat-PREROUTING { type nat hook prerouting priority -100; policy accept; }
add chain ip berth nat-OUTPUT { type nat hook output priority -100; policy accept; }
add chain ip berth nat-POSTROUTING { type nat hook postrouting priority 100; policy accept; }
add chain ip berth raw-PREROUTING { type filter hook prerouting priority -300; policy accept; }
add chain ip berth nat-berth
flush chain ip berth filter-FORWARD
flush chain ip berth nat-PREROUTING
flush chain ip berth nat-OUTPUT
flush chain ip berth nat-POSTROUTING
flush chain ip berth raw-PREROUTING
flush chain ip berth nat-berth
add rule ip berth filter-FORWARD jump berth-user
add rule ip berth filter-FORWARD oifname "br-aaaaaaaaaaaa" ct state established,related accept comment "berth:aaaaaaaaaaaa"
add rule ip berth filter-FORWARD ip daddr 10.1.0.2 iifname != "br-aaaaaaaaaaaa" oifname "br-aaaaaaaaaaaa" tcp dport 80 accept comment "berth:eeeeeeeeeeee"
add rule ip berth filter-FORWARD iifname != "br-aaaaaaaaaaaa" oifname "br-aaaaaaaaaaaa" drop comment "berth:aaaaaaaaaaaa"
add rule ip berth filter-FORWARD iifname "br-aaaaaaaaaaaa" accept comment "berth:aaaaaaaaaaaa"
add rule ip berth nat-PREROUTING fib daddr type local jump nat-berth
add rule ip berth nat-OUTPUT ip daddr != 127.0.0.0/8 fib daddr type local jump nat-berth
add rule ip berth nat-POSTROUTING ip saddr 10.1.0.0/24 oifname != "br-aaaaaaaaaaaa" masquerade comment "berth:aaaaaaaaaaaa"
add rule ip berth raw-PREROUTING ip daddr 10.1.0.2 iifname != "br-aaaaaaaaaaaa" drop comment "berth:eeeeeeeeeeee"
add rule ip berth nat-berth iifname "br-aaaaaaaaaaaa" return comment "berth:aaaaaaaaaaaa"
add rule ip berth nat-berth iifname != "br-aaaaaaaaaaaa" tcp dport 8080 dnat to 10.1.0.2:80 comment "berth:eeeeeeeeeeee"
`,
    );
  });

  it('isolation between networks, icc=false, masquerade off and internal networks (docker-behaviour.md, Variants)', () => {
    const nets = [
      { ...NET, icc: false },
      { ...NET, id: 'b'.repeat(64), bridge: 'br-b', subnet: '10.2.0.0/24', masquerade: false },
      { ...NET, id: 'c'.repeat(64), bridge: 'br-c', subnet: '10.3.0.7/24', internal: true },
    ];
    const m = model({ networks: nets, endpoints: [{ ...EP, bridge: 'br-c', ip: '10.3.0.2', internal: true }] });
    expect(rulesOf(m, 'filter-FORWARD')).toEqual([
      'jump berth-user',
      'oifname "br-aaaaaaaaaaaa" ct state established,related accept comment "berth:aaaaaaaaaaaa"',
      'oifname "br-b" ct state established,related accept comment "berth:bbbbbbbbbbbb"',
      'iifname "br-aaaaaaaaaaaa" oifname "br-b" drop comment "berth:aaaaaaaaaaaa"',
      'iifname "br-b" oifname "br-aaaaaaaaaaaa" drop comment "berth:bbbbbbbbbbbb"',
      'ip saddr != 10.3.0.0/24 oifname "br-c" drop comment "berth:cccccccccccc"',
      'ip daddr != 10.3.0.0/24 iifname "br-c" drop comment "berth:cccccccccccc"',
      'iifname != "br-aaaaaaaaaaaa" oifname "br-aaaaaaaaaaaa" drop comment "berth:aaaaaaaaaaaa"',
      'iifname != "br-b" oifname "br-b" drop comment "berth:bbbbbbbbbbbb"',
      'iifname "br-aaaaaaaaaaaa" oifname "br-aaaaaaaaaaaa" drop comment "berth:aaaaaaaaaaaa"',
      'iifname "br-aaaaaaaaaaaa" oifname != "br-aaaaaaaaaaaa" accept comment "berth:aaaaaaaaaaaa"',
      'iifname "br-b" accept comment "berth:bbbbbbbbbbbb"',
      'iifname "br-c" oifname "br-c" accept comment "berth:cccccccccccc"',
    ]);
    // only the masquerading network skips DNAT from its bridge and is NATed out
    expect(rulesOf(m, 'nat-berth')).toEqual(['iifname "br-aaaaaaaaaaaa" return comment "berth:aaaaaaaaaaaa"']);
    expect(rulesOf(m, 'nat-POSTROUTING')).toEqual(['ip saddr 10.1.0.0/24 oifname != "br-aaaaaaaaaaaa" masquerade comment "berth:aaaaaaaaaaaa"']);
    // an internal network's endpoint gets no direct-access drop
    expect(rulesOf(m, 'raw-PREROUTING')).toEqual([]);
  });

  it('three networks: each one drops toward the others in one set', () => {
    const nets = ['br-c', 'br-a', 'br-b'].map((bridge, i) => ({ ...NET, id: `${i}`.repeat(64), bridge, subnet: `10.${i}.0.0/24` }));
    expect(rulesOf(model({ networks: nets }), 'filter-FORWARD')).toContain('iifname "br-c" oifname { "br-a", "br-b" } drop comment "berth:000000000000"');
  });

  it('published ports: host address, loopback raw drop, UDP/SCTP, IPv6 left to the proxy', () => {
    const m = model({
      networks: [NET],
      ports: [
        { ...PORT, hostIp: '198.51.100.1', proto: 'udp', hostPort: 5353, containerPort: 53 },
        { ...PORT, hostIp: '127.0.0.1', proto: 'sctp', hostPort: 9000, containerPort: 90 },
        { ...PORT, hostIp: '::' },
        { ...PORT, hostIp: '[::1]' },
      ],
    });
    expect(rulesOf(m, 'nat-berth').slice(1)).toEqual([
      'ip daddr 198.51.100.1 iifname != "br-aaaaaaaaaaaa" udp dport 5353 dnat to 10.1.0.2:53 comment "berth:eeeeeeeeeeee"',
      'ip daddr 127.0.0.1 iifname != "br-aaaaaaaaaaaa" sctp dport 9000 dnat to 10.1.0.2:90 comment "berth:eeeeeeeeeeee"',
    ]);
    expect(rulesOf(m, 'raw-PREROUTING')).toEqual(['ip daddr 127.0.0.1 iifname != "lo" sctp dport 9000 drop comment "berth:eeeeeeeeeeee"']);
    const fwd = rulesOf(m, 'filter-FORWARD');
    // accepts sit above the network's default drop
    expect(fwd.findIndex((r) => r.includes('udp dport 53 accept'))).toBeLessThan(fwd.findIndex((r) => r.startsWith('iifname != "br-aaaaaaaaaaaa"')));
  });

  it('forward policy drop, and refuses values that would break the script', () => {
    expect(renderNft(model({}), { forwardPolicyDrop: true }).chains[0].base?.policy).toBe('drop');
    expect(() => renderNft(model({ networks: [{ ...NET, bridge: 'br" accept' }] }))).toThrow('bad bridge');
    expect(() => renderNft(model({ endpoints: [{ ...EP, ip: '10.1.0.2; flush ruleset' }] }))).toThrow('bad bridge');
    expect(() => renderNft(model({ ports: [{ ...PORT, hostPort: 0 }] }))).toThrow('invalid port');
  });

  it('spells prefixes the way nft lists them', () => {
    expect(nftPrefix('10.3.0.7', 24)).toBe('10.3.0.0/24');
    expect(nftPrefix('172.16.5.4', 12)).toBe('172.16.0.0/12');
    expect(nftPrefix('10.1.2.3', 32)).toBe('10.1.2.3');
  });
});

describe('nft listing and plan', () => {
  // `nft -j list table ip berth` of nftables 1.0.6 (handles and all)
  const listed = JSON.parse(readFileSync(new URL('./testdata/nft-list-table.json', import.meta.url), 'utf8')).nftables;

  it('reads nft -j back into the text Berth renders; unknown expressions stay JSON', () => {
    const t = parseNftTable(listed);
    expect([...t.chains.keys()]).toEqual(['berth-user', 'filter-FORWARD', 'nat-berth']);
    expect(t.chains.get('filter-FORWARD')!.base).toEqual({ type: 'filter', hook: 'forward', prio: 0, policy: 'accept' });
    expect(t.chains.get('filter-FORWARD')!.rules).toEqual([
      'jump berth-user',
      'oifname "br-a" ct state established,related accept comment "berth:aaaaaaaaaaaa"',
      'iifname "br-a" oifname { "br-b", "br-c" } drop comment "berth:aaaaaaaaaaaa"',
      'ip saddr != 10.3.0.0/24 oifname "br-c" drop',
      'ip daddr 10.1.0.2 iifname != "br-a" oifname "br-a" tcp dport 80 accept comment "berth:eeeeeeeeeeee"',
      'counter packets 0 bytes 0',
    ]);
    expect(nftRuleText([{ limit: { rate: 1, per: 'second' } }, { accept: null }])).toBe('{"limit":{"rate":1,"per":"second"}} accept');
    expect(nftRuleText([{ masquerade: { port: { range: [1024, 2048] } } }])).toBe('{"masquerade":{"port":{"range":[1024,2048]}}}');
    expect(t.chains.get('nat-berth')!.rules).toEqual([
      'ip daddr != 127.0.0.0/8 fib daddr type local jump nat-berth',
      'ip daddr 127.0.0.1 iifname != "br-a" udp dport 53 dnat to 10.1.0.2:53',
      'ip saddr 10.1.0.0/24 oifname != "br-a" masquerade',
    ]);
  });

  const want = renderNft(model({ networks: [NET], endpoints: [EP], ports: [PORT] }));
  const asListed = () => ({ chains: new Map([['berth-user', { name: 'berth-user', rules: ['counter'] }], ...want.chains.map((c) => [c.name, structuredClone(c)] as const)]) });

  it('no table: everything missing; in place: nothing to do (berth-user content is the user\'s)', () => {
    const none = nftPlan(want, null);
    expect(none.dirty).toBe(true);
    expect(none.diff.missing).toContain('ip berth chain berth-user');
    expect(none.diff.missing).toContain('ip berth nat-berth iifname != "br-aaaaaaaaaaaa" tcp dport 8080 dnat to 10.1.0.2:80 comment "berth:eeeeeeeeeeee"');
    expect(none.diff.missing).toHaveLength(1 + want.chains.length + want.chains.reduce((a, c) => a + c.rules.length, 0));
    expect(nftPlan(want, asListed())).toEqual({ diff: { missing: [], extra: [] }, remove: [], dirty: false });
  });

  it('a flushed chain, a stranger rule, an order change, a changed policy or hook', () => {
    const t = asListed();
    t.chains.get('nat-berth')!.rules = ['counter'];
    const p = nftPlan(want, t);
    expect(p.dirty).toBe(true);
    expect(p.diff.missing).toHaveLength(2);
    expect(p.diff.extra).toEqual(['ip berth nat-berth counter']);

    const o = asListed();
    o.chains.get('filter-FORWARD')!.rules.reverse();
    expect(nftPlan(want, o).diff).toEqual({ missing: [], extra: ['ip berth: rules out of order'] });

    const pol = asListed();
    pol.chains.get('filter-FORWARD')!.base!.policy = 'drop';
    expect(nftPlan(want, pol).remove).toEqual([]); // `add chain` updates a policy
    const hook = asListed();
    hook.chains.get('raw-PREROUTING')!.base!.prio = 0;
    const h = nftPlan(want, hook);
    expect(h.remove).toEqual(['raw-PREROUTING']);
    expect(nftScript(want, ['raw-PREROUTING', 'nat-berth'], h.remove)).toContain(
      'flush chain ip berth raw-PREROUTING\nflush chain ip berth nat-berth\ndelete chain ip berth raw-PREROUTING\nadd chain ip berth filter-FORWARD',
    );
    // a chain Berth does not render is the user's: never compared, flushed or deleted
    const u = asListed();
    u.chains.set('my-chain', { name: 'my-chain', rules: ['drop'] });
    expect(nftPlan(want, u).dirty).toBe(false);
  });
});

describe('the ip6 berth table (docs/ipv6.md)', () => {
  const want = renderNft(familyModel(M6, true), { family: 'ip6' });
  const fwd = want.chains.find((c) => c.name === 'filter-FORWARD')!.rules;
  const nat = want.chains.find((c) => c.name === 'nat-berth')!.rules;

  it('renders each network from its IPv6 subnets: masquerade per subnet, internal over all of them, DNAT in brackets', () => {
    expect(want.chains.find((c) => c.name === 'nat-POSTROUTING')!.rules).toEqual([
      'ip6 saddr fd00:1::/64 oifname != "br-a" masquerade comment "berth:aaaaaaaaaaaa"',
      'ip6 saddr fd00:1:0:1::/64 oifname != "br-a" masquerade comment "berth:aaaaaaaaaaaa"',
      'ip6 saddr fd00:2::/64 oifname != "br-b" masquerade comment "berth:bbbbbbbbbbbb"',
    ]);
    expect(fwd).toContain('iifname != "br-c" oifname "br-c" drop comment "berth:cccccccccccc"');
    expect(fwd).toContain('iifname "br-c" oifname != "br-c" drop comment "berth:cccccccccccc"');
    expect(fwd).toContain('ip6 daddr fd00:1::2 iifname != "br-a" oifname "br-a" tcp dport 80 accept comment "berth:eeeeeeeeeeee"');
    expect(nat).toEqual([
      'iifname "br-a" return comment "berth:aaaaaaaaaaaa"',
      'iifname "br-b" return comment "berth:bbbbbbbbbbbb"',
      'iifname != "br-a" tcp dport 8080 dnat to [fd00:1::2]:80 comment "berth:eeeeeeeeeeee"',
      'ip6 daddr fd00::77 iifname != "br-b" udp dport 53 dnat to [fd00:2::2]:53 comment "berth:ffffffffffff"',
    ]);
    expect(want.chains.find((c) => c.name === 'nat-OUTPUT')!.rules).toEqual(['ip6 daddr != ::1 fib daddr type local jump nat-berth']);
    expect(want.chains.find((c) => c.name === 'raw-PREROUTING')!.rules).toEqual([
      'ip6 daddr fd00:1::2 iifname != "br-a" drop comment "berth:eeeeeeeeeeee"',
      'ip6 daddr fd00:2::2 iifname != "br-b" drop comment "berth:ffffffffffff"',
    ]);
    // the IPv4 table of the same model holds none of it
    const v4 = renderNft(familyModel(M6, false)).chains.flatMap((c) => c.rules).join('\n');
    expect(v4).not.toMatch(/fd00|br-b/);
    expect(nftScript(want, [], [], 'ip6')).toMatch(/^add table ip6 berth\n/);
  });

  it('what the kernel lists after that script reads back as rendered: nothing to do', () => {
    // `nft -f` of nftScript(want) then `nft -j list table ip6 berth`, nftables 1.0.6
    const listed = JSON.parse(readFileSync(new URL('./testdata/nft-list-table-ip6.json', import.meta.url), 'utf8')).nftables;
    expect(nftPlan(want, parseNftTable(listed), 'ip6')).toEqual({ diff: { missing: [], extra: [] }, remove: [], dirty: false });
    expect(nftPlan(want, null, 'ip6').diff.missing).toContain('ip6 berth chain berth-user');
  });

  it('refuses an address of the other family', () => {
    expect(() => renderNft(familyModel(M6, false), { family: 'ip6' })).toThrow('for nftables');
    expect(nftPrefix('fd00:1::5', 64)).toBe('fd00:1::/64');
    expect(nftPrefix('fd00:1::5', 128)).toBe('fd00:1::5');
  });
});
