import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostRaw } from '../kernel/host-raw-types';
import { buildHostInspect, parseRules } from './build';
import { iptablesSaveParser, parseIptablesSave } from './iptables-parse';
import { parseNftRuleset } from './nft-parse';
import { ruleOwner } from './owner';
import { RuleMemo } from './rule-memo';
import { parseSs } from './sockets';
import { splitWords } from './tokens';

const fx = (n: string) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');
const noLinks = new Map();
const classify = (text: string) => parseIptablesSave(text, 'ipv4').map((r) => ({ ...r, ...ruleOwner(r, noLinks) }));

describe('parseIptablesSave', () => {
  it('reads Docker 28 rules with counters, matches, target and NAT mapping', () => {
    const rules = parseIptablesSave(fx('docker28.save'), 'ipv4');
    expect(rules).toHaveLength(18);
    const dnat = rules.find((r) => r.target === 'DNAT')!;
    expect(dnat).toMatchObject({
      table: 'nat', chain: 'DOCKER', position: 2, packets: 3, bytes: 180,
      matches: { '!i': 'docker0', p: 'tcp', m: 'tcp', dport: '8080' },
      targetArgs: { 'to-destination': '172.17.0.2:80' },
      mapping: '0.0.0.0:8080 -> 172.17.0.2:80/tcp',
      text: '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
    });
    const masq = rules.find((r) => r.target === 'MASQUERADE')!;
    expect(masq.mapping).toBe('172.17.0.0/16 -> !docker0');
    expect(rules.find((r) => r.chain === 'DOCKER-CT')!.matches.ctstate).toBe('RELATED,ESTABLISHED');
  });

  it('unescapes CNI comments and keeps multi-word options', () => {
    const rules = parseIptablesSave(fx('others.save'), 'ipv4');
    const cni = rules.find((r) => r.target.startsWith('CNI-8f'))!;
    expect(cni.comment).toBe('name: "cninet" id: "0d8f3a"');
    expect(splitWords('-A X -m comment --comment "a \\"b\\" c" -j Y')).toEqual(['-A', 'X', '-m', 'comment', '--comment', 'a "b" c', '-j', 'Y']);
    const tcp = parseIptablesSave('*filter\n-A X -p tcp --tcp-flags FIN,SYN SYN -m set --match-set s dst -j ACCEPT\n', 'ipv4')[0];
    expect(tcp.matches).toMatchObject({ 'tcp-flags': 'FIN,SYN SYN', 'match-set': 's dst' });
  });

  it('reads quoted, escaped and oddly spaced words as iptables-restore splits them (values read in place)', () => {
    const read = (spec: string) => {
      const r = parseIptablesSave(`*filter\n-A X ${spec}\n`, 'ipv4')[0];
      return { matches: r.matches, target: r.target, targetArgs: r.targetArgs };
    };
    expect(read('-m comment --comment "two  spaces" -p tcp  --dport 80 -j ACCEPT')).toEqual({ matches: { m: 'comment', comment: 'two  spaces', p: 'tcp', dport: '80' }, target: 'ACCEPT', targetArgs: {} });
    expect(read('-s 10.0.0.0/8\t-m comment --comment a\\ b "c d" -j X')).toEqual({ matches: { s: '10.0.0.0/8', m: 'comment', comment: 'a b c d' }, target: 'X', targetArgs: {} });
    expect(read('! -i "docker0" -m set --match-set "a b" dst -j RETURN')).toEqual({ matches: { '!i': 'docker0', m: 'set', 'match-set': 'a b dst' }, target: 'RETURN', targetArgs: {} });
    expect(read('-m tcp -m comment --comment "" -m udp -g Y --to ""')).toEqual({ matches: { m: 'tcp,comment,udp', comment: '' }, target: 'Y', targetArgs: { goto: 'true', to: '' } });
  });

  it('unquotes Latin-1, wider and long words alike, and a quoted word followed by others', () => {
    const comment = (spec: string) => parseIptablesSave(`*filter\n-A X -m comment --comment ${spec} -j Y\n`, 'ipv4')[0].comment;
    expect(comment('"é \\"ü\\"\\\\"')).toBe('é "ü"\\');
    expect(comment('"é \\"ü\\" ✓"')).toBe('é "ü" ✓');
    expect(comment(`"${'a\\"'.repeat(400)}"`)).toBe('a"'.repeat(400));
    expect(comment('"a b" c "d"')).toBe('a b c d');
    expect(comment('"a b"')).toBe('a b');
  });

  it('reads a line the same with a memo (the rule\'s own copy of its line, its spec read in it) as without', () => {
    const save = fx('others.save') + fx('docker28.save');
    const plain = parseIptablesSave(save, 'ipv4');
    const parser = iptablesSaveParser('ipv4', undefined, new RuleMemo(), true);
    const pieces = [...parser.push(save.slice(0, 1000)), ...parser.push(save.slice(1000)), ...parser.end()];
    expect(pieces).toEqual(plain);
    // lines and ids that are not ASCII (copied and made another way), long positions
    const wide = `*filter\n${Array.from({ length: 12 }, (_, i) => `-A É${i % 2} -m comment --comment "${i === 5 ? '✓' : 'é'}" -j ACCEPT`).join('\n')}\n${'-A X -j Y\n'.repeat(11)}`;
    const memo = iptablesSaveParser('ipv4', undefined, new RuleMemo(), true);
    const read = [...memo.push(wide.slice(0, 200)), ...memo.push(wide.slice(200)), ...memo.end()];
    expect(read).toEqual(parseIptablesSave(wide, 'ipv4'));
    expect(read.map((r) => r.id).slice(10, 14)).toEqual(['ipv4/filter/É0/6', 'ipv4/filter/É1/6', 'ipv4/filter/X/1', 'ipv4/filter/X/2']);
    expect(read.map((r) => r.id).slice(-2)).toEqual(['ipv4/filter/X/10', 'ipv4/filter/X/11']);
    expect(read[5].comment).toBe('✓');
  });

  it('decodes IPv6 DNAT', () => {
    const [r] = parseIptablesSave('*nat\n-A DOCKER -d fd00::1/128 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:1::2]:80\n', 'ipv6');
    expect(r.mapping).toBe('[fd00::1]:8080 -> [fd00:1::2]:80/tcp');
  });
});

describe('owners', () => {
  it('classifies Docker 28 and 20.10 layouts as docker', () => {
    for (const f of ['docker28.save', 'docker20.save']) {
      const rules = classify(fx(f));
      // the hairpin MASQUERADE names no chain or interface: only the bridge's subnet (from links) tells
      expect(rules.filter((r) => r.owner !== 'docker').map((r) => r.text)).toEqual(
        f === 'docker20.save' ? ['-A POSTROUTING -s 198.18.200.2/32 -d 198.18.200.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE'] : [],
      );
    }
    const jump = classify(fx('docker20.save')).find((r) => r.text === '-A FORWARD -j DOCKER-USER')!;
    expect(jump.evidence).toBe('jumps to DOCKER-USER');
  });

  it('classifies Berth, CNI, podman, libvirt, kubernetes, ufw and unknown by evidence', () => {
    const by = (t: string) => classify(fx('others.save')).find((r) => r.text.startsWith(t))!;
    expect(by('-A POSTROUTING -s 172.30.0.0/24')).toMatchObject({ owner: 'berth', evidence: 'comment berth:0a1b2c3d4e5f' });
    expect(by('-A POSTROUTING -s 10.22.0.5/32').owner).toBe('cni');
    expect(by('-A POSTROUTING -s 10.88.0.0/16').owner).toBe('podman');
    expect(by('-A NETAVARK_FORWARD -s').owner).toBe('podman');
    expect(by('-A POSTROUTING -s 192.168.122.0/24').owner).toBe('unknown'); // no chain, comment or interface evidence
    expect(by('-A LIBVIRT_FWO').owner).toBe('libvirt');
    expect(by('-A FORWARD -m comment --comment "kubernetes').owner).toBe('kubernetes');
    expect(by('-A ufw-before-input').owner).toBe('ufw');
    expect(by('-A INPUT -p tcp').owner).toBe('unknown');
  });

  it('gives rules with the same evidence one verdict, and an interface\'s from the links of the reading', () => {
    const rules = parseIptablesSave('*filter\n-A FORWARD -j DOCKER-USER\n-A INPUT -j DOCKER-USER\n-A X -i br-0123456789ab -j ACCEPT\n-A X -p tcp\n-A Y -p udp\n', 'ipv4');
    const [a, b, i, n1, n2] = rules.map((r) => ruleOwner(r, noLinks));
    expect(a).toEqual({ owner: 'docker', evidence: 'jumps to DOCKER-USER' });
    expect(b).toBe(a);
    expect(n1).toEqual({ owner: 'unknown', evidence: 'no owner evidence' });
    expect(n2).toBe(n1);
    expect(i).toEqual({ owner: 'docker', evidence: 'interface br-0123456789ab (link name br-0123456789ab)' });
    const alias = new Map([['br-0123456789ab', { owner: 'berth' as const, evidence: 'link alias berth:n1' }]]);
    expect(ruleOwner(rules[2], alias)).toEqual({ owner: 'berth', evidence: 'interface br-0123456789ab (link alias berth:n1)' });
    expect(ruleOwner(rules[2], noLinks)).toEqual(i);
  });

  it('lets a berth: link alias win over br-<12hex> naming', () => {
    const [r] = parseIptablesSave('*nat\n-A POSTROUTING -s 10.1.0.0/24 ! -o br-0123456789ab -j MASQUERADE\n', 'ipv4');
    expect(ruleOwner(r, new Map()).owner).toBe('docker');
    expect(ruleOwner(r, new Map([['br-0123456789ab', { owner: 'berth' as const, evidence: 'link alias berth:n1' }]])).owner).toBe('berth');
  });
});

describe('parseNftRuleset', () => {
  it('summarises every table and lists rules of nft-native ones only', () => {
    const { tables, rules } = parseNftRuleset(JSON.parse(fx('ruleset.nft.json')));
    expect(tables.map((t) => [t.family, t.name, t.owner, t.rules])).toEqual([
      ['ip', 'nat', 'system', 1], ['inet', 'netavark', 'podman', 2], ['inet', 'firewalld', 'firewalld', 1],
    ]);
    expect(rules).toHaveLength(3);
    expect(rules[0]).toMatchObject({ source: 'nftables', table: 'inet netavark', target: 'DNAT', packets: 4, mapping: '0.0.0.0:8081 -> 10.89.0.2:80/tcp' });
    expect(rules[1].mapping).toBe('10.89.0.0/24 -> *');
    // the text as nft prints it (the same printer the nftables backend compares with)
    expect(rules[0].text).toBe('tcp dport 8081 counter packets 4 bytes 240 dnat ip to 10.89.0.2:80');
    expect(rules[2].text).toBe('ct state established,related accept');
  });
});

describe('base chains, for the packet tracer', () => {
  // `nft -j list ruleset` of Berth's ip and ip6 tables, an inet table of
  // another firewall and iptables-nft's filter tables (captured in unshare
  // --net); src/renderer/src/views/nat/trace-nft.test.ts walks these rules
  const reading = parseRules({
    iptables: { ipv4: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:BERTH-USER - [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n', ipv6: null },
    nft: JSON.parse(fx('tracer.nft.json')),
  });
  it("lists iptables' built-in chains with their policy and priority, and nft base chains of nft-native tables", () => {
    const chains = reading.baseChains.map((c) => `${c.source} ${c.family} ${c.table} ${c.chain} ${c.type} ${c.hook} ${c.priority} ${c.policy}`);
    expect(chains).toEqual([
      'iptables ipv4 filter INPUT filter input 0 accept',
      'iptables ipv4 filter FORWARD filter forward 0 drop',
      'iptables ipv4 filter OUTPUT filter output 0 accept',
      'iptables ipv4 nat PREROUTING nat prerouting -100 accept',
      'iptables ipv4 nat POSTROUTING nat postrouting 100 accept',
      'nftables ipv4 ip berth filter-FORWARD filter forward 0 accept',
      'nftables ipv4 ip berth nat-PREROUTING nat prerouting -100 accept',
      'nftables ipv4 ip berth nat-OUTPUT nat output -100 accept',
      'nftables ipv4 ip berth raw-PREROUTING filter prerouting -300 accept',
      'nftables ipv6 ip6 berth filter-FORWARD filter forward 0 accept',
      'nftables ipv6 ip6 berth nat-PREROUTING nat prerouting -100 accept',
      'nftables inet inet guard guard-forward filter forward 10 drop',
    ]);
  });
  it('reads nft matches in the words the tracer tests', () => {
    const rule = (id: string) => reading.rules.find((r) => r.id === id)!;
    expect(rule('nft/ip/berth/filter-FORWARD/4')).toMatchObject({ matches: { 'ip daddr': '10.91.0.2', iifname: '!= br-1', oifname: 'br-1', 'tcp dport': '80' }, target: 'ACCEPT' });
    expect(rule('nft/ip/berth/nat-OUTPUT/1')).toMatchObject({ matches: { 'ip daddr': '!= 127.0.0.0/8', 'fib daddr type': 'local' }, target: 'nat-berth' });
    expect(rule('nft/ip6/berth/nat-berth/1')).toMatchObject({ matches: { iifname: '!= br-1', 'tcp dport': '8080' }, target: 'DNAT', targetArgs: { 'to-destination': '[fd00:91::2]:80' } });
    expect(rule('nft/inet/guard/guard-forward/1')).toMatchObject({ table: 'inet guard', matches: { iifname: '{ br-9, eth9 }' } });
    expect(rule('nft/ip/berth/filter-FORWARD/2').matches['ct state']).toBe('established,related');
  });
});

describe('buildHostInspect on a real reading (captured in unshare --net)', () => {
  const raw = JSON.parse(fx('hostraw.json')) as HostRaw;
  const host = buildHostInspect(raw);
  const link = (n: string) => host.links.find((l) => l.name === n)!;
  it('resolves veth peers, masters and owners', () => {
    expect(link('veth1a2b3c4')).toMatchObject({ kind: 'veth', master: 'docker0', peer: 'eth0@dctr', owner: 'docker' });
    expect(link('vethdead0').peer).toBe('vethdead1@host');
    expect(link('vethp').peer).toMatch(/^eth0@pid:\d+$/);
    expect(link('docker0')).toMatchObject({ kind: 'bridge', owner: 'docker', addresses: ['172.17.0.1/16', expect.stringMatching(/^fe80:/)] });
  });
  it('lists namespaces with their links and the rules with owners', () => {
    expect(host.netns.find((n) => n.name === 'dctr')!.links.find((l) => l.name === 'eth0')!.addresses[0]).toBe('172.17.0.2/16');
    expect(host.netns.find((n) => n.name === 'emptyns')).toMatchObject({ pids: [], links: [{ name: 'lo', addresses: [] }] });
    expect(host.rules.length).toBe(18);
    expect(host.rules.every((r) => r.owner === 'docker')).toBe(true);
    expect(host.routes.some((r) => r.dst === '172.17.0.0/16' && r.dev === 'docker0')).toBe(true);
  });
});

it('parses ss listening sockets', () => {
  const s = parseSs('tcp LISTEN 0 1 127.0.0.1:5555 0.0.0.0:* users:(("nc",pid=6519,fd=3))\nudp UNCONN 0 0 [::]:53 [::]:*\n');
  expect(s).toEqual([
    { proto: 'tcp', address: '127.0.0.1', port: 5555, pid: 6519, process: 'nc' },
    { proto: 'udp6', address: '::', port: 53, pid: null, process: null },
  ]);
});
