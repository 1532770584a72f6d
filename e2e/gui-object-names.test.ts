// Rules shown as the objects they belong to (issue 15), in Chromium against
// the REAL helper in a throwaway network namespace: Docker's rules named by
// Docker's API (a fake Docker API, real HTTP on a unix socket in a temp dir:
// no Docker needed), in the Firewall rules view and `berth nat ls`; and a
// Cleanup finding about a live Berth network named and linked to it.
// Screenshots go to test-results/screenshots/names-*.png.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthApp } from './pages/app-page';
import { CleanupPage } from './pages/cleanup-page';
import { NatPage } from './pages/nat-page';
import { watchPage } from './support/browser';
import { realHelperMissing, startRealHelperGui, type Host, type RealHelperGui } from './support/real-helper';

const missing = realHelperMissing('gui-object-names');

// What Docker answers for one container on its default bridge (docker0).
const SHOP = { Id: '5b0e'.padEnd(64, '7'), Names: ['/shop-web'], NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' } } } };
const BRIDGE = { Id: '9d1c'.padEnd(64, '8'), Name: 'bridge', Driver: 'bridge', Options: { 'com.docker.network.bridge.name': 'docker0' } };
// Docker's NAT rules for `docker run -p 8080:80` on that bridge, as Docker writes them
const DOCKER_NAT = [
  '*nat', ':DOCKER - [0:0]',
  '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
  '-A DOCKER -i docker0 -j RETURN',
  '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
  'COMMIT', '',
].join('\n');

describe.skipIf(missing.length > 0)('Rules and findings named by their objects, real helper in a throwaway netns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-docker-'));
  const dockerSocket = join(dir, 'docker.sock');
  const asked: string[] = [];
  const docker = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const body = req.url?.startsWith('/containers/json') ? [SHOP] : req.url?.startsWith('/networks') ? [BRIDGE] : null;
    if (!body) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"page not found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  let gui: RealHelperGui;
  let host: Host;

  beforeAll(async () => {
    await new Promise<void>((r) => docker.listen(dockerSocket, r));
    gui = await startRealHelperGui('gui-object-names', {
      // drift repair puts Berth's rules back as rendered, a second copy gone
      // with it: slowed here so the copy lives until Cleanup has seen it
      helperArgs: ['--docker-socket', dockerSocket, '--drift-interval', '3600000'],
      setUp: async (h) => {
        const r = await h.sh(['iptables-restore', '--noflush'], { input: DOCKER_NAT });
        if (r.code !== 0) throw new Error(`iptables-restore: ${r.stderr}`);
        await h.berthOk(['network', 'create', '--subnet', '10.97.0.0/24', 'front']);
      },
    });
    host = gui.host;
  }, 240_000);
  afterAll(async () => {
    await gui?.stop();
    docker.closeAllConnections();
    await new Promise((r) => docker.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (width = 1024, height = 640) => {
    const ctx = await gui.browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(gui.ui.url);
    return { ctx, page, app, problems };
  };

  it("Docker's rules carry the names Docker's API gives: in the table, the rule's details, a search and `berth nat ls`", async () => {
    const { ctx, page, app, problems } = await open();
    await app.go('Firewall rules');
    const nat = new NatPage(page);
    await nat.search('shop-web'); // the helper searches the names too
    const dnat = nat.rows().filter({ hasText: 'DNAT' });
    await dnat.waitFor({ timeout: 60_000 });
    expect(await nat.rows().count()).toBe(1);
    const owner = dnat.locator('td.nat-owner');
    expect(await owner.textContent()).toBe('dockershop-web');
    expect(await owner.getAttribute('title')).toBe("docker container shop-web (named by Docker's API)");
    await app.shot('names-docker-rule-1024-light');
    await dnat.click();
    const details = page.getByRole('complementary', { name: /^Rule nat DOCKER #/ });
    await details.getByText('shop-web').waitFor();
    expect(await details.locator('dt', { hasText: /^Container$/ }).count()).toBe(1);
    // the bridge's RETURN rule is the network's
    await nat.search('-i docker0 -j RETURN');
    await expect.poll(() => nat.rows().locator('td.nat-owner').textContent(), { timeout: 60_000 }).toBe('dockerbridge');
    expect(problems).toEqual([]);
    await ctx.close();

    const ls = await host.berthOk(['nat', 'ls', '--owner', 'docker']);
    expect(ls).toMatch(/DOCKER\s+2\s+docker \(shop-web\)/);
    expect(ls).toMatch(/DOCKER\s+1\s+docker \(bridge\)/);
    expect(asked).toContain('/containers/json');
  });

  it("a finding about a live Berth network names it and opens it", async () => {
    // a second copy of one of front's rules (someone's `iptables -A` of what
    // they saw): Cleanup proposes removing the copy
    const [front] = JSON.parse(await host.berthOk(['network', 'inspect', 'front'])) as { Id: string }[];
    const tag = `berth:${front.Id.slice(0, 12)}`;
    const line = (await host.shOk(['iptables-save', '-t', 'nat'])).split('\n').find((l) => l.startsWith('-A POSTROUTING') && l.includes(tag));
    expect(line, `a POSTROUTING rule tagged ${tag}`).toBeTruthy();
    const r = await host.sh(['iptables-restore', '--noflush'], { input: `*nat\n${line}\nCOMMIT\n` });
    expect(r.stderr).toBe('');

    const { ctx, page, app, problems } = await open();
    await app.go('Cleanup');
    const cleanup = new CleanupPage(page);
    const finding = cleanup.finding(/copy 2 of the same rule/);
    await finding.waitFor({ timeout: 60_000 });
    expect(await finding.locator('.finding-owner').textContent()).toBe('Belongs to network front');
    await app.shot('names-cleanup-live-network-1024-light');
    await finding.getByRole('button', { name: 'Open network front' }).click();
    await page.getByRole('heading', { level: 1, name: 'Networks' }).waitFor();
    await page.getByRole('complementary', { name: 'Network front' }).waitFor();
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
