// The `berth` program (loaded by entry.ts): one invocation of runCli,
// exit once stdout is flushed.
import { runCli } from './dispatch';
import { exitOnClosedPipe, exitStatus } from './io';

exitOnClosedPipe();
runCli(process.argv.slice(2)).then(
  // exit once stdout is flushed: into a pipe, writes are asynchronous and exit would cut them
  // a closed pipe exits by itself (status 141) once its clean-up is done
  (code) => process.stdout.write('', () => exitStatus(code) === code && process.exit(code)),
  (e) => {
    process.stderr.write(`Error: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
