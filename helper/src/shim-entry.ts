// dist/shim.mjs, the per-container shim's own entry (kernel/shim.ts): a
// container's run waits for its shim's Node to start, so the shim loads only
// what it runs — not the CLI's verbs, not execa (`berth shim-internal`, which
// loads them, stays for a bundle without this file).
import { shimMain } from './shim-main';

process.exit(await shimMain());
