// The GUI in Chromium against an in-memory helper that speaks the real
// contract: runs anywhere (no root), checks the web transport, CSP, the
// dialogs and the whole cycle. gui-real-helper.test.ts repeats the cycle
// against the real engine in a throwaway network namespace.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startWebUi, type WebUi } from '../helper/src/webui/server';
import { BerthApp } from './pages/app-page';
import { CHROMIUM, launchChromium, watchPage } from './support/browser';
import { FakeEngine, startFakeHelper } from './support/fake-helper';
import { fullCycle } from './support/flow';

const RENDERER = resolve('out/renderer');
const ready = existsSync(CHROMIUM) && existsSync(join(RENDERER, 'index.html'));

describe.skipIf(!ready)('GUI in Chromium, fake helper', () => {
  let dir: string;
  let engine: FakeEngine;
  let helper: Awaited<ReturnType<typeof startFakeHelper>>;
  let ui: WebUi;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-e2e-fake-'));
    const socketPath = join(dir, 'berth.sock');
    engine = new FakeEngine();
    helper = await startFakeHelper(socketPath, engine);
    ui = await startWebUi({ socketPath, rendererDir: RENDERER });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await helper?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the page without the token', async () => {
    const page = await browser.newPage();
    const r = await page.goto(`http://127.0.0.1:${ui.port}/`);
    expect(r?.status()).toBe(401);
    await page.close();
  });

  it('runs the whole create / run / connect / remove cycle', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 820 }, colorScheme: 'dark' });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(ui.url);
    expect(page.url()).not.toContain('token='); // traded for a cookie
    await fullCycle(app, { prefix: 'fk', subnetA: '10.31.0.0/24', subnetB: '10.32.0.0/24', shots: 'fake-dark' });
    expect(problems.filter((p) => !/401|favicon/.test(p))).toEqual([]);
    await ctx.close();
  });

  it("a network's details keep the inspect JSON when its refresh fails, with a note and Retry", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 820 }, colorScheme: 'dark' });
    const page = await ctx.newPage();
    const app = await new BerthApp(page).open(ui.url);
    await app.go('Networks');
    const panel = await (await app.networks()).details('bridge');
    const json = panel.getByLabel('Inspect JSON of network bridge');
    await expect.poll(() => json.textContent(), { message: 'the inspect JSON' }).toContain('berth0');
    // the helper refuses network.inspect (the app's retry too) after an event made it stale
    const restore = engine.failAnswers((m) => m === 'network.inspect');
    engine.emit({ type: 'endpoint.left', network: 'bridge', sandbox: 'gone' });
    const note = panel.locator('.refresh-error').filter({ hasText: 'Could not refresh the inspect of bridge: the helper did not answer network.inspect' });
    await note.waitFor();
    expect(await note.textContent()).toMatch(/showing what was read at \d/);
    expect(await json.textContent()).toContain('berth0');
    expect(await panel.getByRole('alert').count()).toBe(0);
    await app.shot('fake-dark-network-refresh-failed');
    restore();
    await note.getByRole('button', { name: 'Retry reading the inspect of bridge' }).click();
    await note.waitFor({ state: 'detached' });
    expect(await json.textContent()).toContain('berth0');
    await ctx.close();
  });

  it('follows a light OS theme, navigates by keyboard and shows coming-next views', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 820 }, colorScheme: 'light' });
    const page = await ctx.newPage();
    const app = await new BerthApp(page).open(ui.url);
    await app.go('Networks');
    await app.sidebar().getByRole('button', { name: /^Networks/ }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('heading', { level: 1, name: 'Containers' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('heading', { level: 1, name: 'Ports' }).waitFor();
    await page.getByText('No running containers').waitFor();
    await app.shot('fake-light-ports-empty');
    await app.go('Networks');
    const dialog = await (await app.networks()).openCreate();
    // the suggested free subnet is the placeholder
    await expect.poll(() => dialog.root().getByLabel('Subnet', { exact: true }).getAttribute('placeholder')).toMatch(/^172\.\d+\.0\.0\/16$/);
    await dialog.fill({ name: 'x', subnet: '192.168.1.0/25' });
    await dialog.root().getByText(/Overlaps host route 192\.168\.1\.0\/24/).waitFor();
    await app.shot('fake-light-create-overlap-warning');
    // focus stays in the dialog
    for (let i = 0; i < 20; i++) await page.keyboard.press('Tab');
    expect(await dialog.root().evaluate((d) => d.contains(d.ownerDocument.activeElement))).toBe(true);
    await dialog.cancel();
    await app.shot('fake-light-networks');
    await ctx.close();
  });
});
