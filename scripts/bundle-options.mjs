// The esbuild options of the CLI + helper bundle, one definition for every
// build: dist/ for a clone (npm install), the Debian package and the app's
// packages.
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
