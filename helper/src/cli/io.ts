// The CLI's terminal and pipe habits.

// A reader that goes away (`berth logs -f c | head -1`) ends the command
// quietly. Docker's CLI, a Go program, dies of SIGPIPE there, which a shell
// reports as 128+13; Node ignores SIGPIPE and reports EPIPE instead, so the
// CLI exits with the same status itself. Callbacks registered with
// onClosedPipe run first (an attached `run --rm` removes its container).
const closers: (() => Promise<unknown>)[] = [];
export const onClosedPipe = (fn: () => Promise<unknown>) => closers.push(fn);
export const SIGPIPE_STATUS = 141;

let closing = false;
// Once the reader is gone, the command's own outcome no longer matters.
export const exitStatus = (code: number) => (closing ? SIGPIPE_STATUS : code);

export function exitOnClosedPipe(): void {
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    if (closing) return;
    closing = true;
    const deadline = new Promise((r) => setTimeout(r, 5000).unref());
    void Promise.race([Promise.allSettled(closers.map((f) => f())), deadline]).then(() => process.exit(SIGPIPE_STATUS));
  };
  whenMade('stdout', (s) => s.on('error', onError));
  whenMade('stderr', (s) => s.on('error', () => {})); // nowhere left to report to
}

const made = new Set<string>();
// Whether the command used process.stdout (or stderr) at all.
export const wasMade = (name: 'stdout' | 'stderr') => made.has(name);

// process.stdout and process.stderr are made on first use (into a pipe, a
// net.Socket: ~1 ms of CPU); a command that prints nothing (`network
// connect`) makes neither (docs/architecture.md#the-cli-start). `then` runs
// as the stream is made. Where Node's lazy getter is not there, at once.
function whenMade(name: 'stdout' | 'stderr', then: (s: NodeJS.WriteStream) => void): void {
  const d = Object.getOwnPropertyDescriptor(process, name);
  const get = d?.get;
  if (!get || !d.configurable) {
    made.add(name);
    return then(process[name]);
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      const s = get.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, name, { configurable: true, enumerable: d.enumerable, get: () => s });
      made.add(name);
      then(s);
      return s;
    },
  });
}

// Writes and resolves once the data is handed to the OS (or the pipe closed),
// so a stream of log lines does not pile up in memory behind a slow reader.
export function writeOut(data: string | Uint8Array, stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(data)) resolve();
    else {
      const done = () => {
        stream.off('drain', done);
        stream.off('error', done);
        resolve();
      };
      stream.once('drain', done);
      stream.once('error', done);
    }
  });
}

// One line from stdin (a prompt's answer); null when stdin ends first.
export async function readLine(prompt: string): Promise<string | null> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (l) => {
      answered = true;
      rl.close();
      resolve(l);
    });
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}

// Docker's prune prompt: asks on a terminal; without one, only -f proceeds.
export async function confirm(ctx: { stdinIsTTY(): Promise<boolean>; readLine(p: string): Promise<string | null> }, warning: string, force: boolean): Promise<boolean> {
  if (force) return true;
  if (!(await ctx.stdinIsTTY())) throw new Error(`${warning.replace(/^WARNING! /, '')}: not asking without a terminal; use -f to go ahead`);
  const a = await ctx.readLine(`${warning}\nAre you sure you want to continue? [y/N] `);
  return a !== null && /^y(es)?$/i.test(a.trim());
}
