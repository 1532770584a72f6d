// dist/berth.mjs, the full bundle's entry: the helper (root), the verbs that
// load the engine or the web server, and any command under BERTH_DEBUG=1
// (dist/berth.cjs chooses, docs/architecture.md#the-cli-start). Stack traces
// mapped to the TypeScript sources cost every start the parse of the bundle's
// source maps (~10-20 ms of a command's CPU): only for the long-lived helper,
// whose log is read later, or when asked (BERTH_DEBUG=1). Like
// --enable-source-maps, it covers the modules loaded after it: all of
// Berth's but this entry, hence the dynamic import.
import { verbOf } from './verb';

if (process.env.BERTH_DEBUG || verbOf(process.argv.slice(2)) === 'helper') process.setSourceMapsEnabled(true);
await import('./main');
