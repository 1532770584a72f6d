// Rules shown as the objects they belong to (issue 15), in Chromium against
// the REAL helper in a throwaway network namespace: Docker's rules named by
// Docker's API (a fake Docker API, real HTTP on a unix socket in a temp dir:
// no Docker needed), in the Firewall rules view and `berth nat ls`; and a
// Cleanup finding about a live Berth network named and linked to it; Docker's
// bridges and the namespaces behind their veths named in Topology and Cleanup.
// Screenshots go to test-results/screenshots/names-*.png.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthApp } from './pages/app-page';
import { CleanupPage } from './pages/cleanup-page';
import { NatPage } from './pages/nat-page';
import { TopologyPage } from './pages/topology-page';
import { watchPage } from './support/browser';
import { realHelperMissing, startRealHelperGui, type Host, type RealHelperGui } from './support/real-helper';

const missing = realHelperMissing('gui-object-names');

// What Docker answers for one container on its default bridge (docker0).
const SHOP = { Id: '5b0e'.padEnd(64, '7'), Names: ['/shop-web'], NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' } } } };
const BRIDGE = { Id: '9d1c'.padEnd(64, '8'), Name: 'bridge', Driver: 'bridge', Options: { 'com.docker.network.bridge.name': 'docker0' } };
// A user network with one container (its bridge br-<id12>, a veth into the
// container's namespace), one whose bridge has nothing on it, and a bridge
// named like Docker's that no Docker network has (left by a removed one).
const SHOPNET = { Id: 'f2978adb140b'.padEnd(64, '3'), Name: 'shopnet', Driver: 'bridge', Options: {} };
const CACHENET = { Id: 'ca5e0000beef'.padEnd(64, '9'), Name: 'cachenet', Driver: 'bridge', Options: {} };
const CATALOG = { Id: 'ca7a'.padEnd(64, '5'), Names: ['/catalog'], NetworkSettings: { Networks: { shopnet: { NetworkID: SHOPNET.Id, IPAddress: '172.30.0.2' } } } };
const DOCKER_LINKS = [
  'ip link add br-f2978adb140b type bridge', 'ip addr add 172.30.0.1/16 dev br-f2978adb140b', 'ip link set br-f2978adb140b up',
  'ip netns add catalogns', 'ip link add vethca7a type veth peer name eth0 netns catalogns',
  'ip link set vethca7a master br-f2978adb140b up', 'ip -n catalogns addr add 172.30.0.2/16 dev eth0', 'ip -n catalogns link set eth0 up',
  'ip link add br-ca5e0000beef type bridge',
  'ip link add br-dead0000beef type bridge',
];
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
    const body = req.url?.startsWith('/containers/json') ? [SHOP, CATALOG] : req.url?.startsWith('/networks') ? [BRIDGE, SHOPNET, CACHENET] : null;
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
        for (const cmd of DOCKER_LINKS) await h.shOk(cmd.split(' '));
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
    const owner = dnat.locator('[role="cell"].nat-owner');
    expect(await owner.textContent()).toBe('dockershop-web');
    await owner.hover(); // tooltips sit on the row under the pointer (and the current row)
    await expect.poll(() => owner.getAttribute('title')).toBe("docker container shop-web (named by Docker's API)");
    await app.shot('names-docker-rule-1024-light');
    await dnat.click();
    const details = page.getByRole('complementary', { name: /^Rule nat DOCKER #/ });
    await details.getByText('shop-web').waitFor();
    expect(await details.locator('dt', { hasText: /^Container$/ }).count()).toBe(1);
    // the bridge's RETURN rule is the network's
    await nat.search('-i docker0 -j RETURN');
    await expect.poll(() => nat.rows().locator('[role="cell"].nat-owner').textContent(), { timeout: 60_000 }).toBe('dockerbridge');
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

  it("Docker's bridges, and the containers behind their veths, carry Docker's names in Topology and Cleanup", async () => {
    const { ctx, page, app, problems } = await open();
    await app.go('Topology');
    const topo = new TopologyPage(page);
    await topo.host().waitFor({ timeout: 60_000 });
    const details = await topo.select(topo.host());
    const bridges = details.getByRole('list', { name: "Other engines' bridges" });
    await bridges.waitFor({ timeout: 60_000 });
    const shop = bridges.locator('li', { hasText: 'br-f2978adb140b' });
    await expect.poll(() => shop.textContent(), { timeout: 60_000 }).toBe('br-f2978adb140b (docker network shopnet)catalog');
    expect(await bridges.locator('li', { hasText: 'br-ca5e0000beef' }).textContent()).toBe('br-ca5e0000beef (docker network cachenet)no container');
    await app.shot('names-topology-docker-bridges-1024-light');

    // an empty bridge Docker's API still lists is a live network, not proposed; one it does not list is
    await app.go('Cleanup');
    const cleanup = new CleanupPage(page);
    const finding = cleanup.finding(/docker bridge with no port and no address/);
    await finding.waitFor({ timeout: 60_000 });
    expect(await finding.textContent()).toContain('br-dead0000beef');
    expect(await page.locator('.finding', { hasText: 'br-ca5e0000beef' }).count()).toBe(0);
    await finding.scrollIntoViewIfNeeded();
    await app.shot('names-cleanup-docker-bridge-1024-light');
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
