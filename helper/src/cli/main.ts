// The `berth` program (loaded by entry.ts): one invocation of runCli,
// exit once stdout is flushed.
import { runCli } from './dispatch';
import { exitOnClosedPipe, exitStatus, outStream, wasMade, writeText } from './io';
import { defaultSignalsAsNode } from './start-signals';

// Node did this itself before any of our code ran (start-signals.ts)
if (process.versions.bun) defaultSignalsAsNode();
exitOnClosedPipe();
runCli(process.argv.slice(2)).then(
  // exit once stdout is flushed: into a pipe, writes are asynchronous and exit would cut them;
  // nothing printed through the stream (lines went out with writeText): nothing to flush, and no stdout to make for it (io.ts)
  // a closed pipe exits by itself (status 141) once its clean-up is done
  (code) => {
    const exit = () => exitStatus(code) === code && process.exit(code);
    if (!wasMade('stdout')) exit();
    // Bun calls an empty write's callback at once, before the writes queued
    // ahead of it are out: there end() waits for them. Not on Node: into a
    // socket (a parent's stdio made by Node's child_process) end() shuts the
    // socket down for the shell's next commands too, which die of SIGPIPE
    // (docs/architecture.md#the-cli-start, test/integration/cli-runtimes.test.ts).
    else if (process.versions.bun) outStream('stdout').end(exit);
    else outStream('stdout').write('', exit);
  },
  (e) => {
    writeText('stderr', `Error: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
