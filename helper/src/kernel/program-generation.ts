import { closeSync } from 'node:fs';
import { flockNow } from './flock';
import { openNoFollow } from './safe-files';

// The helper's kernel programs outlive a killed helper: its `ip -batch`
// co-process goes on with the lines already in its pipe, and the programs
// its spawner started run to their end. A helper started meanwhile would
// restore the store and then see them add links and rules it never heard
// of. So every kernel program inherits one locked file (the "generation"),
// and the kernel keeps the lock while any of them lives; a new helper takes
// that lock before it reads or changes the kernel (docs/decisions.md, State).
// Containers' shims and exec sessions do not inherit it: they are meant to
// outlive the helper.

let held: number | null = null;

// The locked descriptor to hand to each kernel program, or null before the
// helper has taken its generation (tests, one-shot tools).
export const generationFd = (): number | null => held;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Takes the generation lock at `path`, waiting up to `timeoutMs` for the
// previous helper's programs to end. Returns a warning when they did not.
export async function takeGeneration(path: string, log: (m: string) => void, timeoutMs = 60_000): Promise<string | null> {
  const fd = openNoFollow(path, 0o600);
  try {
    if (flockNow(fd, path)) {
      held = fd;
      return null;
    }
    log('waiting for the previous helper\'s kernel programs to end before restoring');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await sleep(100);
      if (flockNow(fd, path)) {
        held = fd;
        log('the previous helper\'s kernel programs have ended');
        return null;
      }
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  // still not ours: go on (a stuck program must not keep Berth down), said once
  closeSync(fd);
  const w = `the previous helper's kernel programs were still running after ${timeoutMs / 1000} s: what they change after this start is reported by cleanup`;
  log(w);
  return w;
}
