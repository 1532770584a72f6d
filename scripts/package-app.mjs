// `npm run package:app`: the desktop app as an AppImage and a .deb, by
// electron-builder with electron-builder.json. The helper the app starts goes
// outside the asar archive (resources/helper/, bundled with its packages):
// the system's Node runs it as root and cannot read inside an asar.
//
//   node scripts/package-app.mjs [--helper-only]
//
// --helper-only writes build/app-helper/ and stops (what the tests check
// where no Electron binary can be had). Layout and choices: docs/install.md.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfContainedOptions } from './bundle-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8'));
const fail = (msg) => {
  console.error(`package-app: ${msg}`);
  process.exit(1);
};

for (const f of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'])
  if (!existsSync(join(root, f))) fail(`${f} is missing: run \`npm install\` (or \`npx electron-vite build\`) first`);

const helper = join(root, config.extraResources[0].from);
rmSync(helper, { recursive: true, force: true });
await build(selfContainedOptions(root, helper));
console.log(`package-app: helper bundled in ${helper}`);
if (process.argv.includes('--helper-only')) process.exit(0);

if (!existsSync(join(root, config.electronDist, 'electron')))
  fail(`no Electron binary in ${config.electronDist}: install without ELECTRON_SKIP_BINARY_DOWNLOAD on a machine that can download it`);
// electron-builder is run, not installed with the project: its platform
// binaries are large and only a release machine needs them
execFileSync('npx', ['--yes', 'electron-builder@26', '--config', 'electron-builder.json', '--linux', '--publish', 'never'], { cwd: root, stdio: 'inherit' });
