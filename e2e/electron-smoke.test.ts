// Launches the Electron app itself with Playwright's _electron, where an
// Electron binary was downloaded (node_modules/electron/dist).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';
import { screenshot } from './support/browser';

const ROOT = resolve('.');
const ELECTRON_DIST = join(ROOT, 'node_modules/electron/dist');
const MAIN = join(ROOT, 'out/main/index.js');
const haveElectron = existsSync(ELECTRON_DIST);
const haveBuild = existsSync(MAIN);
const asRoot = process.getuid?.() === 0;

describe('Electron app', () => {
  const why = !haveElectron
    ? 'no Electron binary: node_modules/electron/dist is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD)'
    : !haveBuild
      ? 'out/main/index.js is missing: run npx electron-vite build'
      : null;
  if (why) {
    it.skip(`smoke test skipped: ${why}`, () => {});
    return;
  }

  it('refuses to run as root, or opens one sandboxed window with window.berth', async () => {
    const exe = join(ELECTRON_DIST, 'electron');
    const env = { ...process.env, BERTH_SOCKET: '/nonexistent/berth.sock', BERTH_NO_PROMPT: '1' } as Record<string, string>;
    if (asRoot) {
      // Berth refuses root: the app exits by itself with a message
      const { execa } = await import('execa');
      const r = await execa(exe, ['--no-sandbox', MAIN], { reject: false, env, timeout: 60_000 });
      expect(`${r.stdout}\n${r.stderr}`).toContain('Berth must not run as root');
      return;
    }
    const app = await electron.launch({ executablePath: exe, args: [MAIN], env });
    try {
      const win = await app.firstWindow();
      await win.getByText(/Helper not running|Connecting to the Berth helper/).first().waitFor();
      // (the e2e tsconfig has no DOM types: reach the page's globals through globalThis)
      const shape = await win.evaluate(() => {
        const g = globalThis as unknown as { berth?: { api?: object }; require?: unknown };
        return { keys: Object.keys(g.berth ?? {}).sort(), hasRequire: typeof g.require, apiCount: Object.keys(g.berth?.api ?? {}).length };
      });
      expect(shape.keys).toEqual(['api', 'call', 'onEvent', 'onState']);
      expect(shape.hasRequire).toBe('undefined');
      expect(shape.apiCount).toBeGreaterThan(20);
      const r = await win.evaluate(() =>
        (globalThis as unknown as { berth: { call(m: string, p: object): Promise<unknown> } }).berth.call('nope.method', {}),
      );
      expect(r).toMatchObject({ ok: false });
      await screenshot(win, 'electron-smoke');
    } finally {
      await app.close();
    }
  });
});
