// Bundles the helper + CLI into dist/ (dist/berth.mjs and its chunks; the CLI's
// fast path dist/berth.cjs + dist/cli.cjs, and dist/berth-cli where Bun is
// installed) so `bin/berth` starts fast (no
// TypeScript at run time). Runs on `npm install` (prepare).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCliBinary, buildCliFastPath, selfContainedOptions } from './bundle-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  // its npm packages inside, as the Debian package and the app have them: loaded as
  // their own files (zod's and execa's ~200 modules) they cost the started helper
  // 2.5 MB more RSS (68.0 -> 65.5 MB), and the benches then measure what ships
  // (docs/architecture.md, "Helper memory")
  ...selfContainedOptions(root, 'dist'),
  sourcemap: 'linked',
  // positions only: the helper parses its maps at start and keeps them for its life
  // (cli/entry.ts), and the sources' text in them was ~0.9 MB of its heap
  // (docs/architecture.md, "Helper memory")
  sourcesContent: false,
});
await buildCliFastPath(build, root, 'dist');
buildCliBinary(root, 'dist');
