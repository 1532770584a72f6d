// The GUI against the REAL helper in a throwaway network namespace
// (test/integration/harness.ts): what such a test needs built, and the
// set-up each of them shares: a test host with its helper started, what the
// test puts there before the UI opens, `berth ui --web` on its socket, and
// Chromium.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from './browser';
import { startUi, type RunningUi } from './web-ui-process';

const ROOT = resolve('.');
const HARNESS = join(ROOT, 'test/integration/harness.ts');
export const BERTH = join(ROOT, 'dist/berth.mjs');
export const RENDERER = join(ROOT, 'out/renderer');

export type Host = import('../../test/integration/harness').TestHost;

// Why this machine cannot run a real-helper GUI test (empty: it can); the
// reasons are printed once, under the test's name.
export function realHelperMissing(name: string): string[] {
  const missing = [
    !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`,
    !existsSync(join(RENDERER, 'index.html')) && 'the renderer is not built (npx electron-vite build)',
    !existsSync(HARNESS) && 'test/integration/harness.ts is missing',
    !existsSync(BERTH) && 'dist/berth.mjs is not built (npm run build:helper)',
    process.getuid?.() !== 0 && 'needs root to create a throwaway network namespace',
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length) console.warn(`${name}: skipped: ${missing.join('; ')}`);
  return missing;
}

export interface RealHelperGui {
  host: Host;
  ui: RunningUi;
  browser: Browser;
  stop(): Promise<void>; // Chromium, the UI, then the host and everything in its namespace
}

// `helperArgs`: extra flags for the helper; `setUp`: what the test needs on
// the host before the UI opens (networks, containers, a baseline snapshot).
export async function startRealHelperGui(name: string, o: { helperArgs?: string[]; setUp?: (host: Host) => Promise<void> } = {}): Promise<RealHelperGui> {
  const { TestHost } = await import('../../test/integration/harness');
  const host = await TestHost.create();
  let ui: RunningUi | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await ui?.stop();
    await host.destroy();
  };
  try {
    await host.startHelper(o.helperArgs);
    await o.setUp?.(host);
    ui = await startUi({ berth: BERTH, socket: host.socket, rendererDir: RENDERER });
    console.info(`${name}: web UI started ${ui.via === 'cli' ? 'by `berth ui --web`' : 'in-process (this CLI build has no `ui` verb)'}`);
    browser = await launchChromium();
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return { host, ui, browser, stop };
}
