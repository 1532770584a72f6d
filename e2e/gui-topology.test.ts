// The Topology view in Chromium against the in-memory helper: a known
// fixture (three bridges, one internal; four containers, one on two networks,
// one stopped; a foreign namespace; published ports) drawn as nodes and
// edges; selection and its details panel, keyboard and Escape; a live update
// from a helper event without losing the viewport; the empty state; both themes.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startWebUi } from '../helper/src/webui/server';
import { methods } from '../src/shared/methods';
import { BerthApp } from './pages/app-page';
import { ContainersPage } from './pages/containers-page';
import { NetworksPage } from './pages/networks-page';
import { TopologyPage } from './pages/topology-page';
import { CHROMIUM, launchChromium, watchPage } from './support/browser';
import { FakeEngine, startFakeHelper } from './support/fake-helper';
import { startUi, type RunningUi } from './support/web-ui-process';

const RENDERER = resolve('out/renderer');
const ready = existsSync(CHROMIUM) && existsSync(join(RENDERER, 'index.html'));

async function serve(engine: FakeEngine, dir: string, name: string) {
  const socketPath = join(dir, `${name}.sock`);
  const helper = await startFakeHelper(socketPath, engine);
  const ui = await startWebUi({ socketPath, rendererDir: RENDERER });
  return { helper, ui };
}

describe.skipIf(!ready)('Topology in Chromium, fake helper', () => {
  let dir: string;
  let engine: FakeEngine;
  let served: Awaited<ReturnType<typeof serve>>;
  let empty: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const run = (p: object) => engine.handle('container.run', methods['container.run'].params.parse(p));

  const open = async (url: string, colorScheme: 'dark' | 'light' = 'dark') => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme });
    contexts.push(ctx);
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(url);
    await app.go('Topology');
    const topo = new TopologyPage(page);
    await topo.host().waitFor();
    return { app, page, topo, problems };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-e2e-topo-'));
    engine = new FakeEngine();
    engine.addNetwork({ name: 'front', subnet: '10.31.0.0/24', options: { 'com.docker.network.bridge.name': 'br-front' } });
    engine.addNetwork({ name: 'back', subnet: '10.32.0.0/24', internal: true, options: { 'com.docker.network.bridge.name': 'br-back', 'com.docker.network.bridge.enable_icc': 'false' } });
    run({ name: 'web', cmd: ['httpd', '-f', '-p', '80'], network: 'front', ports: ['8080:80', '127.0.0.1:8443:443'] });
    run({ name: 'api', cmd: ['api-server'], network: 'front', ports: ['9000:9000'] });
    engine.handle('network.connect', methods['network.connect'].params.parse({ network: 'back', target: { container: 'api' } }));
    run({ name: 'db', cmd: ['postgres'], network: 'back' });
    run({ name: 'worker', cmd: ['sleep', '300'], network: 'bridge' });
    engine.handle('container.stop', { name: 'worker', timeout: 0 });
    engine.attachForeign('dev-ns', 'front');
    served = await serve(engine, dir, 'main');
    empty = await serve(new FakeEngine(), dir, 'empty');
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    for (const s of [served, empty]) {
      await s?.ui.close();
      await s?.helper.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('draws host, networks, containers, the foreign sandbox and ports, with labelled edges', async () => {
    const { app, topo, problems } = await open(served.ui.url, 'dark');
    for (const n of ['front', 'back', 'bridge']) await topo.network(n).waitFor();
    for (const c of ['web', 'api', 'db', 'worker']) await topo.container(c).waitFor();
    await topo.foreign('dev-ns').waitFor();
    // host interfaces from host.inspect
    await expect.poll(() => topo.host().getAttribute('aria-label')).toContain('eth0 192.168.1.10/24');
    expect(await topo.host().textContent()).toContain('default via 192.168.1.1 dev eth0');
    // network facts and flags
    const front = (await topo.network('front').textContent()) ?? '';
    expect(front).toContain('br-front');
    expect(front).toContain('10.31.0.0/24');
    expect(front).toContain('10.31.0.1');
    expect(front).toContain('masquerade');
    const back = (await topo.network('back').textContent()) ?? '';
    expect(back).toContain('internal');
    expect(back).toContain('no icc');
    // ports, IPv4 and IPv6 bindings of one container port merged
    expect(await topo.port(8080).textContent()).toMatch(/0\.0\.0\.0 \[::\].*web:80/);
    expect(await topo.port(8443).textContent()).toContain('127.0.0.1');
    await topo.port(9000).waitFor();
    // node count: host + 3 networks + 4 containers + 1 foreign + 4 ports (8080, 8443, 9000… and none for worker)
    expect(await topo.nodes().count()).toBe(1 + 3 + 4 + 1 + 3);
    // edges: 3 uplinks, 6 endpoints (web, api×2, db, worker, dev-ns), 3 ports
    expect(await topo.edges().count()).toBe(3 + 6 + 3);
    await topo.edge(/^Host to network front through bridge br-front, masqueraded/).waitFor({ state: 'attached' });
    await topo.edge(/^Host to network back .*internal/).waitFor({ state: 'attached' });
    await topo.edge(/^api eth1 10\.32\.0\.\d+ on back, host veth veth[0-9a-f]{7}$/).waitFor({ state: 'attached' });
    await topo.edge(/^dev-ns eth1 10\.31\.0\.\d+ on front/).waitFor({ state: 'attached' });
    await topo.edge(/^Port 8080\/tcp forwarded to web:80/).waitFor({ state: 'attached' });
    const labels = await topo.edgeLabels().allTextContents();
    expect(labels).toContain('NAT');
    expect(labels).toContain('internal');
    expect(labels.some((l) => /^eth0 10\.31\.0\.\d+$/.test(l))).toBe(true);
    expect(labels.filter((l) => /^veth[0-9a-f]{7}$/.test(l)).length).toBe(6);
    // every edge path is drawn (handles resolved)
    const paths = await topo.canvas().locator('.react-flow__edge-path').evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''));
    expect(paths.every((d) => d.startsWith('M'))).toBe(true);
    // the layout needs no dragging: no two nodes overlap
    const boxes = await topo.nodes().evaluateAll((ns) => ns.map((n) => n.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h, `nodes ${i} and ${j} overlap`).toBe(false);
      }
    await app.shot('topology-01-dark');
    expect(problems).toEqual([]);
  });

  it('selects a node into the details panel, by mouse and keyboard; Escape clears; actions open other views', async () => {
    const { app, page, topo, problems } = await open(served.ui.url, 'dark');
    let panel = await topo.select(topo.container('api'));
    expect(await panel.getAttribute('aria-label')).toBe('Details of container api');
    const eps = panel.getByRole('table', { name: 'Endpoints of api' });
    expect(await eps.textContent()).toMatch(/eth0front10\.31\.0\.\d+\/24veth[0-9a-f]{7}/);
    expect(await eps.textContent()).toMatch(/eth1back10\.32\.0\.\d+\/24/);
    expect(await panel.getByRole('list', { name: 'Published ports of api' }).textContent()).toContain(':9000');
    expect(await panel.getByLabel('Inspect JSON of api').textContent()).toContain('"Name": "/api"');
    // its edges are highlighted, the rest dimmed
    expect(await topo.canvas().locator('.react-flow__edge.is-active').count()).toBe(3);
    await app.shot('topology-02-selected-container');

    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await topo.canvas().locator('.react-flow__edge.is-dim').count()).toBe(0);

    // keyboard: nodes are focusable, Enter selects
    await topo.network('back').focus();
    await page.keyboard.press('Enter');
    panel = topo.details();
    await expect.poll(() => panel.getAttribute('aria-label')).toBe('Details of network back');
    expect(await panel.textContent()).toContain('internal: no route out');
    expect(await panel.textContent()).toContain('blocked (no icc)');
    await app.shot('topology-03-selected-network');

    await topo.select(topo.port(8080));
    await expect.poll(() => topo.details().getAttribute('aria-label')).toBe('Details of published port 8080/tcp');
    expect(await topo.details().textContent()).toMatch(/0\.0\.0\.0:8080, \[::\]:8080/);

    await topo.select(topo.host());
    await expect.poll(() => topo.details().getAttribute('aria-label')).toBe('Details of the host');
    expect(await topo.details().getByRole('list', { name: 'Host interfaces' }).textContent()).toContain('192.168.1.10/24');

    await topo.select(topo.network('front'));
    await topo.details().getByRole('button', { name: 'Open in Networks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Networks' }).waitFor();
    // it lands on that network: details open, its row highlighted, focused and in view
    const networks = new NetworksPage(page);
    await page.getByRole('complementary', { name: 'Network front' }).waitFor();
    expect(await networks.selectedRow().getAttribute('data-name')).toBe('front');
    await expect.poll(() => networks.selectedRow().evaluate((tr) => tr === document.activeElement)).toBe(true);
    expect(await networks.selectedRow().evaluate((tr) => {
      const box = tr.closest('.vtable-scroll')!.getBoundingClientRect();
      const r = tr.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom;
    })).toBe(true);

    await app.go('Topology');
    await topo.select(topo.container('api'));
    await topo.details().getByRole('button', { name: 'Open in Containers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Containers' }).waitFor();
    const containers = new ContainersPage(page);
    await page.getByRole('complementary', { name: 'Logs of api' }).waitFor();
    expect(await containers.selectedRow().getAttribute('data-name')).toBe('api');
    await expect.poll(() => containers.selectedRow().evaluate((tr) => tr === document.activeElement)).toBe(true);
    await app.shot('topology-03b-opened-in-containers');
    expect(problems).toEqual([]);
  });

  it('updates live from helper events and keeps the viewport', async () => {
    const { app, page, topo, problems } = await open(served.ui.url, 'dark');
    // the graph is drawn once networks and containers are read; foreign
    // sandboxes come from a query of their own and may land later, so the
    // count below is taken from the whole picture
    await topo.foreign('dev-ns').waitFor();
    // the user zooms and pans; the picture then changes underneath
    await topo.canvas().getByRole('button', { name: 'Zoom out' }).click();
    await topo.canvas().locator('.react-flow__pane').hover();
    await page.mouse.down();
    await page.mouse.move(700, 420, { steps: 4 });
    await page.mouse.up();
    const before = await topo.settledViewport();
    const nodesBefore = await topo.nodes().count();

    engine.addNetwork({ name: 'metrics', subnet: '10.33.0.0/24', options: { 'com.docker.network.bridge.name': 'br-metrics' } });
    run({ name: 'prom', cmd: ['prometheus'], network: 'metrics', ports: ['9090:9090'] });
    engine.handle('network.connect', methods['network.connect'].params.parse({ network: 'metrics', target: { container: 'web' } }));
    await topo.network('metrics').waitFor({ timeout: 60_000 });
    await topo.container('prom').waitFor({ timeout: 60_000 });
    await topo.port(9090).waitFor({ timeout: 60_000 });
    await topo.edge(/^web eth1 10\.33\.0\.\d+ on metrics/).waitFor({ state: 'attached', timeout: 60_000 });
    await expect.poll(() => topo.container('web').getAttribute('aria-label')).toMatch(/on front 10\.31\.0\.\d+, metrics 10\.33\.0\.\d+/);
    expect(await topo.nodes().count()).toBe(nodesBefore + 3);
    expect(await topo.viewport()).toBe(before);
    await topo.canvas().getByRole('button', { name: 'Fit View' }).click();
    await topo.settledViewport();
    await app.shot('topology-04-live-update');

    // and back: the container goes, so do its node, port and edges
    engine.handle('container.remove', { name: 'prom', force: true });
    engine.handle('network.disconnect', methods['network.disconnect'].params.parse({ network: 'metrics', target: { container: 'web' } }));
    engine.handle('network.remove', { name: 'metrics' });
    await topo.container('prom').waitFor({ state: 'detached', timeout: 60_000 });
    await topo.network('metrics').waitFor({ state: 'detached', timeout: 60_000 });
    expect(await topo.port(9090).count()).toBe(0);
    expect(await topo.nodes().count()).toBe(nodesBefore);
    expect(problems).toEqual([]);
  });

  it('light theme', async () => {
    const { app, topo, problems } = await open(served.ui.url, 'light');
    await topo.container('web').waitFor();
    await app.shot('topology-05-light');
    await topo.select(topo.foreign('dev-ns'));
    expect(await topo.details().getAttribute('aria-label')).toBe('Details of foreign sandbox dev-ns');
    expect(await topo.details().textContent()).toContain('/run/netns/dev-ns');
    await app.shot('topology-06-light-foreign-selected');
    expect(problems).toEqual([]);
  });

  it('explains what to do when there is only the default bridge', async () => {
    const { app, page, topo, problems } = await open(empty.ui.url, 'dark');
    await topo.network('bridge').waitFor();
    const help = page.getByRole('complementary', { name: 'Getting started' });
    await help.getByRole('heading', { name: 'Only the default bridge so far' }).waitFor();
    expect(await help.textContent()).toContain('berth network create');
    await app.shot('topology-07-empty-dark');
    await help.getByRole('button', { name: 'Run a container' }).click();
    await page.getByRole('heading', { level: 1, name: 'Containers' }).waitFor();
    expect(problems).toEqual([]);
  });
});

// The same view against the REAL helper in a throwaway network namespace
// (test/integration/harness.ts): two networks, three containers (one on
// both), a published port and a foreign namespace, made with the CLI.
const ROOT = resolve('.');
const HARNESS = join(ROOT, 'test/integration/harness.ts');
const BERTH = join(ROOT, 'dist/berth.mjs');
const missing = [
  !ready && 'chromium or the built renderer is missing',
  !existsSync(HARNESS) && 'test/integration/harness.ts is missing',
  !existsSync(BERTH) && 'dist/berth.mjs is not built (node scripts/build-helper.mjs)',
  process.getuid?.() !== 0 && 'needs root to create a throwaway network namespace',
].filter(Boolean);
if (missing.length) console.warn(`gui-topology (real helper): skipped: ${missing.join('; ')}`);

describe.skipIf(missing.length > 0)('Topology in Chromium, real helper in a throwaway netns', () => {
  let host: import('../test/integration/harness').TestHost;
  let ui: RunningUi;
  let browser: Browser;

  beforeAll(async () => {
    const { TestHost } = await import('../test/integration/harness');
    host = await TestHost.create();
    await host.startHelper();
    await host.berthOk(['network', 'create', '--subnet', '10.87.0.0/24', 'tp-front']);
    await host.berthOk(['network', 'create', '--subnet', '10.88.0.0/24', '--internal', 'tp-back']);
    await host.berthOk(['run', '-d', '--name', 'tp-web', '--network', 'tp-front', '-p', '18080:8000', '--', 'python3', '-m', 'http.server', '8000']);
    await host.berthOk(['run', '-d', '--name', 'tp-api', '--network', 'tp-front', 'sleep', '300']);
    await host.berthOk(['run', '-d', '--name', 'tp-db', '--network', 'tp-back', 'sleep', '300']);
    await host.berthOk(['network', 'connect', 'tp-back', 'tp-api']);
    await host.shOk(['ip', 'netns', 'add', 'tp-foreign']);
    await host.berthOk(['network', 'connect', 'tp-front', '--netns', 'tp-foreign']);
    ui = await startUi({ berth: BERTH, socket: host.socket, rendererDir: RENDERER });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await host?.destroy();
  });

  it('shows the real networks, containers, veths and the published port', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(ui.url);
    await app.go('Topology');
    const topo = new TopologyPage(page);
    await topo.host().waitFor();
    for (const n of ['tp-front', 'tp-back']) await topo.network(n).waitFor();
    await expect.poll(() => topo.network('tp-back').getAttribute('aria-label')).toMatch(/subnet 10\.88\.0\.0\/24, gateway 10\.88\.0\.1, internal, 2 endpoints/);
    await expect.poll(() => topo.network('tp-front').getAttribute('aria-label')).toMatch(/masquerade, 3 endpoints/);
    await expect.poll(() => topo.container('tp-api').getAttribute('aria-label')).toMatch(/^Container tp-api, running, on tp-back 10\.88\.0\.\d+, tp-front 10\.87\.0\.\d+$|^Container tp-api, running, on tp-front 10\.87\.0\.\d+, tp-back 10\.88\.0\.\d+$/);
    await topo.container('tp-web').waitFor();
    await topo.container('tp-db').waitFor();
    await topo.foreign('tp-foreign').waitFor();
    expect(await topo.port(18080).textContent()).toContain('tp-web:8000');
    await topo.edge(/^Port 18080\/tcp forwarded to tp-web:8000/).waitFor({ state: 'attached' });
    await topo.edge(/^Host to network tp-back .*internal/).waitFor({ state: 'attached' });
    // the host veth of each Berth endpoint, read from the kernel by host.inspect
    for (const [c, net] of [['tp-web', 'tp-front'], ['tp-api', 'tp-front'], ['tp-api', 'tp-back'], ['tp-db', 'tp-back']])
      await expect.poll(() => topo.edge(new RegExp(`^${c} eth\\d 10\\.8[78]\\.0\\.\\d+ on ${net}, host veth veth[0-9a-f]+$`)).count(), { timeout: 60_000 }).toBe(1);
    const veths = JSON.parse(await host.shOk(['ip', '-j', 'link', 'show', 'type', 'veth'])) as { ifname: string }[];
    const labels = await topo.edgeLabels().allTextContents();
    for (const l of labels.filter((x) => /^veth/.test(x))) expect(veths.map((v) => v.ifname)).toContain(l);
    await app.shot('topology-08-real-helper');
    await topo.select(topo.container('tp-api'));
    expect(await topo.details().getByRole('table', { name: 'Endpoints of tp-api' }).textContent()).toMatch(/10\.88\.0\.\d+\/24/);
    await app.shot('topology-09-real-helper-selected');
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
