// Signals as a command finds them under Node, on any runtime. Node sets every
// signal to its default action at start, but SIGPIPE and SIGXFSZ, which it
// ignores; Bun (dist/berth-cli, docs/architecture.md#the-cli-start) keeps
// what it inherits, and a shell starts a background job (`berth logs -f c &`)
// with SIGINT and SIGQUIT ignored: `kill -INT` would not end it. A signal a
// runtime ignores (its SigIgn mask) comes back to its default by taking and
// dropping a listener.
import { readFileSync } from 'node:fs';

// The signals whose default ends or stops the process and which take a
// listener (not KILL, STOP; SIGUSR1 starts Node's debugger; SIGPIPE, SIGXFSZ
// Node ignores), with their numbers on Linux x86-64 and arm64, Bun's
// platforms (node:os has them too, at ~0.6 ms of every Node command's start).
const RESETTABLE: [NodeJS.Signals, number][] = [
  ['SIGHUP', 1], ['SIGINT', 2], ['SIGQUIT', 3], ['SIGTRAP', 5], ['SIGUSR2', 12], ['SIGALRM', 14], ['SIGTERM', 15], ['SIGTSTP', 20],
  ['SIGTTIN', 21], ['SIGTTOU', 22], ['SIGVTALRM', 26], ['SIGPROF', 27], ['SIGIO', 29], ['SIGPWR', 30], ['SIGSYS', 31],
];

// The signals set in a SigIgn line's hex mask (bit n-1: signal n).
export function ignoredSignals(status: string): NodeJS.Signals[] {
  const mask = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`);
  return RESETTABLE.filter(([, n]) => (mask >> BigInt(n - 1)) & 1n).map(([s]) => s);
}

export function defaultSignalsAsNode(): void {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return; // no /proc: nothing known to reset
  }
  const noop = () => {};
  for (const s of ignoredSignals(status)) {
    process.on(s, noop);
    process.off(s, noop);
  }
}
