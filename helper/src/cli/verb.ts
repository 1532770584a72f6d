// The verb of a `berth` command line (the words after the script), past a
// leading `--socket P` / `--socket=P`: what the entries (launch.ts, entry.ts)
// choose their path by before any command code loads.
export const verbOf = (argv: string[]): string | undefined =>
  argv[0] === '--socket' ? argv[2] : argv[0]?.startsWith('--socket=') ? argv[1] : argv[0];

// The verbs whose code is not in dist/cli.cjs (helper-main, ui-main,
// shim-main): launch.ts runs them from dist/berth.mjs, and bin/berth never
// sends them to dist/berth-cli (its `case` holds the same list, bin-berth.test.ts).
export const FULL_BUNDLE_VERBS: ReadonlySet<string> = new Set(['helper', 'ui', 'shim-internal']);
