import { complain, runShim } from './kernel/shim';

// `berth shim-internal`: the per-container shim (kernel/shim.ts), started by
// the helper only; it reads its orders from stdin.
export async function shimMain(): Promise<number> {
  try {
    return await runShim();
  } catch (e) {
    complain((e as Error).message);
    return 125;
  }
}
