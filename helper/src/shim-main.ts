import { runShim } from './kernel/shim';

// `berth shim-internal`: the per-container shim (kernel/shim.ts), started by
// the helper only; it reads its orders from stdin.
export async function shimMain(): Promise<number> {
  try {
    return await runShim();
  } catch (e) {
    process.stderr.write(`${new Date().toISOString()} berth shim: ${(e as Error).message}\n`);
    return 125;
  }
}
