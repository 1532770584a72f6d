import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPerTest, httpGet, TestHost, waitFor } from './harness';

// Dual-stack and IPv6-only networks end to end from the CLI, with real IPv6
// traffic between throwaway namespaces: ULA subnets for networks, the
// documentation prefix 2001:db8::/32 for the "outside". Once per firewall
// backend, which must give the same semantics (docs/ipv6.md).
const OUT_HOST = '2001:db8:100::1'; // the test host's address towards the outside
const OUT = '2001:db8:100::2'; // the outside namespace; it has no route to any ULA

const ping6 = (ip: string) => ['ping', '-6', '-c', '1', '-W', '1', ip];
const serve = ['--', 'python3', '-m', 'http.server', '--bind', '::', '8000'];
const getsOn = (h: TestHost, from: string, url: string) =>
  waitFor(async () => (await h.inContainer(from, httpGet(url, 1))).code === 0, 60_000, `${from} to get ${url}`);
// the "outside" namespace with its IPv6 address and a web server on port 80
async function addOutside6(h: TestHost): Promise<void> {
  await h.addOutside();
  await h.shOk(['ip', 'addr', 'add', `${OUT_HOST}/64`, 'dev', 'up-outside', 'nodad']);
  await h.shOk(['ip', '-n', 'outside', 'addr', 'add', `${OUT}/64`, 'dev', 'eth0', 'nodad']);
  await h.sh(['sh', '-c', `ip netns exec outside python3 -m http.server --bind ${OUT} 80 >/dev/null 2>&1 &`]);
}

describe.each(['iptables', 'nftables'] as const)('IPv6 (%s)', (backend) => {
  // the tests that only look share one host; the two that change it for good
  // (helper killed, everything removed) have their own, below
  let h: TestHost;
  const addrs = async (name: string) => {
    const n = Object.values((await h.inspect(name)).NetworkSettings.Networks as Record<string, { IPAddress: string; GlobalIPv6Address: string }>)[0];
    return { v4: n.IPAddress, v6: n.GlobalIPv6Address };
  };
  const gets = (from: string, url: string) => getsOn(h, from, url);
  const blocked = async (from: string, url: string) => (await h.inContainer(from, httpGet(url, 1))).code !== 0;

  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper(['--firewall', backend]);
    await addOutside6(h);
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.70.0.0/24', '--subnet', 'fd00:70::/64', 'dual']);
    await h.berthOk(['network', 'create', '--ipv6', '--ipv4=false', 'six']);
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', 'fd00:72::/64', 'other6']);
    await h.berthOk(['network', 'create', '--ipv6', '--internal', '--subnet', 'fd00:73::/64', 'priv6']);
    await h.berthOk(['run', '-d', '--name', 'a', '--network', 'dual', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'b', '--network', 'dual', '--ip6', 'fd00:70::99', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'c', '--network', 'six', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'o', '--network', 'other6', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'p', '--network', 'priv6', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'pub', '--network', 'dual', '-p', '8080:8000', ...serve]);
    // four networks and six containers: past the default hook bound on a loaded 2-core machine
  }, 600_000);
  afterAll(async () => h?.destroy());

  it('network inspect shows both IPAM configs and EnableIPv6; an IPv6-only network gets a ULA /64', async () => {
    const [dual] = JSON.parse(await h.berthOk(['network', 'inspect', 'dual']));
    expect(dual.EnableIPv6).toBe(true);
    expect(dual.EnableIPv4).toBe(true);
    expect(dual.IPAM.Config).toEqual([
      { Subnet: '10.70.0.0/24', Gateway: '10.70.0.1' },
      { Subnet: 'fd00:70::/64', Gateway: 'fd00:70::1' },
    ]);
    const [six] = JSON.parse(await h.berthOk(['network', 'inspect', 'six']));
    expect(six.EnableIPv4).toBe(false);
    expect(six.IPAM.Config).toHaveLength(1);
    expect(six.IPAM.Config[0].Subnet).toMatch(/^fd[0-9a-f]{2}:[0-9a-f:]+::\/64$/);
    expect(await addrs('b')).toEqual({ v4: '10.70.0.3', v6: 'fd00:70::99' });
    const c = await addrs('c');
    expect(c.v4).toBe('');
    expect(c.v6.startsWith(six.IPAM.Config[0].Subnet.replace('::/64', ':'))).toBe(true);
    // the bridge holds each gateway; the container has its address and an IPv6 default route
    const br = (await h.shOk(['ip', '-6', 'addr', 'show'])).toString();
    expect(br).toContain('inet6 fd00:70::1/64');
    expect((await h.inContainer('a', ['ip', '-6', 'route'])).stdout).toMatch(/default via fd00:70::1 dev eth0/);
    expect((await h.inContainer('c', ['ip', '-4', 'addr', 'show', 'eth0'])).stdout).not.toContain('inet ');
  });

  it('containers on one network reach each other over IPv6', async () => {
    expect(await waitFor(async () => (await h.inContainer('a', ping6('fd00:70::99'))).code === 0, 60_000, 'a to ping b over IPv6')).toBe(true);
    expect(await gets('a', 'http://[fd00:70::99]:8000/')).toBe(true);
  });

  it('egress is masqueraded: the outside, with no route to the ULA, answers', async () => {
    expect(await gets('a', `http://[${OUT}]/`)).toBe(true);
    expect(await gets('c', `http://[${OUT}]/`)).toBe(true); // IPv6-only
    if (backend === 'iptables') expect(await h.shOk(['ip6tables-save', '-t', 'nat'])).toMatch(/-A POSTROUTING -s fd00:70::\/64 ! -o br-[0-9a-f]{12} -m comment --comment "?berth:[0-9a-f]{12}"? -j MASQUERADE/);
    else expect(await h.shOk(['nft', 'list', 'chain', 'ip6', 'berth', 'nat-POSTROUTING'])).toMatch(/ip6 saddr fd00:70::\/64 oifname != "br-[0-9a-f]{12}" masquerade/);
  });

  it('a port published on [::] is reached over IPv6 from outside through DNAT', async () => {
    const url = `http://[${OUT_HOST}]:8080/`;
    expect(await waitFor(async () => (await h.sh(['ip', 'netns', 'exec', 'outside', ...httpGet(url, 1)])).code === 0, 60_000, `outside to get ${url}`)).toBe(true);
    const pub = (await addrs('pub')).v6;
    if (backend === 'iptables') expect(await h.shOk(['ip6tables-save', '-t', 'nat'])).toContain(`--dport 8080 -m comment --comment "berth:`);
    if (backend === 'iptables') expect(await h.shOk(['ip6tables-save', '-t', 'nat'])).toContain(`-j DNAT --to-destination [${pub}]:8000`);
    else expect(await h.shOk(['nft', 'list', 'chain', 'ip6', 'berth', 'nat-berth'])).toContain(`dnat to [${pub}]:8000`);
  });

  it('an internal IPv6 network reaches nothing outside, and has no default route', async () => {
    expect(await blocked('p', `http://[${OUT}]/`)).toBe(true);
    expect((await h.inContainer('p', ['ip', '-6', 'route'])).stdout).not.toContain('default');
  });

  it('IPv6 networks are isolated from each other', async () => {
    expect(await gets('o', `http://[${OUT}]/`)).toBe(true);
    expect(await blocked('o', 'http://[fd00:70::99]:8000/')).toBe(true);
    expect((await h.inContainer('o', ping6('fd00:70::99'))).code).not.toBe(0);
  });
  it('cleanup proposes nothing of the live IPv6 setup (rules, ports, flows of both families)', async () => {
    // a flow through the [::] DNAT, so conntrack holds an IPv6 NAT entry too
    await h.sh(['ip', 'netns', 'exec', 'outside', ...httpGet(`http://[${OUT_HOST}]:8080/`, 1)]);
    const plan = JSON.parse(await h.berthOk(['cleanup', '--format', 'json'])) as { findings: { kind: string; evidence: string[] }[] };
    const mine = plan.findings.filter((f) => f.evidence.some((e) => /fd00:|br-[0-9a-f]{12}|berth:/.test(e)));
    expect(mine.map((f) => `${f.kind}: ${f.evidence[0]}`)).toEqual([]);
  });

  it('bad input: one clear line, and nothing changes (addresses, routes, ip6tables, nft)', async () => {
    // link-local addresses and their local/anycast routes are the kernel's (DAD may finish meanwhile)
    const ours = (t: string) => t.split('\n').filter((l) => !l.includes('fe80:')).join('\n').replace(/ tentative/g, '');
    const state = async () => [
      ours(await h.shOk(['ip', '-6', 'addr', 'show'])),
      ours(await h.shOk(['ip', '-6', 'route', 'show', 'table', 'all'])),
      (await h.shOk(['ip6tables-save'])).replace(/\[\d+:\d+\]/g, '').replace(/^#.*$/gm, ''),
      (await h.shOk(['nft', 'list', 'ruleset'])).replace(/packets \d+ bytes \d+/g, ''),
      await h.berthOk(['network', 'ls', '-q']),
    ];
    const before = await state();
    const cases: [string[], RegExp][] = [
      [['network', 'create', '--ipv6', '--subnet', 'fd00::/200', 'bad1'], /invalid CIDR address: fd00::\/200/],
      [['network', 'create', '--ipv6', '--subnet', 'fd00:70::/48', 'bad2'], /overlaps/i],
      [['network', 'create', '--ipv6', '--subnet', 'fd00:80::/64', '--subnet', 'fd00:80::/56', 'bad3'], /overlap/],
      [['network', 'create', '--ipv6', '--subnet', 'fd00:81::/64', '--gateway', 'fd00:82::1', 'bad4'], /gateway fd00:82::1 is outside subnet fd00:81::\/64/],
      [['network', 'create', '--subnet', 'fd00:83::/64', 'bad5'], /without --ipv6/],
      [['network', 'create', '--ipv4=false', 'bad6'], /IPv4 or IPv6/],
      [['run', '-d', '--network', 'dual', '--ip6', 'fd00:99::5', '--', 'sleep', '1'], /does not belong to the network's subnet fd00:70::\/64/],
      [['run', '-d', '--network', 'dual', '--ip6', 'fd00:70::99', '--', 'sleep', '1'], /Address already in use/],
    ];
    for (const [args, msg] of cases) {
      const r = await h.berth(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(`${r.code} ${lines[0]}`, args.join(' ')).toMatch(/^\d+ Error: /); // -1: the CLI's time ran out
      expect(lines[0]).toMatch(msg);
    }
    expect(await state()).toEqual(before);
  });
});

describe.each(['iptables', 'nftables'] as const)('IPv6 (%s), helper killed', (backend) => {
  const host = hostPerTest(async (h) => {
    await h.startHelper(['--firewall', backend]);
    await addOutside6(h);
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.70.0.0/24', '--subnet', 'fd00:70::/64', 'dual']);
    await h.berthOk(['run', '-d', '--name', 'a', '--network', 'dual', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'b', '--network', 'dual', '--ip6', 'fd00:70::99', ...serve]);
  });

  it('after SIGKILL the next helper puts the IPv6 rules back and traffic flows again', async () => {
    const h = host();
    await h.stopHelper('SIGKILL');
    // someone removes Berth's IPv6 masquerade while the helper is away
    if (backend === 'iptables') {
      const rule = (await h.shOk(['ip6tables', '-t', 'nat', '-S', 'POSTROUTING'])).split('\n').find((l) => l.includes('fd00:70::/64'))!;
      await h.shOk(['sh', '-c', `ip6tables -t nat ${rule.replace('-A ', '-D ')}`]);
    } else await h.shOk(['nft', 'flush', 'chain', 'ip6', 'berth', 'nat-POSTROUTING']);
    await h.startHelper(['--firewall', backend]);
    expect(await getsOn(h, 'a', `http://[${OUT}]/`)).toBe(true);
    expect(await getsOn(h, 'a', 'http://[fd00:70::99]:8000/')).toBe(true);
  });
});

describe.each(['iptables', 'nftables'] as const)('IPv6 (%s), teardown', (backend) => {
  let forwarding6 = ''; // before the first IPv6 network
  const host = hostPerTest(async (h) => {
    await h.startHelper(['--firewall', backend]);
    forwarding6 = (await h.shOk(['sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).trim();
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.70.0.0/24', '--subnet', 'fd00:70::/64', 'dual']);
    await h.berthOk(['network', 'create', '--ipv6', '--ipv4=false', 'six']);
    await h.berthOk(['network', 'create', '--ipv6', '--internal', '--subnet', 'fd00:73::/64', 'priv6']);
    await h.berthOk(['run', '-d', '--name', 'a', '--network', 'dual', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'c', '--network', 'six', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'p', '--network', 'priv6', ...serve]);
    await h.berthOk(['run', '-d', '--name', 'pub', '--network', 'dual', '-p', '8080:8000', ...serve]);
  });

  it('teardown leaves no IPv6 object of Berth behind', async () => {
    const h = host();
    for (const c of ['a', 'c', 'p', 'pub']) await h.berthOk(['rm', '-f', c]);
    for (const n of ['dual', 'six', 'priv6']) await h.berthOk(['network', 'rm', n]);
    await h.settled(); // bridges and rules go after the answers
    const addrs6 = await h.shOk(['ip', '-6', 'addr', 'show']);
    expect(addrs6).not.toMatch(/inet6 fd/);
    expect(await h.shOk(['ip', '-6', 'route', 'show', 'table', 'all'])).not.toMatch(/^fd/m);
    expect(await h.shOk(['ip6tables-save'])).not.toMatch(/berth:[0-9a-f]{12}/);
    if (backend === 'nftables') expect(await h.shOk(['nft', 'list', 'table', 'ip6', 'berth'])).not.toMatch(/berth:[0-9a-f]{12}/);
    // and system reset takes Berth's (now empty) chains out of ip6tables too
    await h.berthOk(['system', 'reset']);
    expect(await h.shOk(['ip6tables-save'])).not.toContain('BERTH');
    // Berth turned IPv6 forwarding on: its policy drop goes with it
    if (backend === 'iptables') expect(await h.shOk(['ip6tables-save', '-t', 'filter'])).toMatch(/^:FORWARD ACCEPT/m);
    else expect((await h.sh(['nft', 'list', 'table', 'ip6', 'berth'])).code).not.toBe(0);
    expect((await h.shOk(['sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).trim()).toBe(forwarding6);
  });
});
