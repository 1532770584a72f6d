// The create-network dialog's IPv6 fields in Chromium against the REAL
// helper in a throwaway namespace (docs/ipv6.md): a bad IPv6 prefix is
// flagged as typed and cannot be submitted, a dual-stack network and an
// IPv6-only one are created from the dialog, the kernel gets both gateways
// and the IPv6 masquerade, and the tables show the IPv6 subnets and a
// container's IPv6 address. On both firewall backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthApp } from './pages/app-page';
import { watchPage } from './support/browser';
import { realHelperMissing, startRealHelperGui, type RealHelperGui } from './support/real-helper';

const missing = realHelperMissing('gui-ipv6');

describe.skipIf(missing.length > 0).each(['iptables', 'nftables'] as const)('IPv6 from the GUI (%s), real helper in a throwaway netns', (backend) => {
  let gui: RealHelperGui;
  beforeAll(async () => {
    gui = await startRealHelperGui(`gui-ipv6-${backend}`, { helperArgs: ['--firewall', backend] });
  });
  afterAll(async () => gui?.stop());

  it('creates a dual-stack and an IPv6-only network from the dialog; the kernel and the tables follow', async () => {
    const { host, ui, browser } = gui;
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 820 } });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(ui.url);
    const shot = (name: string) => app.shot(backend === 'iptables' ? name : `${name}-nftables`);
    const networks = await app.networks();

    // a bad IPv6 prefix: flagged as typed, Create stays off, nothing is created
    let dialog = await networks.openCreate();
    await dialog.fill({ name: 'e2e-dual', subnet: '10.79.0.0/24' });
    await dialog.fillIpv6({ subnet6: 'fd00:79::/200' });
    await dialog.root().getByText('Not an IPv6 CIDR (like fd00:1::/64)').waitFor({ timeout: 60_000 });
    expect(await dialog.createButton().isDisabled()).toBe(true);
    // a gateway outside the IPv6 subnet: the helper's dry run says so
    await dialog.fillIpv6({ subnet6: 'fd00:79::/64', gateway6: 'fd00:7a::1' });
    await dialog.root().getByText('gateway fd00:7a::1 is outside subnet fd00:79::/64').waitFor({ timeout: 60_000 });
    expect(await dialog.createButton().isDisabled()).toBe(true);
    await shot('ipv6-01-create-invalid');
    await dialog.fillIpv6({ gateway6: '' });
    await expect.poll(() => dialog.createButton().isDisabled(), { timeout: 60_000 }).toBe(false);
    await dialog.submit();
    await networks.row('e2e-dual').waitFor();

    const [dual] = JSON.parse(await host.berthOk(['network', 'inspect', 'e2e-dual']));
    expect(dual.EnableIPv6).toBe(true);
    expect(dual.IPAM.Config.map((c: { Subnet: string }) => c.Subnet)).toEqual(['10.79.0.0/24', 'fd00:79::/64']);
    const addrs = await host.shOk(['ip', 'addr', 'show']);
    expect(addrs).toContain('inet 10.79.0.1/24');
    expect(addrs).toContain('inet6 fd00:79::1/64');
    if (backend === 'iptables') expect(await host.shOk(['ip6tables-save', '-t', 'nat'])).toMatch(/-A POSTROUTING -s fd00:79::\/64 .*-j MASQUERADE/);
    else expect(await host.shOk(['nft', 'list', 'chain', 'ip6', 'berth', 'nat-POSTROUTING'])).toMatch(/ip6 saddr fd00:79::\/64 oifname != "br-[0-9a-f]{12}" .*masquerade/);
    await expect.poll(() => networks.row('e2e-dual').textContent(), { timeout: 30_000 }).toContain('fd00:79::/64');

    // IPv6-only: IPv4 off, the subnet left to IPAM's ULA pool
    dialog = await networks.openCreate();
    await dialog.fill({ name: 'e2e-six' });
    await dialog.fillIpv6({ ipv4: false });
    expect(await dialog.root().getByLabel('Subnet', { exact: true }).count()).toBe(0);
    await expect.poll(() => dialog.createButton().isDisabled(), { timeout: 60_000 }).toBe(false);
    await dialog.submit();
    await networks.row('e2e-six').waitFor();
    const [six] = JSON.parse(await host.berthOk(['network', 'inspect', 'e2e-six']));
    expect(six.EnableIPv4).toBe(false);
    expect(six.IPAM.Config).toHaveLength(1);
    expect(six.IPAM.Config[0].Subnet).toMatch(/^fd[0-9a-f]{2}:[0-9a-f:]+::\/64$/);
    await shot('ipv6-02-networks');

    // a container on the dual-stack network: both addresses in the Containers table
    await host.berthOk(['run', '-d', '--name', 'e2e-v6', '--network', 'e2e-dual', '--ip6', 'fd00:79::99', '--', 'sleep', 'infinity']);
    const containers = await app.containers();
    await expect.poll(() => containers.row('e2e-v6').textContent(), { timeout: 60_000 }).toContain('fd00:79::99/64');
    expect(await containers.row('e2e-v6').textContent()).toContain('10.79.0.2/24');
    await shot('ipv6-03-containers');

    await host.berthOk(['rm', '-f', 'e2e-v6']);
    for (const n of ['e2e-dual', 'e2e-six']) await host.berthOk(['network', 'rm', n]);
    await host.settled(); // the bridges go after the answers
    expect(await host.shOk(['ip', '-6', 'addr', 'show'])).not.toMatch(/inet6 fd/);
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
