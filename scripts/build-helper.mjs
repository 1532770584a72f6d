// Bundles the helper + CLI into dist/berth.mjs so `bin/berth` starts fast
// (one file, no TypeScript at run time). Runs on `npm install` (prepare).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleOptions } from './bundle-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  ...bundleOptions(root, 'dist'),
  // a clone has node_modules: packages stay outside the bundle
  packages: 'external',
  sourcemap: 'linked',
});
