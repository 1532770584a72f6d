// The packet tracer on the nftables backend, in Chromium against the REAL
// helper in a throwaway namespace: a dual-stack network with a port published
// on every address and one on 127.0.0.1. From outside, IPv4 and IPv6 packets
// are DNATed in Berth's `ip berth` / `ip6 berth` tables and accepted by their
// filter-FORWARD; from this host, the loopback port is the userland proxy's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthApp } from './pages/app-page';
import { NatPage } from './pages/nat-page';
import { watchPage } from './support/browser';
import { realHelperMissing, startRealHelperGui, type RealHelperGui } from './support/real-helper';

const missing = realHelperMissing('gui-tracer-nft');

describe.skipIf(missing.length > 0)('the tracer on nftables, real helper in a throwaway netns', () => {
  let gui: RealHelperGui;
  beforeAll(async () => {
    gui = await startRealHelperGui('gui-tracer-nft', {
      helperArgs: ['--firewall', 'nftables'],
      setUp: async (h) => {
        await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.93.0.0/24', '--subnet', 'fd00:93::/64', 'front']);
        await h.berthOk(['run', '-d', '--name', 'web', '--network', 'front', '-p', '8080:80', '-p', '127.0.0.1:6000:8000', '--', 'sleep', '600']);
      },
    });
  }, 240_000);
  afterAll(() => gui?.stop());

  it('names the nft DNAT and filter-FORWARD of each family, and the userland proxy for 127.0.0.1', async () => {
    const ctx = await gui.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(gui.ui.url);
    await app.go('Firewall rules');
    const nat = new NatPage(page);
    await nat.rows().first().waitFor({ timeout: 60_000 });
    const verdict = page.getByLabel('Trace result');
    const line = async () => (await verdict.textContent()) ?? '';

    // two connections conntrack already tracks to [2001:db8::1]:8080: one DNATed to web, one to the host itself
    const ct = (src: string, rsrc: string, rport: number) =>
      gui.host.shOk(['conntrack', '-I', '-p', 'tcp', '-s', src, '-d', '2001:db8::1', '--sport', '40000', '--dport', '8080',
        '-r', rsrc, '-q', src, '--reply-port-src', String(rport), '--reply-port-dst', '40000', '--state', 'ESTABLISHED', '-t', '600']);
    await ct('2001:db8::5', 'fd00:93::2', 80);
    await ct('2001:db8::6', '2001:db8::1', 8080);
    await nat.trace({ ip: '2001:db8::1', port: '8080', from: 'outside' });
    await expect.poll(line, { timeout: 60_000 }).toMatch(/reaches web:80 via DNAT in nat-berth in ip6 berth, accepted by filter-FORWARD in ip6 berth/);
    await expect
      .poll(async () => (await page.getByLabel('Tracked connections').textContent()) ?? '', { timeout: 60_000 })
      .toContain('Conntrack already tracks 2 connections to this address and port: 1 to web:80, 1 to this host, untranslated.');
    // the rule it hit is the table's highlighted row
    await expect.poll(async () => (await nat.hitRow().textContent()) ?? '', { timeout: 60_000 }).toContain('fd00:93::2');
    await app.shot('tracer-nft-01-v6-dnat');

    await nat.trace({ ip: '192.0.2.1', port: '8080', from: 'outside' });
    await expect.poll(line, { timeout: 60_000 }).toMatch(/reaches web:80 via DNAT in nat-berth in ip berth, accepted by filter-FORWARD in ip berth/);
    expect(await page.locator('.trace-result').textContent()).toMatch(/Conntrack short-cut/);

    await nat.trace({ ip: '127.0.0.1', port: '6000', from: 'host' });
    await expect.poll(line, { timeout: 60_000 }).toMatch(/reaches web:8000 through the userland proxy: the helper listens on 127\.0\.0\.1:6000 and connects to 10\.93\.0\.2:8000 \(nat OUTPUT leaves loopback alone\)/);
    // 127.0.0.1 arriving from outside never gets there: Berth's raw-PREROUTING drops it first
    await nat.trace({ ip: '127.0.0.1', port: '6000', from: 'outside' });
    await expect.poll(line, { timeout: 60_000 }).toMatch(/is dropped by ip berth raw-PREROUTING #\d+ before NAT/);
    // the drop is the rule shown, not the DNAT it never reaches
    await expect.poll(async () => (await nat.hitRow().textContent()) ?? '', { timeout: 60_000 }).toContain('raw-PREROUTING');
    await app.shot('tracer-nft-02-loopback-drop');
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
