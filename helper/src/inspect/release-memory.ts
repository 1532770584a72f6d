import v8 from 'node:v8';
import vm from 'node:vm';

// A reading of tens of thousands of rules leaves V8's heap grown; V8 keeps
// the pages until it needs them again, so an idle helper would sit at the
// size of its biggest reading. Once the readings are dropped and no request
// came for a while, compacting collections hand the free pages back.
let gc: (() => void) | null | undefined;
let timer: NodeJS.Timeout | null = null;

let liveAfterGc = 0; // the heap a full collection left: what is live then (readings kept for paging)
let externalAfterGc = 0; // and the bytes outside the heap then (ArrayBuffers)
let pending = false; // a reading ran since the last full collection

function fullGc(compact = false): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null; // not offered by this runtime: V8 shrinks on its own, later
    }
  }
  if (compact && gc) compactingGc(gc);
  else gc?.();
  pending = false;
  const h = v8.getHeapStatistics();
  liveAfterGc = h.used_heap_size;
  externalAfterGc = h.external_memory;
}

// An idle release also compacts. A full collection gives back only the pages
// it left empty, and a reading's garbage leaves most pages part-full: at
// 10,000 rules, after every reading was dropped, 37 MB of pages held 20 MB
// live, 35 s after the client left. V8 moves objects out of part-full pages
// (20 % free or more) only in its memory-saving mode, at most 6 MB of them a
// collection, so the copies never stand beside more than that; its flag,
// read at each collection, is set only around these (for the whole process
// it doubled the cold readings' CPU: docs/architecture.md, "Helper memory"),
// and up to three of them (while the pages hold 4 MB more than is live) move
// up to 18 MB. Measured (scale bench's sequence, load 13-27): 35 s after the
// client left 94-98 -> 81-85 MB, RSS at most 3 MB above what it was when the
// client left (forcing compaction of every page instead copied all that was
// live at once: +15-20 MB for a moment).
const COMPACTIONS = 3;
const ROOM = 4e6;
function compactingGc(gc: () => void): void {
  v8.setFlagsFromString('--optimize-for-size');
  try {
    for (let i = 0; i < COMPACTIONS; i++) {
      gc();
      const h = v8.getHeapStatistics();
      if (h.total_heap_size - h.used_heap_size < ROOM) break;
    }
  } finally {
    v8.setFlagsFromString('--no-optimize-for-size');
  }
}

// Above this much live-or-dead heap, what a reading left is collected once
// its answer is out: back-to-back readings (`berth nat ls` in a loop, a
// GUI paging and refreshing) would otherwise each leave their garbage and
// grow the heap by a reading each, 7 MB at 10,000 rules, until V8's own
// limit (the helper stood at 190 MB after a dozen). A full collection of a
// heap this size costs a few ms; a reading of 10,000 rules ~100 ms of CPU.
// The garbage allowed above what was live at the last collection: with two
// readings kept the heap stays above the budget, and a collection after
// every page of a listing (nat.text) cost more CPU than the page.
const HEAP_BUDGET = 32e6;
const GARBAGE_BUDGET = 16e6;
// The same for bytes outside V8's heap (ArrayBuffers): the output of earlier answers
// and listings (`berth nat ls --format json` sends 5 MB at 10,000 rules) goes back only
// with a collection, and V8 starts one for them only past 64 MB of such bytes, its heap
// barely growing meanwhile. On the scale bench 11-14 MB of them were still held when the
// next listing began, on top of its own.
const BYTES_BUDGET = 8e6;

// Called as every large reading or page starts: what it leaves is collected
// after an answer is written (releaseAfterAnswer), or `idleMs` after the last
// such call. Never here: a collection ahead of a reading is paid before its
// answer (it cost a listing up to a third of its CPU, ahead of its first line).
export function releaseMemorySoon(idleMs = 10_000): void {
  pending = true;
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    fullGc(true);
    memoryMark('idle release');
  }, idleMs);
  timer.unref();
}

// The one place the budgets are checked: once an answer's last byte was handed
// to the kernel (server/frame-output.ts), for every method, so the collection
// is paid after the caller has its answer (docs/architecture.md, "Helper memory").
// ~2 µs when a reading ran since the last collection, nothing otherwise.
export function releaseAfterAnswer(): void {
  if (!pending) return;
  const h = v8.getHeapStatistics();
  if (h.used_heap_size > Math.max(HEAP_BUDGET, liveAfterGc + GARBAGE_BUDGET) || h.external_memory > externalAfterGc + BYTES_BUDGET) fullGc();
}

// BERTH_DEBUG_MEMORY=1: the helper's memory on stderr at marks (cleanup/handlers.ts),
// with the most each part reached since the mark before (sampled every 5 ms while the
// event loop turns): where a peak of RSS comes from (docs/architecture.md, "Helper memory").
const debugMemory = !!process.env.BERTH_DEBUG_MEMORY;
let most = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
if (debugMemory) {
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(most) as (keyof typeof most)[]) most[k] = Math.max(most[k], m[k]);
  };
  setInterval(sample, 5).unref();
}
export function memoryMark(label: string): void {
  if (!debugMemory) return;
  const m = process.memoryUsage();
  const mb = (x: number) => (x / 1048576).toFixed(1);
  process.stderr.write(
    `memory ${label}: rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} buffers ${mb(m.arrayBuffers)}` +
      ` | most since: rss ${mb(most.rss)} heap ${mb(most.heapUsed)}/${mb(most.heapTotal)} external ${mb(most.external)} buffers ${mb(most.arrayBuffers)}\n`,
  );
  most = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
}
