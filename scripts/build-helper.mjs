// Bundles the helper + CLI into dist/berth.mjs so `bin/berth` starts fast
// (one file, no TypeScript at run time). Runs on `npm install` (prepare).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { berth: 'helper/src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // The helper's engine, the web server and their packages (zod, execa, ws)
  // are chunks loaded by the verbs that need them, so `berth ps` starts fast.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
