// The esbuild options of the CLI + helper bundle, one definition for every
// build: dist/ for a clone (npm install), the Debian package and the app's
// packages.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

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
    // computed when read (ui.ts findRendererDir, a verb dist/berth.mjs runs), not at every start: node:url
    // is one more module for Bun to build (docs/architecture.md#the-cli-start)
    define: { 'import.meta.url': '__berthFile.url' },
    banner: { js: 'var __berthFile = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
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

// The Bun binary of this machine's platform, from its npm package (an
// optional dependency: absent on another architecture or with --omit=optional).
function bunBinary(root) {
  const arch = { x64: 'x64', arm64: 'aarch64' }[process.arch];
  try {
    return arch && createRequire(join(root, 'package.json')).resolve(`@oven/bun-${process.platform}-${arch}/bin/bun`);
  } catch {
    return null;
  }
}

// dist/berth-cli: dist/cli.cjs, the same JavaScript, compiled by Bun into one
// executable with its bytecode, which bin/berth runs for a client verb: Node's
// own start costs more than a command's whole budget, Bun's a fifth of it
// (docs/architecture.md#the-cli-start). It reads no bunfig.toml or .env from
// the directory it is run in (Bun's defaults would), so a command sees
// what Node's does. Built only where the Bun package is installed, and kept
// only if it runs here (an old CPU, a foreign libc): without it bin/berth runs
// Node. Its one run here also reads the new 100 MB file, so the user's first
// command does not. False when there is none.
export function buildCliBinary(root, outdir) {
  const out = resolve(root, outdir, 'berth-cli');
  rmSync(out, { force: true });
  const bun = bunBinary(root);
  if (!bun) return false;
  const args = ['build', '--compile', '--bytecode', '--format=cjs', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--outfile', out, resolve(root, outdir, 'cli.cjs')];
  const b = spawnSync(bun, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const v = b.status === 0 ? spawnSync(out, ['version'], { cwd: '/', encoding: 'utf8', timeout: 120_000 }) : b;
  if (v.status === 0 && /^berth \d/.test(v.stdout)) return true;
  console.warn(`berth-cli not built (bin/berth runs client verbs on Node): ${(v.error ?? v.stderr ?? '').toString().trim()}`);
  rmSync(out, { force: true });
  return false;
}
