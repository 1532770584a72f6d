import { describe, expect, it } from 'vitest';
import { hostPerTest, httpGet, type TestHost, waitFor } from './harness';

// What IPv6 networks keep up after they are made, with real IPv6 traffic
// (ULA networks, the documentation prefix 2001:db8::/32 for the "outside"):
// conntrack flushed when a port goes, drift of the v6 rules repaired, icc=false
// between containers, and the nftables backend beside another firewall's
// ip6tables FORWARD policy DROP. A throwaway host per test.
const OUT_HOST = '2001:db8:100::1'; // the test host's address towards the outside
const OUT = '2001:db8:100::2'; // the outside namespace; it has no route to any ULA
const UDP6_ECHO = 'import socket,sys\ns=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)\ns.bind(("::",int(sys.argv[1])))\nwhile True:\n d,a=s.recvfrom(2048)\n s.sendto(b"echo:"+d,a)';
// one flow (a fixed source port), `tries` datagrams half a second apart: exit 0 at the first echo
const UDP6_CLIENT =
  'import socket,sys\ns=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)\ns.bind(("::",int(sys.argv[3])))\ns.settimeout(0.5)\nfor i in range(int(sys.argv[4])):\n try:\n  s.sendto(b"hi",(sys.argv[1],int(sys.argv[2])))\n  print(s.recv(100).decode()); sys.exit(0)\n except OSError:\n  pass\nsys.exit(1)';
const SERVE = ['--', 'python3', '-m', 'http.server', '--bind', '::', '8000'];

async function setUp(h: TestHost, backend: 'iptables' | 'nftables', before: string[][] = []) {
  for (const argv of before) await h.shOk(argv);
  await h.startHelper(['--firewall', backend]);
  await h.addOutside();
  await h.shOk(['ip', 'addr', 'add', `${OUT_HOST}/64`, 'dev', 'up-outside', 'nodad']);
  await h.shOk(['ip', '-n', 'outside', 'addr', 'add', `${OUT}/64`, 'dev', 'eth0', 'nodad']);
  await h.sh(['sh', '-c', `ip netns exec outside python3 -m http.server --bind ${OUT} 80 >/dev/null 2>&1 &`]);
}

const outside = (h: TestHost, argv: string[]) => h.sh(['ip', 'netns', 'exec', 'outside', ...argv]);
const v6Of = async (h: TestHost, name: string) =>
  (Object.values((await h.inspect(name)).NetworkSettings.Networks)[0] as { GlobalIPv6Address: string }).GlobalIPv6Address;
const listening = (h: TestHost, name: string, ss: string[]) =>
  waitFor(async () => (await h.inContainer(name, ['ss', '-H', ...ss])).stdout.trim() !== '', 60_000, `${name} listening (${ss.join(' ')})`);
const getsFromOutside = (h: TestHost, port: number) =>
  waitFor(async () => (await outside(h, httpGet(`http://[${OUT_HOST}]:${port}/`, 1))).code === 0, 60_000, `outside to get [${OUT_HOST}]:${port}`);

describe.each(['iptables', 'nftables'] as const)('IPv6 upkeep (%s)', (backend) => {
  const host = hostPerTest((h) => setUp(h, backend));

  it('port rm flushes the IPv6 conntrack entries of the port: an ongoing UDP flow no longer reaches the container', async () => {
    const h = host();
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.74.0.0/24', '--subnet', 'fd00:74::/64', 'dual']);
    await h.berthOk(['run', '-d', '--name', 'u', '--network', 'dual', '-p', '5600:5400/udp', '--', 'python3', '-c', UDP6_ECHO, '5400']);
    await listening(h, 'u', ['-lun', 'sport = :5400']);
    const ip6 = await v6Of(h, 'u');
    const send = (tries: number) => outside(h, ['python3', '-c', UDP6_CLIENT, OUT_HOST, '5600', '41000', String(tries)]);
    const echo = await waitFor(async () => {
      const r = await send(2);
      return r.code === 0 ? r.stdout.trim() : null;
    }, 60_000, 'the UDP flow over IPv6 to be answered through the DNAT');
    expect(echo).toBe('echo:hi');
    const entries = async () => (await h.sh(['conntrack', '-L', '-f', 'ipv6', '-p', 'udp', '--dport', '5600'])).stdout;
    expect(await entries()).toContain(`src=${ip6}`); // DNAT'd: the reply comes from the container

    await h.berthOk(['port', 'rm', 'u', '5600:5400/udp']);
    // the DNAT's deletion commits, and the flush runs, after the answer (docs/decisions.md,
    // "Firewall deletions committed in the background"): a reading through the helper waits for both
    await h.settled();
    // the same flow (same source port): without the flush its entry would still DNAT it to the container
    expect((await send(4)).code).not.toBe(0);
    expect(await entries()).not.toContain(`src=${ip6}`);
    expect((await h.inspect('u')).State.Status).toBe('running');
  });

  it('repairs drift of the IPv6 rules: a flushed chain, then a flushed or deleted table comes back, and traffic with it', async () => {
    const h = host();
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.75.0.0/24', '--subnet', 'fd00:75::/64', 'dual']);
    await h.berthOk(['run', '-d', '--name', 'web', '--network', 'dual', '-p', '8080:8000', ...SERVE]);
    await listening(h, 'web', ['-ltn', 'sport = :8000']);
    expect(await getsFromOutside(h, 8080)).toBe(true);
    const ip6 = await v6Of(h, 'web');
    const read = backend === 'iptables' ? ['ip6tables-save', '-t', 'nat'] : ['nft', 'list', 'chain', 'ip6', 'berth', 'nat-berth'];
    const hasDnat = (text: string) => text.includes(backend === 'iptables' ? `--to-destination [${ip6}]:8000` : `dnat to [${ip6}]:8000`);
    const dnat = async () => hasDnat((await h.sh(read)).stdout);
    const breaks = backend === 'iptables'
      ? [['ip6tables', '-t', 'nat', '-F', 'BERTH'], ['ip6tables', '-t', 'nat', '-F']]
      : [['nft', 'flush', 'table', 'ip6', 'berth'], ['nft', 'delete', 'table', 'ip6', 'berth']];
    for (const argv of breaks) {
      // the break took: read in the same shell, before the drift check (every 500 ms) can repair it
      expect(hasDnat((await h.shThenRead(argv, read)).stdout)).toBe(false);
      await waitFor(dnat, 60_000, `the IPv6 DNAT back after ${argv.join(' ')}`);
      expect(await getsFromOutside(h, 8080)).toBe(true);
    }
    // and the IPv4 rules were never the ones touched: still there
    if (backend === 'nftables') expect((await h.shOk(['nft', 'list', 'chain', 'ip', 'berth', 'nat-berth']))).toContain('dport 8080');
  });

  it('enable_icc=false: containers of one IPv6 network do not reach each other, but do reach the outside', async () => {
    const h = host();
    // off, as some hosts have it (libvirt's advice): Berth must turn it on for icc=false to hold
    await h.shOk(['sysctl', '-w', 'net.bridge.bridge-nf-call-ip6tables=0']);
    await h.berthOk(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:76::/64', '-o', 'com.docker.network.bridge.enable_icc=false', 'noicc']);
    await h.berthOk(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:77::/64', 'icc']);
    for (const [name, net] of [['i1', 'noicc'], ['i2', 'noicc'], ['j1', 'icc'], ['j2', 'icc']]) await h.berthOk(['run', '-d', '--name', name, '--network', net, ...SERVE]);
    for (const name of ['i1', 'j1']) await listening(h, name, ['-ltn', 'sport = :8000']);
    // the same setup with icc on: reached (so the block below is icc's, not a broken network)
    const j1 = await v6Of(h, 'j1');
    expect(await waitFor(async () => (await h.inContainer('j2', httpGet(`http://[${j1}]:8000/`, 1))).code === 0, 60_000, 'j2 to reach j1 over IPv6')).toBe(true);
    expect(await waitFor(async () => (await h.inContainer('i2', httpGet(`http://[${OUT}]/`, 1))).code === 0, 60_000, 'i2 to reach the outside')).toBe(true);
    const i1 = await v6Of(h, 'i1');
    expect((await h.inContainer('i2', httpGet(`http://[${i1}]:8000/`, 2))).code).not.toBe(0);
    expect((await h.inContainer('i2', ['ping', '-6', '-c', '1', '-W', '1', i1])).code).not.toBe(0);
    // bridged IPv6 meets ip6tables/nft forward rules only through br_netfilter
    expect((await h.shOk(['sysctl', '-n', 'net.bridge.bridge-nf-call-ip6tables'])).trim()).toBe('1');
  });
});

describe('nftables backend beside an ip6tables FORWARD policy DROP', () => {
  // another firewall (Docker, ufw) dropping forwarded IPv6 by default, with a rule of its own
  const host = hostPerTest((h) => setUp(h, 'nftables', [['ip6tables', '-P', 'FORWARD', 'DROP'], ['ip6tables', '-A', 'FORWARD', '-s', '2001:db8:300::/48', '-j', 'ACCEPT']]));

  it('publishes over IPv6 and lets containers out, through the drop; says so; and takes its accepts away on reset', async () => {
    const h = host();
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.78.0.0/24', '--subnet', 'fd00:78::/64', 'dual']);
    await h.berthOk(['run', '-d', '--name', 'web', '--network', 'dual', '-p', '8080:8000', ...SERVE]);
    await listening(h, 'web', ['-ltn', 'sport = :8000']);
    expect(await getsFromOutside(h, 8080)).toBe(true);
    expect(await waitFor(async () => (await h.inContainer('web', httpGet(`http://[${OUT}]/`, 1))).code === 0, 60_000, 'web to reach the outside over IPv6')).toBe(true);

    const br = `br-${(JSON.parse(await h.berthOk(['network', 'inspect', 'dual']))[0].Id as string).slice(0, 12)}`;
    const fwd = (await h.shOk(['ip6tables', '-S', 'FORWARD'])).split('\n');
    expect(fwd[0]).toBe('-P FORWARD DROP');
    for (const dir of ['-i', '-o'])
      expect(fwd).toContainEqual(expect.stringMatching(new RegExp(`^-A FORWARD ${dir} ${br} -m comment --comment "?berth:[0-9a-f]{12}"? -j ACCEPT$`)));
    expect(fwd).toContain('-A FORWARD -s 2001:db8:300::/48 -j ACCEPT');
    const info = JSON.parse(await h.berthOk(['info', '--format', 'json'])) as { hostChanges: string[] };
    expect(info.hostChanges.join('\n')).toContain('ip6tables filter FORWARD drops by default');

    // the other firewall reloads without Berth's accepts: put back
    await h.shOk(['ip6tables', '-D', 'FORWARD', '-i', br, '-m', 'comment', '--comment', /berth:[0-9a-f]{12}/.exec(fwd.join('\n'))![0], '-j', 'ACCEPT']);
    await waitFor(async () => (await h.shOk(['ip6tables', '-S', 'FORWARD'])).includes(`-A FORWARD -i ${br} -m comment`), 60_000, 'the accept back in ip6tables FORWARD');
    expect(await getsFromOutside(h, 8080)).toBe(true);

    await h.berthOk(['rm', '-f', 'web']);
    await h.berthOk(['network', 'rm', 'dual']);
    await h.berthOk(['system', 'reset']);
    const after = (await h.shOk(['ip6tables', '-S', 'FORWARD'])).split('\n');
    expect(after.filter((l) => l.includes('berth:'))).toEqual([]);
    expect(after).toEqual(['-P FORWARD DROP', '-A FORWARD -s 2001:db8:300::/48 -j ACCEPT']);
  });
});
