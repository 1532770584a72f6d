// Node's flags for the helper process, on every path that starts it: the
// daemonizing `berth helper` (sudo, the app's pkexec, scripts/start.mjs) passes
// them to its foreground child (helper-main.ts); the systemd unit sets them in
// NODE_OPTIONS (packaging/deb/berth-helper.service); the root `npm start` and
// the benches start the foreground helper with them. V8 reads them only when the
// process starts, so they cannot be set from inside.
//
// --max-semi-space-size=1: V8 otherwise lets its young generation grow to 16 MB
// a semi-space (three of them resident) while a 10,000-rule reading allocates,
// and keeps it. Measured on a 10,000-rule host (three rounds of a NAT reading,
// search, sort, cleanup.plan and host.inspect): RSS peak 146 -> 120 MB, idle
// 83 -> 74 MB, the helper's CPU time the same within the run's noise
// (bench/README.md, scale results).
export const HELPER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
