import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, ping, TestHost, waitFor } from './harness';

// Real traffic between containers, across networks, and to an "outside"
// namespace, all inside one throwaway test host; once per firewall backend,
// which must give the same semantics. The tests only look (the one that
// turns ip_forward off puts it back), so they share the host in any order.
describe.each(['iptables', 'nftables'] as const)('traffic (%s)', (backend) => {
  let h: TestHost;
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper(['--firewall', backend]);
    await h.addOutside();
    await h.berthOk(['network', 'create', '--subnet', '10.60.0.0/24', 'front']);
    await h.berthOk(['network', 'create', '--subnet', '10.61.0.0/24', 'back']);
    await h.berthOk(['network', 'create', '--subnet', '10.62.0.0/24', '-o', 'com.docker.network.bridge.enable_icc=false', 'noicc']);
    await h.berthOk(['network', 'create', '--internal', '--subnet', '10.63.0.0/24', 'private']);
    for (const [name, net] of [['web', 'front'], ['cli', 'front'], ['other', 'back'], ['iw', 'noicc'], ['ic', 'noicc'], ['priv', 'private']])
      await h.berthOk(['run', '-d', '--name', name, '--network', net, '--', 'python3', '-m', 'http.server', '8000']);
    // the outside web server: started detached inside the outside namespace
    await h.sh(['sh', '-c', 'ip netns exec outside python3 -m http.server --bind 198.51.100.2 80 >/dev/null 2>&1 &']);
  });
  afterAll(async () => h?.destroy());

  const ipOf = async (name: string) => Object.values((await h.inspect(name)).NetworkSettings.Networks as Record<string, { IPAddress: string }>)[0].IPAddress;
  const waitHttp = (from: string, url: string) =>
    waitFor(async () => (await h.inContainer(from, httpGet(url, 1))).code === 0, 60_000, `${from} to get ${url}`);

  it('two containers on one network reach each other over ICMP and TCP', async () => {
    const web = await ipOf('web');
    expect(web).toMatch(/^10\.60\.0\.\d+$/);
    expect(await h.pings('cli', web)).toBe(true);
    expect(await waitHttp('cli', `http://${web}:8000/`)).toBe(true);
  });

  it('containers on different networks do not reach each other', async () => {
    const web = await ipOf('web');
    expect(await waitHttp('cli', `http://${web}:8000/`)).toBe(true);
    expect((await h.inContainer('other', ping(web))).code).not.toBe(0);
    expect((await h.inContainer('other', httpGet(`http://${web}:8000/`, 1))).code).not.toBe(0);
  });

  it('enable_icc=false blocks containers on the same network', async () => {
    const iw = await ipOf('iw');
    expect((await h.inContainer('ic', ping(iw))).code).not.toBe(0);
    expect((await h.inContainer('ic', httpGet(`http://${iw}:8000/`, 1))).code).not.toBe(0);
    // but they still reach the outside
    expect(await waitHttp('ic', 'http://198.51.100.2/')).toBe(true);
  });

  it('a container reaches the outside through MASQUERADE; an internal one does not', async () => {
    expect(await waitHttp('cli', 'http://198.51.100.2/')).toBe(true);
    if (backend === 'iptables') {
      const nat = await h.shOk(['iptables', '-t', 'nat', '-S', 'POSTROUTING']);
      expect(nat).toMatch(/-s 10\.60\.0\.0\/24 ! -o br-[0-9a-f]{12} -m comment --comment "?berth:[0-9a-f]{12}"? -j MASQUERADE/);
      expect(nat).not.toContain('10.63.0.0/24');
    } else {
      const nat = await h.shOk(['nft', 'list', 'chain', 'ip', 'berth', 'nat-POSTROUTING']);
      expect(nat).toMatch(/ip saddr 10\.60\.0\.0\/24 oifname != "br-[0-9a-f]{12}" masquerade comment "berth:[0-9a-f]{12}"/);
      expect(nat).not.toContain('10.63.0.0/24');
      // the nftables backend leaves iptables alone
      expect(await h.shOk(['iptables-save'])).not.toContain('berth');
    }
    expect((await h.inContainer('priv', httpGet('http://198.51.100.2/', 1))).code).not.toBe(0);
    const routes = await h.inContainer('priv', ['ip', 'route']);
    expect(routes.stdout).not.toContain('default');
  });

  it('ip_forward is enabled and reported', async () => {
    expect((await h.shOk(['cat', '/proc/sys/net/ipv4/ip_forward'])).trim()).toBe('1');
    const info = JSON.parse(await h.berthOk(['info', '--format', 'json']));
    expect(info.hostChanges.join('\n')).toContain('ip_forward');
    expect(info.ipForward).toBe(true);
    // read, not assumed: someone turning forwarding off shows
    // (put back whatever happens: the other tests of this host forward through it)
    await h.shOk(['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
    try {
      expect(JSON.parse(await h.berthOk(['info', '--format', 'json'])).ipForward).toBe(false);
    } finally {
      await h.shOk(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    }
    expect(info.firewallBackend).toBe(backend);
  });
});
