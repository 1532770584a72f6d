import v8 from 'node:v8';

// Node's flags and glibc's malloc settings for the helper process, on every
// path that starts it: the daemonizing `berth helper` (sudo, the app's pkexec,
// scripts/start.mjs) passes them to its foreground child (helper-main.ts); the
// systemd unit sets them in its environment (packaging/deb/berth-helper.service);
// the root `npm start` and the benches start the foreground helper with them.
// V8 and glibc read them only when the process starts, so they cannot be set
// from inside (Node 20 cannot exec itself again). docs/architecture.md,
// "Helper memory".
//
// --max-semi-space-size=1: V8 otherwise lets its young generation grow to 16 MB
// a semi-space (three of them resident) while a 10,000-rule reading allocates,
// and keeps it. Measured on a 10,000-rule host (three rounds of a NAT reading,
// search, sort, cleanup.plan and host.inspect): RSS peak 146 -> 120 MB, idle
// 83 -> 74 MB, the helper's CPU time the same within the run's noise
// (bench/README.md, scale results).
//
// --max-old-space-size=1024: not a limit the helper comes near (its heap is ~60 MB at
// 25,000 rules) but how V8 sizes its old generation: on a machine with memory to spare
// it lets the heap grow to 4x what was live before it collects again, with a limit of
// 1 GB to 1.6x (V8's heap controller scales the factor with the limit). Measured
// (load 13-17): scale bench at 10,000 rules peak 120-124 -> 118 MB, 35 s after 81-89 ->
// 77 MB; a run of cleanup plans at 25,000 rules peak 108-115 -> 103-107 MB; helper CPU
// per host.inspect and cleanup.plan within the run's noise (bench/README.md, scale).
export const HELPER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=1024'];

// glibc's malloc: every thread that allocates (V8's compiler and GC workers,
// libuv's pool) otherwise gets an arena of its own, each keeping what it
// freed (13 MB of arenas after a 10,000-rule reading); two arenas serve them.
// Fixed mmap and trim thresholds: glibc otherwise raises both after a big
// buffer is freed (an iptables-save output of megabytes), so later big ones
// come from the heap and are never given back. Measured on a 10,000-rule host
// (3x host.inspect, 3x cleanup.plan, 3x nat.query, peak reset before each):
// peaks 99/110/106 -> 92/97/95 MB, 96 -> 78 MB 36 s after, the helper's CPU
// time within the run's noise (load 15-20). The mmap threshold at 32 KB, not
// 128 KB: the 64 KB buffers of pipe reads and answers are mapped and unmapped,
// not left in the heap between longer-lived blocks (glibc gives back only the
// heap's top, and Node offers no malloc_trim). Scale bench at 10,000 rules,
// A/B alternated with the idle compaction (load 10-16): 35 s after the client
// left 82/83 -> 77/77 MB, peak 106/107 -> 105/106, the readings' CPU the same
// within 10 ms ticks.
export const HELPER_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '32768',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

// V8 flags the helper sets on itself once it runs (helper-main.ts): V8 reads
// them at every collection, and NODE_OPTIONS (the systemd unit's way) takes
// no V8 flag outside Node's short list.
//
// --heap-growing-percent=15: after a full collection the old generation may
// grow to 1.15x what was live (V8 adds at least 8 MB) before the next one,
// instead of up to 1.6x (the factor --max-old-space-size=1024 gives). A
// reading of 10,000 rules allocates ~20 MB with ~40 MB live (the kept
// readings), so the heap's high-water mark was set by the room V8 left.
//
// --interrupt-budget=1048576 (V8's default 132 KB): how much bytecode a
// function runs between V8's looks at whether to optimise it. With the
// default, a reading's hot loops were optimised on their first few hundred
// rules' feedback and deoptimised again on later rules (nat-rows' ask/out,
// the save parser), each round compiled anew on a worker thread. Measured on
// the scale bench at 10,000 rules, quiet machine, command line then as set
// here (bench/README.md, scale): helper start CPU 540-560 -> 390-410 ms; the
// first `berth nat ls` listing, json 136-144 -> 112-117 ms (helper CPU
// 120-130 -> 70-80), table 114-123 -> 96-105 ms; a table listing on a helper
// idle 35 s 176-200 -> 148-161 ms (CPU 190-230 -> 120-140); the listings
// after the same; cold host.inspect and cleanup.plan 2.5 -> 2.6-2.8x
// iptables-save (+5-10 ms, within 10 ms CPU ticks). `--max-semi-space-size=2`
// beside it: the idle listing 153 -> 147 ms, RSS the same (not taken).
export const HELPER_V8_FLAGS: readonly string[] = ['--heap-growing-percent=15', '--interrupt-budget=1048576'];

export function setHelperV8Flags(): void {
  for (const f of HELPER_V8_FLAGS) v8.setFlagsFromString(f);
}
