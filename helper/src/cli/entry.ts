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
await import('./main');
