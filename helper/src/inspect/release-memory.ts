import v8 from 'node:v8';
import vm from 'node:vm';

// A reading of tens of thousands of rules leaves V8's heap grown; V8 keeps
// the pages until it needs them again, so an idle helper would sit at the
// size of its biggest reading. Once the readings are dropped and no request
// came for a while, one full collection hands the free pages back.
let gc: (() => void) | null | undefined;
let timer: NodeJS.Timeout | null = null;

function fullGc(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null; // not offered by this runtime: V8 shrinks on its own, later
    }
  }
  gc?.();
}

// Called after every large reading; the collection runs `idleMs` after the last one.
export function releaseMemorySoon(idleMs = 10_000): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    fullGc();
  }, idleMs);
  timer.unref();
}
