// The desktop app's packaging (electron-builder.json, scripts/package-app.mjs)
// where no Electron binary can be had: the configuration names what the
// build makes, and the helper the packaged app starts runs on its own.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helperScriptPath } from './helper-launcher';

const config = JSON.parse(readFileSync('electron-builder.json', 'utf8'));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const built = existsSync('out/main/index.js') && existsSync('out/renderer/index.html');

describe('electron-builder configuration of the desktop app', () => {
  it('makes an AppImage and a .deb for Linux', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.productName).toBe('Berth');
    // not `berth`: that is the CLI the berth package installs
    expect(config.executableName).toBe('berth-app');
  });

  it('keeps the Electron .deb dependencies electron-builder would add, plus the Node.js the helper needs', () => {
    for (const d of ['libgtk-3-0', 'libnss3', 'xdg-utils', 'libsecret-1-0']) expect(config.deb.depends).toContain(d);
    // the same Node.js the CLI package asks for (scripts/package-deb.mjs)
    const node = /nodejs \(>= \d+\)/.exec(readFileSync('scripts/package-deb.mjs', 'utf8'))![0];
    expect(config.deb.depends).toContain(node);
    // the package's helper and polkit action: the app then starts the helper with pkexec (docs/install.md)
    expect(config.deb.recommends).toContain('berth');
  });

  it.skipIf(!built)('packs what the app loads: the main entry, the preload, the renderer; no source maps, no node_modules', () => {
    const patterns: string[] = config.files;
    const dirs = patterns.filter((p) => !p.startsWith('!') && p.endsWith('/**')).map((p) => p.slice(0, -3));
    for (const d of dirs) expect(readdirSync(d).length, `${d} is empty`).toBeGreaterThan(0);
    expect(dirs.some((d) => pkg.main.startsWith(`${d}/`))).toBe(true);
    expect(existsSync(pkg.main)).toBe(true);
    expect(patterns).toContain('package.json');
    expect(patterns).toContain('!**/*.map');
    // main is bundled with its packages (electron.vite.config.ts: externalizeDeps false)
    expect(patterns).toContain('!node_modules/**');
    expect(readFileSync('electron.vite.config.ts', 'utf8')).toMatch(/externalizeDeps: false/);
  });

  it('puts the helper outside the asar archive, where the app looks for it', () => {
    expect(config.asar).toBe(true);
    expect(config.extraResources).toEqual([{ from: 'build/app-helper', to: 'helper' }]);
    expect(helperScriptPath('/opt/Berth/resources/app.asar', '/opt/Berth/resources')).toBe('/opt/Berth/resources/helper/berth.mjs');
    expect(helperScriptPath('/home/u/berth')).toBe('/home/u/berth/dist/berth.mjs');
    expect(config.electronDist).toBe('node_modules/electron/dist');
  });

  it.skipIf(!built)('bundles a helper that runs with no node_modules anywhere above it', () => {
    execFileSync(process.execPath, ['scripts/package-app.mjs', '--helper-only'], { stdio: 'pipe' });
    const away = mkdtempSync(join(tmpdir(), 'berth-app-helper-'));
    try {
      cpSync(config.extraResources[0].from, join(away, config.extraResources[0].to), { recursive: true });
      const help = execFileSync(process.execPath, [join(away, 'helper', 'berth.mjs'), '--help'], { encoding: 'utf8', cwd: away });
      expect(help).toMatch(/^Usage: +berth /m);
      // and a verb's own help, the way the launcher's command line starts (berth.mjs helper …)
      const h = execFileSync(process.execPath, [join(away, 'helper', 'berth.mjs'), 'helper', '--help'], { encoding: 'utf8', cwd: away });
      expect(h).toMatch(/--socket/);
    } finally {
      rmSync(away, { recursive: true, force: true });
    }
  });
});
