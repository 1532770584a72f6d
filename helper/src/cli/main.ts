// The `berth` program (loaded by entry.ts): one invocation of runCli,
// exit once stdout is flushed.
import { runCli } from './dispatch';
import { exitOnClosedPipe, exitStatus, wasMade } from './io';

exitOnClosedPipe();
runCli(process.argv.slice(2)).then(
  // exit once stdout is flushed: into a pipe, writes are asynchronous and exit would cut them;
  // nothing printed: nothing to flush, and no stdout to make for it (io.ts whenMade)
  // a closed pipe exits by itself (status 141) once its clean-up is done
  (code) => {
    const exit = () => exitStatus(code) === code && process.exit(code);
    if (wasMade('stdout')) process.stdout.write('', exit);
    else exit();
  },
  (e) => {
    process.stderr.write(`Error: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
