// dist/berth.cjs, the program bin/berth runs (docs/architecture.md#the-cli-start).
// Every command is a new Node process: a client verb runs from dist/cli.cjs,
// one CommonJS file with no engine, zod or execa, compiled from the user's
// V8 code cache when there is a valid one. The
// verbs that load the engine or the web server, and BERTH_DEBUG=1
// (source-mapped stack traces), run the full ESM bundle, dist/berth.mjs,
// which never reads a cache.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { cacheDir, cacheName, readCache, writeCache } from './code-cache';
import { FULL_BUNDLE_VERBS, verbOf } from './verb';

// sha256 of dist/cli.cjs, set by the build (scripts/bundle-options.mjs)
declare const BERTH_CLI_HASH: string;

const uid = process.getuid?.() ?? 0;
const verb = verbOf(process.argv.slice(2));
if (process.env.BERTH_DEBUG || (verb !== undefined && FULL_BUNDLE_VERBS.has(verb))) {
  void import(pathToFileURL(join(__dirname, 'berth.mjs')).href);
} else {
  runLean(join(__dirname, 'cli.cjs'));
}

function runLean(file: string): void {
  const source = readFileSync(file, 'utf8');
  const st = statSync(file);
  // node:os (~0.6 ms) only where HOME is unset
  const dir = cacheDir(process.env, process.env.HOME || (require('node:os') as typeof import('node:os')).homedir());
  const name = cacheName({ node: process.version, arch: process.arch, bundleHash: BERTH_CLI_HASH, size: st.size, mtimeMs: st.mtimeMs });
  const cachedData = dir ? readCache(join(dir, name), uid) : undefined;
  // V8 checks a cache's header but not its bytes unless asked: a damaged
  // file would crash the process instead of being rejected. This flag makes
  // it check (and write) a checksum. On only around the cache's use: V8's
  // flags are part of every code cache's key, Node's own for its built-in
  // modules too, which V8 would reject while it is on (~10 ms of CPU).
  const checksummed = <T>(f: () => T): T => {
    setFlagsFromString('--verify-snapshot-checksum');
    try {
      return f();
    } finally {
      setFlagsFromString('--no-verify-snapshot-checksum');
    }
  };
  // the module wrapper on the source's first line: stack lines keep their numbers
  const script = checksummed(() => new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData }));
  // made at exit, the cache also holds the functions this command compiled
  if (dir && (!cachedData || script.cachedDataRejected))
    process.once('exit', () => writeCache(dir, name, checksummed(() => script.createCachedData()), uid));
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, file, dirname(file));
}
