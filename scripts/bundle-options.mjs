// The esbuild options of the CLI + helper bundle, one definition for every
// build: dist/ for a clone (npm install), the Debian package and the app's
// packages.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const bundleOptions = (root, outdir) => ({
  absWorkingDir: root,
  // the spawner is the helper's small program starter (helper/src/kernel/spawner.ts), apart so it stays small
  // the shim (kernel/shim.ts) too: a container's run waits for its start
  entryPoints: { berth: 'helper/src/cli/entry.ts', spawner: 'helper/src/kernel/spawner-main.ts', shim: 'helper/src/shim-entry.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  // The helper's engine, the web server and their packages are chunks loaded
  // by the verbs that need them, so `berth ps` starts fast.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});

// The same bundle with its npm packages inside, for what ships without a
// node_modules directory (the Debian package, the app's resources/helper).
export const selfContainedOptions = (root, outdir) => ({
  ...bundleOptions(root, outdir),
  // CommonJS packages bundled into ESM still call require()
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
});

// The modules only the full bundle holds (the engine, the web server, the
// shim): in dist/cli.cjs an import of one throws; dist/berth.cjs sends their
// verbs to dist/berth.mjs (helper/src/cli/launch.ts).
const FULL_ONLY = /\/(helper-main|ui-main|shim-main)$/;
const fullOnly = {
  name: 'full-bundle-only',
  setup(b) {
    b.onResolve({ filter: FULL_ONLY }, (a) => ({ path: a.path, namespace: 'full-bundle-only' }));
    b.onLoad({ filter: /.*/, namespace: 'full-bundle-only' }, (a) => ({
      contents: `export {}; throw new Error(${JSON.stringify(`${a.path} is only in dist/berth.mjs (helper/src/cli/launch.ts)`)});`,
      loader: 'js',
    }));
  },
};

// The CLI's fast path beside the bundle above (docs/architecture.md#the-cli-start):
// dist/cli.cjs, the client verbs as one CommonJS file (one file to read and
// compile, no ESM loader, and V8 can cache its code), and dist/berth.cjs, the
// program that runs it from the user's code cache or picks dist/berth.mjs.
export async function buildCliFastPath(build, root, outdir) {
  const lean = await build({
    absWorkingDir: root,
    entryPoints: ['helper/src/cli/main.ts'],
    outfile: join(outdir, 'cli.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import() of a CommonJS file run through vm.Script would need the ESM loader: require() instead
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__berthFileUrl' },
    banner: { js: 'var __berthFileUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [fullOnly],
    write: false,
    logLevel: 'warning',
  });
  const code = lean.outputFiles[0].contents;
  writeFileSync(lean.outputFiles[0].path, code);
  await build({
    absWorkingDir: root,
    entryPoints: ['helper/src/cli/launch.ts'],
    outfile: join(outdir, 'berth.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { BERTH_CLI_HASH: JSON.stringify(createHash('sha256').update(code).digest('hex')) },
    logLevel: 'warning',
  });
}
