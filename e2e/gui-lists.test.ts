// Lists as Podman Desktop and Portainer users expect them (issue 15), in
// Chromium against the REAL helper in a throwaway network namespace: a
// search on every list that "/" focuses and that says plainly when nothing
// matches; several rows ticked and stopped, undone, disconnected or removed
// at once with a count and a confirmation; "Open in browser" on published
// TCP ports (not UDP). Screenshots go to test-results/screenshots/lists-*.png.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { BerthApp } from './pages/app-page';
import { CleanupPage } from './pages/cleanup-page';
import { PortsPage } from './pages/ports-page';
import { CHROMIUM, launchChromium, watchPage } from './support/browser';
import { startUi, type RunningUi } from './support/web-ui-process';

const ROOT = resolve('.');
const BERTH = join(ROOT, 'dist/berth.mjs');
const RENDERER = join(ROOT, 'out/renderer');
const missing = [
  !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`,
  !existsSync(join(RENDERER, 'index.html')) && 'the renderer is not built (npx electron-vite build)',
  !existsSync(BERTH) && 'dist/berth.mjs is not built (npm run build:helper)',
  process.getuid?.() !== 0 && 'needs root to create a throwaway network namespace',
].filter(Boolean);
if (missing.length) console.warn(`gui-lists: skipped: ${missing.join('; ')}`);

type Host = import('../test/integration/harness').TestHost;

// the rows of a table by their data-name, in order
const rowNames = (page: Page, table: string) =>
  page.getByRole('table', { name: table, exact: true }).locator('tbody tr[data-name]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));

describe.skipIf(missing.length > 0)('Search, bulk actions and open-in-browser, real helper in a throwaway netns', () => {
  let host: Host;
  let ui: RunningUi;
  let browser: Browser;

  beforeAll(async () => {
    const { TestHost } = await import('../test/integration/harness');
    host = await TestHost.create();
    await host.startHelper();
    await host.berthOk(['network', 'create', '--subnet', '10.94.0.0/24', 'front']);
    await host.berthOk(['network', 'create', '--subnet', '10.95.0.0/24', 'back']);
    await host.berthOk(['network', 'create', '--subnet', '10.96.0.0/24', 'spare']);
    await host.berthOk(['run', '-d', '--name', 'web', '--network', 'front', '-p', '127.0.0.1:6100:8000', '-p', '127.0.0.1:6101:53/udp', '--', 'python3', '-m', 'http.server', '8000']);
    await host.berthOk(['run', '-d', '--name', 'api', '--network', 'front', 'sleep', '600']);
    await host.berthOk(['run', '-d', '--name', 'batch', '--network', 'back', 'sleep', '600']);
    // two stale Berth rules (owners that no longer exist) for Cleanup to find
    for (const [net, tag] of [['172.31.0.0/24', 'ffffffffffff'], ['172.31.1.0/24', 'eeeeeeeeeeee']])
      await host.shOk(['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', net, '!', '-o', `br-${tag}`, '-m', 'comment', '--comment', `berth:${tag}`, '-j', 'MASQUERADE']);
    ui = await startUi({ berth: BERTH, socket: host.socket, rendererDir: RENDERER });
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await host?.destroy();
  });

  const open = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1024, height: 640 }, colorScheme: 'light' });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(ui.url);
    return { ctx, page, app, problems };
  };

  it('every list has a search that "/" focuses, narrows the rows and says when nothing matches', async () => {
    const { ctx, page, app, problems } = await open();
    const search = (label: string) => page.getByRole('searchbox', { name: label });
    const focused = (label: string) => search(label).evaluate((el) => el === document.activeElement);

    // Networks: by subnet, then by an attached container's name
    await app.networks();
    await expect.poll(() => rowNames(page, 'Networks'), { timeout: 60_000 }).toContain('spare');
    await page.locator('body').press('/');
    expect(await focused('Search networks')).toBe(true);
    await page.keyboard.type('10.95');
    await expect.poll(() => rowNames(page, 'Networks')).toEqual(['back']);
    expect(await page.getByRole('search', { name: 'Search networks' }).getByRole('status').textContent()).toMatch(/^1 of \d+ networks$/);
    await search('Search networks').fill('batch');
    await expect.poll(() => rowNames(page, 'Networks')).toEqual(['back']);
    await search('Search networks').fill('no-such-thing');
    await page.getByRole('heading', { name: 'No networks match “no-such-thing”' }).waitFor();
    await app.shot('lists-networks-no-match-1024-light');
    await page.getByRole('button', { name: 'Clear search' }).click();
    await expect.poll(() => rowNames(page, 'Networks')).toEqual(expect.arrayContaining(['front', 'back', 'spare', 'bridge']));
    // Escape in the box empties it
    await search('Search networks').fill('front');
    await search('Search networks').press('Escape');
    expect(await search('Search networks').inputValue()).toBe('');

    // Containers: by network, by published port
    await app.containers();
    await expect.poll(() => rowNames(page, 'Berth containers'), { timeout: 60_000 }).toHaveLength(3);
    await page.locator('body').press('/');
    expect(await focused('Search containers')).toBe(true);
    await page.keyboard.type('back');
    await expect.poll(() => rowNames(page, 'Berth containers')).toEqual(['batch']);
    await search('Search containers').fill('6100');
    await expect.poll(() => rowNames(page, 'Berth containers')).toEqual(['web']);
    await search('Search containers').fill('nothing-here');
    await page.getByRole('heading', { name: 'No Berth containers match “nothing-here”' }).waitFor();

    // Ports: a card per running container; by port
    await app.go('Ports');
    const ports = new PortsPage(page);
    await ports.card('api').waitFor();
    await page.locator('body').press('/');
    expect(await focused('Search ports')).toBe(true);
    await page.keyboard.type('6100');
    await ports.card('api').waitFor({ state: 'detached' });
    expect(await ports.card('web').isVisible()).toBe(true);
    await search('Search ports').fill('zzz');
    await page.getByRole('heading', { name: 'No containers or ports match “zzz”' }).waitFor();

    // Cleanup: the two stale rules, one found by its address
    await app.go('Cleanup');
    const cleanup = new CleanupPage(page);
    await cleanup.finding('berth:eeeeeeeeeeee').waitFor({ timeout: 60_000 });
    await page.locator('body').press('/');
    expect(await focused('Search findings')).toBe(true);
    await page.keyboard.type('172.31.1.');
    await cleanup.finding('berth:ffffffffffff').waitFor({ state: 'detached' });
    expect(await cleanup.finding('berth:eeeeeeeeeeee').isVisible()).toBe(true);
    await app.shot('lists-cleanup-search-1024-light');
    await search('Search findings').fill('no-such-finding');
    await page.getByRole('heading', { name: 'No findings match “no-such-finding”' }).waitFor();

    // Activity and Firewall rules take "/" too
    await app.go('Activity');
    await page.locator('body').press('/');
    expect(await focused('Search activity')).toBe(true);
    await page.keyboard.type('no-such-event');
    await page.getByRole('heading', { name: 'No events match “no-such-event”' }).waitFor();
    await app.go('Firewall rules');
    await page.locator('body').press('/');
    expect(await focused('Search rules')).toBe(true);
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('Cleanup says whose tag a stale Berth rule carries; Topology draws each endpoint link on its own line', async () => {
    const { ctx, page, app, problems } = await open();
    await app.go('Cleanup');
    const cleanup = new CleanupPage(page);
    await cleanup.finding('berth:eeeeeeeeeeee').waitFor({ timeout: 60_000 });
    expect(await cleanup.finding('berth:eeeeeeeeeeee').locator('.finding-owner').textContent()).toMatch(/^Tagged berth:eeeeeeeeeeee: no network or container of Berth has that id now/);
    await app.shot('lists-cleanup-owner-names-1024-light');

    await app.go('Topology');
    // web and api both hang off front: two lines, turning at different x, not one bundle
    const paths = await page.locator('.react-flow__edge').evaluateAll((els) =>
      els.map((e) => ({ label: e.getAttribute('aria-label') ?? '', d: e.querySelector('path.react-flow__edge-path')?.getAttribute('d') ?? '' })));
    const onFront = paths.filter((p) => / eth0 10\.94\.0\.\d+ on front/.test(p.label));
    expect(onFront.map((p) => p.label.split(' ')[0]).sort()).toEqual(['api', 'web']);
    const turns = onFront.map((p) => Number(p.d.match(/-?\d+(\.\d+)?/g)![2]));
    expect(turns[0]).not.toBe(turns[1]);
    await app.shot('lists-topology-links-1024-light');
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('ticked containers are stopped (and started again by Undo), disconnected and removed at once; ticked networks removed', async () => {
    const { ctx, page, app, problems } = await open();
    const containers = await app.containers();
    const bar = page.getByRole('region', { name: 'Selected rows' });
    const toasts = page.getByRole('region', { name: 'Notifications' });
    await containers.row('batch').waitFor();
    await containers.row('api').getByRole('checkbox', { name: 'Select api' }).check();
    await containers.row('batch').getByRole('checkbox', { name: 'Select batch' }).check();
    expect(await bar.getByRole('status').textContent()).toBe('2 containers selected');

    // stop both: a confirmation naming them, then a notice with Undo
    await bar.getByRole('button', { name: 'Stop 2' }).click();
    let dialog = page.getByRole('dialog', { name: 'Stop 2 containers?' });
    expect(await dialog.getByRole('list', { name: 'Selected' }).textContent()).toBe('apibatch');
    await dialog.getByRole('button', { name: 'Stop 2 containers' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 120_000 });
    await toasts.getByText('Stopped api, batch').waitFor();
    for (const n of ['api', 'batch']) expect((await host.inspect(n)).State.Running).toBe(false);
    await toasts.getByRole('button', { name: 'Undo' }).click();
    // the undo says what it did, not only a spinner
    await toasts.getByText('Started again: api, batch').waitFor({ timeout: 120_000 });
    await app.shot('lists-containers-after-undo-1024-light');
    for (const n of ['api', 'batch']) expect((await host.inspect(n)).State.Running).toBe(true);

    // disconnect the ticked ones from one network: only those attached to it are asked
    await bar.getByRole('button', { name: 'Disconnect…' }).click();
    dialog = page.getByRole('dialog', { name: /^Disconnect from / });
    await dialog.getByRole('combobox', { name: 'Network to disconnect from' }).selectOption('back');
    expect(await dialog.getByRole('list', { name: 'Selected' }).textContent()).toBe('batch');
    await dialog.getByRole('button', { name: 'Disconnect 1 container' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 120_000 });
    await expect.poll(async () => Object.keys((await host.inspect('batch')).NetworkSettings.Networks), { timeout: 60_000 }).toEqual([]);

    // remove both; the selection count follows what is left
    await bar.getByRole('button', { name: 'Remove 2' }).click();
    dialog = page.getByRole('dialog', { name: 'Remove 2 containers?' });
    await app.shot('lists-containers-bulk-remove-1024-light');
    await dialog.getByRole('button', { name: 'Stop and remove 2 containers' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 120_000 });
    await containers.row('api').waitFor({ state: 'detached' });
    await containers.row('batch').waitFor({ state: 'detached' });
    await bar.waitFor({ state: 'detached' });
    const ps = await host.berthOk(['ps', '-a', '--format', '{{.Names}}']);
    expect(ps.split('\n').filter(Boolean)).toEqual(['web']);

    // networks: front is in use (web), spare and back are not any more
    const networks = await app.networks();
    await networks.row('front').getByRole('checkbox', { name: 'Select network front' }).check();
    await networks.row('spare').getByRole('checkbox', { name: 'Select network spare' }).check();
    expect(await networks.row('bridge').getByRole('checkbox').count()).toBe(0); // predefined: cannot be removed
    expect(await bar.getByRole('status').textContent()).toBe('2 networks selected');
    await bar.getByRole('button', { name: 'Remove 2' }).click();
    dialog = page.getByRole('dialog', { name: 'Remove 2 networks?' });
    expect(await dialog.textContent()).toContain('Still in use: front');
    await dialog.getByRole('button', { name: 'Remove 2 networks' }).click();
    // front is refused, by name, in the dialog; spare is gone
    await dialog.getByRole('alert').getByText(/^front: /).waitFor({ timeout: 120_000 });
    expect(await dialog.getByRole('alert').textContent()).toMatch(/1 of 2 failed/);
    await app.shot('lists-networks-bulk-partial-1024-light');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await networks.row('spare').waitFor({ state: 'detached' });
    expect(await bar.getByRole('status').textContent()).toBe('1 network selected');
    const nets = (await host.berthOk(['network', 'ls', '--format', '{{.Name}}'])).split('\n');
    expect(nets).toContain('front');
    expect(nets).not.toContain('spare');
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('a published TCP port opens in the browser from Containers and Ports; a UDP one has no such button', async () => {
    const { ctx, page, app, problems } = await open();
    // the browser runs outside the helper's namespace: record what it is asked to open
    const opened: string[] = [];
    await ctx.route(/^http:\/\/127\.0\.0\.1:61\d\d\//, (route) => {
      opened.push(route.request().url());
      return route.fulfill({ body: 'opened by the test', contentType: 'text/plain' });
    });
    const containers = await app.containers();
    const row = containers.row('web');
    await row.waitFor();
    expect(await row.getByRole('button', { name: /^Open .*6101/ }).count()).toBe(0);
    const popup = ctx.waitForEvent('page');
    await row.getByRole('button', { name: 'Open http://127.0.0.1:6100/ (web) in the browser' }).click();
    await (await popup).waitForLoadState();
    expect(opened).toEqual(['http://127.0.0.1:6100/']);

    await app.go('Ports');
    const ports = new PortsPage(page);
    await ports.row('web', '127.0.0.1:6100:8000/tcp').waitFor();
    expect(await ports.row('web', '127.0.0.1:6101:53/udp').getByRole('button', { name: /^Open / }).count()).toBe(0);
    const popup2 = ctx.waitForEvent('page');
    await ports.row('web', '127.0.0.1:6100:8000/tcp').getByRole('button', { name: 'Open http://127.0.0.1:6100/ (web) in the browser' }).click();
    await (await popup2).waitForLoadState();
    expect(opened).toEqual(['http://127.0.0.1:6100/', 'http://127.0.0.1:6100/']);
    // and that URL is the container's web server, inside the helper's namespace
    // (polled: python's http.server resolves the host name between bind and listen, which takes seconds here)
    const get = ['python3', '-c', 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:6100/", timeout=30).read().decode())'];
    await expect.poll(async () => (await host.sh(get)).stdout, { timeout: 60_000 }).toContain('Directory listing');
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('ticked port mappings are removed at once, with a confirmation naming them, and put back by Undo', async () => {
    const { ctx, page, app, problems } = await open();
    await app.go('Ports');
    const ports = new PortsPage(page);
    await ports.row('web', '127.0.0.1:6100:8000/tcp').waitFor({ timeout: 60_000 });
    await page.getByRole('checkbox', { name: 'Select every mapping of web' }).check();
    const bar = page.getByRole('region', { name: 'Selected rows' });
    expect(await bar.getByRole('status').textContent()).toBe('2 mappings selected');
    await bar.getByRole('button', { name: 'Remove' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove 2 mappings?' });
    expect((await dialog.getByRole('list', { name: 'Selected' }).locator('li').allTextContents()).sort()).toEqual(['web: 127.0.0.1:6100:8000/tcp', 'web: 127.0.0.1:6101:53/udp']);
    await app.shot('lists-ports-bulk-remove-1024-light');
    await dialog.getByRole('button', { name: 'Remove 2 mappings' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 120_000 });
    await ports.row('web', '127.0.0.1:6100:8000/tcp').waitFor({ state: 'detached', timeout: 60_000 });
    await bar.waitFor({ state: 'detached' });
    expect(await host.berthOk(['port', 'web'])).toBe('');
    // Undo puts both back, and says so
    const toasts = page.getByRole('region', { name: 'Notifications' });
    await toasts.getByText('Removed 2 mappings').waitFor();
    await toasts.getByRole('button', { name: 'Undo' }).click();
    await toasts.getByText('Put back 2 mappings').waitFor({ timeout: 120_000 });
    await ports.row('web', '127.0.0.1:6101:53/udp').waitFor({ timeout: 60_000 });
    expect((await host.berthOk(['port', 'web'])).split('\n').filter(Boolean).sort()).toEqual(['53/udp -> 127.0.0.1:6101', '8000/tcp -> 127.0.0.1:6100']);
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
