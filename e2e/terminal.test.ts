// The exec terminal (issue 15) in Chromium against the REAL helper in a
// throwaway network namespace: Containers → "Terminal in box" opens xterm.js
// running `exec -it sh` in the container through the typed transport; typing
// `echo hi` shows its output, the keyboard is in the terminal, a resize
// reaches the container's terminal, closing it ends the shell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { BerthApp } from './pages/app-page';
import { watchPage } from './support/browser';
import { realHelperMissing, startRealHelperGui, type Host, type RealHelperGui } from './support/real-helper';
import type { RunningUi } from './support/web-ui-process';
import { waitFor } from '../test/integration/harness';

const missing = realHelperMissing('terminal');

describe.skipIf(missing.length > 0)('exec terminal in Chromium, real helper', () => {
  let gui: RealHelperGui;
  let host: Host;
  let ui: RunningUi;
  let browser: Browser;
  // the shells the helper started in the container (sh as the exec'd command)
  const shells = async () => (await host.sh(['pgrep', '-x', 'sh'])).stdout.split('\n').filter(Boolean).length;

  beforeAll(async () => {
    gui = await startRealHelperGui('terminal', {
      setUp: async (h) => void (await h.berthOk(['run', '-d', '--name', 'box', '-w', '/', '--', 'sleep', 'infinity'])),
    });
    ({ host, ui, browser } = gui);
  });
  afterAll(() => gui?.stop());

  it('opens a shell in the container, echoes, resizes, closes cleanly', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 820 } });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(ui.url);
    await app.containers();
    const before = await shells();
    await page.getByRole('button', { name: 'Terminal in box' }).click();
    const panel = page.getByRole('complementary', { name: 'Terminal in box' });
    await panel.getByRole('status').getByText('box · sh', { exact: true }).waitFor();
    const rows = panel.locator('.xterm-rows');
    await rows.getByText('#').or(rows.getByText('$')).first().waitFor(); // the prompt
    // the keyboard is in the terminal without a click
    await page.keyboard.type('echo hi\n');
    await waitFor(async () => (await rows.innerText()).split('\n').some((l) => l.trim() === 'hi'), 30_000, '"hi" on a row of its own');
    // the container's terminal has the panel's size, and follows a resize of the window
    await page.keyboard.type('stty size\n');
    await waitFor(async () => /^\d+ \d+$/m.test(await rows.innerText()), 30_000, 'the terminal size');
    const size1 = (await rows.innerText()).match(/^(\d+) (\d+)$/m)![0];
    await page.setViewportSize({ width: 1100, height: 700 });
    // the new size reaches the container's terminal after the panel refits and
    // the helper hears of it: a stty typed before that prints the old size, so
    // it is asked again (once a second) until the new one shows
    await waitFor(async () => {
      const m = (await rows.innerText()).match(/^(\d+) (\d+)$/m);
      if (m !== null && m[0] !== size1) return true;
      await page.keyboard.type('clear; stty size\n');
      return false;
    }, 60_000, 'a new terminal size after the resize', 1000);
    expect(await shells()).toBe(before + 1);
    // closing the panel ends the shell; focus goes back to the button that opened it
    await panel.getByRole('button', { name: 'Close terminal' }).click();
    await panel.waitFor({ state: 'detached' });
    await waitFor(async () => (await shells()) === before, 30_000, 'the shell to end after the panel closed');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Terminal in box');
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
