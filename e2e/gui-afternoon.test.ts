// An afternoon in the app at a laptop's window size (issue 15), in Chromium
// against the REAL helper in a throwaway network namespace: every row action
// in reach at 1024x640 (also with the Logs panel open), Berth's rules named
// for the container they serve, the tracer naming the userland proxy for a
// 127.0.0.1 port, Activity that survives a reload, and dialogs that flag an
// invalid gateway and a held host port before submit. Screenshots of every
// view at 1024x640 and 1440x900, light and dark, go to
// test-results/screenshots/afternoon-*.png (gitignored; CI keeps them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { BerthApp, type ViewName } from './pages/app-page';
import { NatPage } from './pages/nat-page';
import { watchPage } from './support/browser';
import { realHelperMissing, startRealHelperGui, type Host, type RealHelperGui } from './support/real-helper';
import type { RunningUi } from './support/web-ui-process';

const missing = realHelperMissing('gui-afternoon');
const VIEWS: ViewName[] = ['Topology', 'Networks', 'Containers', 'Ports', 'Firewall rules', 'Cleanup', 'Activity'];
const SIZES = [{ width: 1024, height: 640 }, { width: 1440, height: 900 }];

// Is the element's centre on screen and the topmost thing there (not
// scrolled away, clipped by an ancestor or covered by a panel)?
const reachable = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const out: { label: string; ok: boolean }[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(sel)) {
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      const inView = r.width > 0 && x >= 0 && y >= 0 && x < innerWidth && y < innerHeight;
      const top = inView ? document.elementFromPoint(x, y) : null;
      out.push({ label: el.getAttribute('aria-label') ?? el.textContent ?? '', ok: !!top && (top === el || el.contains(top)) });
    }
    return out;
  }, selector);

describe.skipIf(missing.length > 0)('An afternoon at 1024x640, real helper in a throwaway netns', () => {
  let gui: RealHelperGui;
  let host: Host;
  let ui: RunningUi;
  let browser: Browser;

  beforeAll(async () => {
    gui = await startRealHelperGui('gui-afternoon', {
      setUp: async (h) => {
        await h.berthOk(['network', 'create', '--subnet', '10.91.0.0/24', '--label', 'team=web', 'front']);
        await h.berthOk(['run', '-d', '--name', 'web', '--network', 'front', '-p', '127.0.0.1:6000:8000', '-p', '8080:80', 'sleep', '600']);
        await h.berthOk(['run', '-d', '--name', 'worker-with-a-long-name', '--network', 'front', 'sh', '-c', 'echo ready; sleep 600']);
      },
    });
    ({ host, ui, browser } = gui);
  }, 240_000);
  afterAll(() => gui?.stop());

  const open = async (size: { width: number; height: number }, colorScheme: 'light' | 'dark') => {
    const ctx = await browser.newContext({ viewport: size, colorScheme });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(ui.url);
    return { ctx, page, app, problems };
  };

  it('at 1024x640 every row action of Containers is on screen and clickable, also with the Logs panel open', async () => {
    const { ctx, page, app, problems } = await open({ width: 1024, height: 640 }, 'light');
    const containers = await app.containers();
    await containers.row('web').waitFor();
    await containers.row('worker-with-a-long-name').waitFor();
    // IPv6 host addresses in brackets, as the Ports view writes them
    const ports = (await page.getByRole('list', { name: 'Ports of web' }).textContent()) ?? '';
    expect(ports).toContain('[::]:8080');
    expect(ports).not.toContain(':::');
    // the sidebar collapsed to icons at this width; its views are still named
    expect(await app.sidebar().getByRole('button', { name: 'Expand sidebar' }).isVisible()).toBe(true);
    const actions = 'table[aria-label="Berth containers"] tbody .row-actions button';
    let hits = await reachable(page, actions);
    expect(hits.length).toBeGreaterThanOrEqual(10);
    expect(hits.filter((h) => !h.ok)).toEqual([]);
    await containers.openLogs('worker-with-a-long-name');
    hits = await reachable(page, actions);
    expect(hits.filter((h) => !h.ok)).toEqual([]);
    await app.shot('afternoon-containers-logs-1024-light');
    // Escape closes the panel
    await page.keyboard.press('Escape');
    await page.getByRole('complementary', { name: 'Logs of worker-with-a-long-name' }).waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('Activity is the helper\'s history: who did what, filterable, and it survives a reload', async () => {
    const { ctx, page, app, problems } = await open({ width: 1024, height: 640 }, 'light');
    // something the app does: stop and start a container from its row
    const containers = await app.containers();
    await containers.row('worker-with-a-long-name').getByRole('button', { name: 'Stop worker-with-a-long-name' }).click();
    await containers.row('worker-with-a-long-name').getByRole('button', { name: 'Start worker-with-a-long-name' }).click({ timeout: 60_000 });
    const log = page.getByRole('list', { name: 'Event log' });
    await app.go('Activity');
    await expect.poll(async () => (await log.textContent()) ?? '', { timeout: 60_000 }).toContain('container worker-with-a-long-name is exited');
    // until the helper's history (activity.list) answers, the view shows the live events it has seen:
    // the CLI's entry from beforeAll comes with the history, so it is awaited, not read once
    await expect
      .poll(async () => (await log.textContent()) ?? '', { timeout: 60_000, message: "the helper's history with the CLI's network create" })
      .toMatch(/network front created\s*by CLI/);
    await page.reload();
    await app.statusBar().getByText('Helper connected').waitFor();
    await app.go('Activity');
    // the start was the app's; the exit is the app's stop or the helper seeing the process end (whichever
    // finishes it first), never the CLI's that ran the container long before
    await expect.poll(async () => (await log.textContent()) ?? '', { timeout: 60_000 }).toMatch(/container worker-with-a-long-name is running\s*by app/);
    expect((await log.textContent()) ?? '').toMatch(/container worker-with-a-long-name is exited\s*by (app|helper)/);
    expect((await log.textContent()) ?? '').toContain('network front created');
    // filter by who did it
    await page.getByRole('combobox', { name: 'Done by' }).selectOption('cli');
    await expect.poll(async () => (await log.textContent()) ?? '').not.toMatch(/by (app|helper)/);
    expect((await log.textContent()) ?? '').toContain('network front created');
    await app.shot('afternoon-activity-filtered-1024-light');
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('the tracer names the userland proxy for a published 127.0.0.1 port and the FORWARD verdict after DNAT', async () => {
    const { ctx, page, app, problems } = await open({ width: 1024, height: 640 }, 'dark');
    await app.go('Firewall rules');
    const nat = new NatPage(page);
    await nat.rows().first().waitFor();
    const verdict = page.getByLabel('Trace result');
    await nat.trace({ ip: '127.0.0.1', port: '6000', from: 'host' });
    await expect.poll(async () => (await verdict.textContent()) ?? '', { timeout: 60_000 }).toMatch(/reaches web:8000 through the userland proxy: the helper listens on 127\.0\.0\.1:6000 and connects to 10\.91\.0\.\d+:8000/);
    await app.shot('afternoon-tracer-proxy-1024-dark');
    await nat.trace({ ip: '192.0.2.1', port: '8080', from: 'outside' });
    await expect.poll(async () => (await verdict.textContent()) ?? '', { timeout: 60_000 }).toMatch(/reaches web:80 via DNAT in BERTH, accepted by BERTH/);
    expect(await page.locator('.trace-result').textContent()).toMatch(/Conntrack short-cut/);
    await app.shot('afternoon-tracer-dnat-1024-dark');
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('the create and run dialogs flag what the helper would refuse before submit', async () => {
    const { ctx, page, app, problems } = await open({ width: 1024, height: 640 }, 'light');
    const networks = await app.networks();
    const dialog = await networks.openCreate();
    const error = (label: string) => dialog.root().locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-msg-error');
    await dialog.fill({ name: 'front', subnet: '10.92.0.0/24', gateway: '10.93.0.1', ipRange: '10.99.0.0/28' });
    await expect.poll(() => error('Gateway').textContent(), { timeout: 60_000 }).toBe('gateway 10.93.0.1 is outside subnet 10.92.0.0/24');
    expect(await error('IP range').textContent()).toBe('ip-range 10.99.0.0/28 is not inside subnet 10.92.0.0/24');
    expect(await error('Name').textContent()).toBe('network with name front already exists');
    expect(await dialog.createButton().isDisabled()).toBe(true);
    await app.shot('afternoon-create-invalid-1024-light');
    // an overlap names the network it overlaps
    await dialog.fill({ name: 'back', subnet: '10.91.0.128/25', gateway: '', ipRange: '' });
    await expect.poll(() => error('Subnet').textContent(), { timeout: 60_000 }).toMatch(/overlaps .*network front \(10\.91\.0\.0\/24\)/);
    await dialog.cancel();

    // Run: 99999 is no port, and 8080 is held (web's published port: the helper's listener)
    const containers = await app.containers();
    await page.getByRole('button', { name: 'Run container' }).first().click();
    const run = page.getByRole('dialog', { name: 'Run container' });
    const ports = run.locator('.field', { has: page.getByLabel('Published ports', { exact: true }) }).locator('.field-msg-error');
    await run.getByLabel('Command', { exact: true }).fill('sleep 1');
    await run.getByLabel('Published ports', { exact: true }).fill('99999:1');
    await expect.poll(() => ports.textContent(), { timeout: 60_000 }).toMatch(/99999:1: .*99999/);
    expect(await run.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
    await run.getByLabel('Published ports', { exact: true }).fill('8080:80');
    await expect.poll(() => ports.textContent(), { timeout: 60_000 }).toMatch(/8080:80: host port 8080\/tcp is already held by /);
    expect(await run.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
    await app.shot('afternoon-run-held-port-1024-light');
    await run.getByLabel('Published ports', { exact: true }).fill('18080:80');
    await expect.poll(() => run.getByRole('button', { name: 'Run', exact: true }).isDisabled(), { timeout: 60_000 }).toBe(false);
    await page.keyboard.press('Escape');
    await run.waitFor({ state: 'detached' });
    expect(await containers.table().isVisible()).toBe(true);
    // the CLI refuses the same create with the same words
    const cli = await host.berth(['network', 'create', '--subnet', '10.92.0.0/24', '--gateway', '10.93.0.1', 'other']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('gateway 10.93.0.1 is outside subnet 10.92.0.0/24');
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('screenshots of every view at both sizes and both themes', async () => {
    for (const size of SIZES)
      for (const scheme of ['light', 'dark'] as const) {
        const { ctx, app, problems } = await open(size, scheme);
        for (const v of VIEWS) {
          await app.go(v);
          await app.page.waitForLoadState('networkidle').catch(() => {});
          await app.page.locator('.spinner').first().waitFor({ state: 'detached', timeout: 60_000 }).catch(() => {});
          // the host's reading is the slowest query: a shot before it shows a placeholder, not the view
          if (v === 'Topology') await app.page.getByText('interfaces: reading…').waitFor({ state: 'detached', timeout: 60_000 });
          await app.shot(`afternoon-${v.toLowerCase().replace(/ /g, '-')}-${size.width}-${scheme}`);
        }
        expect(problems).toEqual([]);
        await ctx.close();
      }
  });

  it('a Berth rule shows the container it belongs to', async () => {
    const { ctx, page, app } = await open({ width: 1024, height: 640 }, 'dark');
    await app.go('Firewall rules');
    const nat = new NatPage(page);
    await nat.filter('Owner', 'berth');
    await nat.search('6000');
    await expect.poll(() => nat.rows().count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const row = nat.rows().filter({ hasText: 'web' }).first();
    await row.waitFor();
    expect(await row.textContent()).not.toMatch(/berth:[0-9a-f]{12}/); // the name, not the tag
    // with the rule's details open, at 1024 px, the chain and the target are still in view
    await row.click();
    const details = page.getByRole('complementary', { name: /^Rule / });
    await details.waitFor();
    expect(await details.textContent()).toMatch(/Containerweb on front/);
    const heads = await reachable(page, '[role="table"][aria-label="Firewall rules"] [role="columnheader"]');
    expect(heads.slice(0, 3)).toEqual([{ label: 'Table / chain / #', ok: true }, { label: 'Target', ok: true }, { label: 'Owner', ok: true }]);
    await app.shot('afternoon-firewall-rules-details-1024-dark');
    // the name is a link to the container
    await details.getByRole('button', { name: 'Open container web on front' }).click();
    await page.getByRole('heading', { level: 1, name: 'Containers' }).waitFor();
    await page.getByRole('table', { name: 'Berth containers' }).locator('tr[data-name="web"][aria-selected="true"]').waitFor();
    await ctx.close();
  });
});
