// The CLI's terminal and pipe habits.
import { writeSync } from 'node:fs';

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

function pipeClosed(): void {
  if (closing) return;
  closing = true;
  const deadline = new Promise((r) => setTimeout(r, 5000).unref());
  void Promise.race([Promise.allSettled(closers.map((f) => f())), deadline]).then(() => process.exit(SIGPIPE_STATUS));
}

type StreamName = 'stdout' | 'stderr';
const made = new Set<StreamName>();
// Whether the command used process.stdout (or stderr) at all.
export const wasMade = (name: StreamName) => made.has(name);

// Its handlers, once, as a stream is made.
function madeNow(name: StreamName, s: NodeJS.WriteStream): void {
  if (made.has(name)) return;
  made.add(name);
  if (name === 'stderr') return void s.on('error', () => {}); // nowhere left to report to
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    pipeClosed();
  });
}

// process.stdout and process.stderr are made on first use (into a pipe, a
// net.Socket: ~1 ms of CPU on Node; on Bun the first look builds Bun's
// node:stream, ~4.5 ms): a command that prints only lines (writeText) or
// nothing makes neither (docs/architecture.md#the-cli-start). The CLI's
// code reaches them through outStream() only (io.test.ts checks). Node makes
// each behind a lazy getter, hooked here so that a stream made by other
// code (the full bundle's verbs) gets its handlers too; Bun has no such
// getter: reading even the property's descriptor makes the stream.
export function exitOnClosedPipe(): void {
  if (process.versions.bun) return;
  for (const name of ['stdout', 'stderr'] as const) {
    const d = Object.getOwnPropertyDescriptor(process, name);
    const get = d?.get;
    if (!get || !d.configurable) {
      madeNow(name, process[name]);
      continue;
    }
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: d.enumerable,
      get() {
        const s = get.call(process) as NodeJS.WriteStream;
        Object.defineProperty(process, name, { configurable: true, enumerable: d.enumerable, get: () => s });
        madeNow(name, s);
        return s;
      },
    });
  }
}

// process.stdout or process.stderr, made now if not yet, with its handlers.
export function outStream(name: StreamName): NodeJS.WriteStream {
  const s = process[name];
  madeNow(name, s);
  return s;
}

// The CLI's own lines (dispatch.ts out/err): written to the descriptor
// itself while its stream is not made. The stream (process.stdout: on Bun
// its first touch builds Bun's node:stream, ~5 ms of CPU of every command,
// docs/architecture.md#the-cli-start) takes over for good once anything made
// it (a verb that streams: logs, nat ls, exec), so lines stay in order. A
// descriptor that would block (O_NONBLOCK, shared with a parent) hands the
// rest to the stream, which waits for it; a closed pipe ends the command as
// the stream's EPIPE does (exitOnClosedPipe). Bytes go the same way (`berth
// nat ls`'s output as it comes).
export function writeText(name: StreamName, text: string | Uint8Array): void {
  if (closing && name === 'stdout') return;
  if (made.has(name)) return void outStream(name).write(text);
  let b = typeof text === 'string' ? Buffer.from(text) : text;
  while (b.length) {
    try {
      b = b.subarray(writeSync(name === 'stdout' ? 1 : 2, b));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINTR') continue;
      if (code === 'EAGAIN') return void outStream(name).write(b);
      if (code === 'EPIPE') return name === 'stdout' ? pipeClosed() : undefined;
      throw e;
    }
  }
}

// Writes and resolves once the data is handed to the OS (or the pipe closed),
// so a stream of log lines does not pile up in memory behind a slow reader.
export function writeOut(data: string | Uint8Array, name: StreamName = 'stdout'): Promise<void> {
  const s = outStream(name);
  return new Promise((resolve) => {
    if (s.write(data)) resolve();
    else {
      const done = () => {
        s.off('drain', done);
        s.off('error', done);
        resolve();
      };
      s.once('drain', done);
      s.once('error', done);
    }
  });
}

// One line from stdin (a prompt's answer); null when stdin ends first.
export async function readLine(prompt: string): Promise<string | null> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: outStream('stderr'), terminal: false });
  outStream('stderr').write(prompt);
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
