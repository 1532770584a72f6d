import { afterEach, describe, expect, it } from 'vitest';
import { httpGet, TestHost, waitFor } from './harness';

// Nothing left that was not there: a full lifecycle (network, container with
// a published port, removal) and then `berth system reset` leave
// iptables-save, nft list ruleset, links, routes and sysctls exactly as the
// snapshot taken before Berth started, on both backends. The nftables run
// starts next to a user's iptables FORWARD policy DROP, which Berth answers
// with accepts of its own (neighbours.test.ts) and must leave as it found.
const HOST = '198.51.100.1';

async function hostState(h: TestHost) {
  const save = async (prog: string) =>
    (await h.shOk([prog])).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
  const sysctl = async (k: string) => (await h.sh(['cat', `/proc/sys/${k.replace(/\./g, '/')}`])).stdout.trim();
  return {
    iptables: await save('iptables-save'),
    ip6tables: await save('ip6tables-save'),
    nft: await h.shOk(['nft', 'list', 'ruleset']),
    links: (await h.shOk(['ip', '-o', 'link', 'show'])).split('\n').map((l) => l.replace(/^\d+: /, '').split(' ')[0]).filter(Boolean).sort(),
    routes: (await h.shOk(['ip', 'route', 'show', 'table', 'all'])).split('\n').filter(Boolean).sort(),
    netns: (await h.shOk(['ls', '/run/netns'])).split('\n').filter(Boolean).sort(),
    sysctls: { ip_forward: await sysctl('net.ipv4.ip_forward'), nf_call: await sysctl('net.bridge.bridge-nf-call-iptables') },
  };
}

describe.each([
  { backend: 'iptables', userForwardDrop: false },
  { backend: 'nftables', userForwardDrop: true },
])('berth system reset ($backend)', ({ backend, userForwardDrop }) => {
  let h: TestHost;
  afterEach(async () => h?.destroy());

  it('leaves the host as the snapshot taken before Berth started', async () => {
    h = await TestHost.create();
    await h.addOutside();
    if (userForwardDrop) await h.shOk(['iptables', '-P', 'FORWARD', 'DROP']);
    // the uplink's IPv6 link-local address settles on its own (DAD): before the snapshot, not during the test
    await waitFor(async () => (await h.shOk(['ip', '-6', 'route', 'show', 'table', 'local'])).includes('local fe80:'), 60_000, "the uplink's link-local address");
    const before = await hostState(h);

    await h.startHelper(['--firewall', backend]);
    await h.berthOk(['network', 'create', '--subnet', '10.78.0.0/24', '-o', 'com.docker.network.bridge.enable_icc=false', 'pub']);
    await h.berthOk(['run', '-d', '--name', 'web', '--network', 'pub', '-p', '8080:8000', '--', 'python3', '-m', 'http.server', '8000']);
    await h.berthOk(['run', '-d', '--name', 'def', '--', 'sleep', 'infinity']);
    await waitFor(async () => (await h.sh(['ip', 'netns', 'exec', 'outside', ...httpGet(`http://${HOST}:8080/`, 1)])).code === 0, 60_000, 'outside -> 8080');
    // a reset with something left refuses and changes nothing
    const refused = await h.berth(['system', 'reset']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/needs an empty Berth: remove containers (web, def|def, web)/);
    expect(await h.shOk(['ip', 'link', 'show', 'berth0'])).toContain('berth0');

    await h.berthOk(['rm', '-f', 'web', 'def']);
    // the last endpoint's raw DROP gone: no empty `table ip raw` left behind by iptables-nft (dropped once idle)
    if (backend === 'iptables') await waitFor(async () => (await h.sh(['nft', 'list', 'table', 'ip', 'raw'])).code !== 0, 60_000, 'the empty table ip raw to be dropped');
    await h.berthOk(['network', 'rm', 'pub']);
    const out = await h.berthOk(['system', 'reset']);
    expect(out).toContain('removed   bridge berth0');
    expect(out).toMatch(/restored  net\.ipv4\.ip_forward = 0/);
    await waitFor(async () => {
      try {
        process.kill(h.helperHostPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 60_000, 'the helper to stop after the reset');

    const after = await hostState(h);
    expect(after).toEqual(before);
  });
});
