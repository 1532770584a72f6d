// The `berth` program (the bundle's entry point). Every command is a new Node
// process, so what it compiles is paid each time: where Node keeps a compile
// cache (22.1+), the CLI's modules are compiled from one in the user's own
// cache directory. Never as root: the helper does not run code compiled from
// a directory a user could have written. The cache must be on before the
// modules load, hence this entry and the dynamic import.
import module from 'node:module';
import { homedir } from 'node:os';

const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
if (enable && process.getuid?.() !== 0 && !process.env.NODE_COMPILE_CACHE) {
  try {
    enable(`${process.env.XDG_CACHE_HOME || `${homedir()}/.cache`}/berth/compile-cache`);
  } catch {
    /* no cache: the CLI still runs */
  }
}
// Stack traces mapped to the TypeScript sources cost every start the parse of
// the bundle's source maps (~10-20 ms of a command's CPU): only for the
// long-lived helper, whose log is read later, or when asked (BERTH_DEBUG=1,
// docs/cli.md). Like --enable-source-maps, it covers the modules loaded after
// it: all of Berth's but this entry.
const verb = process.argv[2] === '--socket' ? process.argv[4] : process.argv[2]?.startsWith('--socket=') ? process.argv[3] : process.argv[2];
if (process.env.BERTH_DEBUG || verb === 'helper') process.setSourceMapsEnabled(true);
await import('./main');
