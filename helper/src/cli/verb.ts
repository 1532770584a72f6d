// The verb of a `berth` command line (the words after the script), past a
// leading `--socket P` / `--socket=P`: what the entries (launch.ts, entry.ts)
// choose their path by before any command code loads.
export const verbOf = (argv: string[]): string | undefined =>
  argv[0] === '--socket' ? argv[2] : argv[0]?.startsWith('--socket=') ? argv[1] : argv[0];
