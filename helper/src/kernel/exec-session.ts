import { spawn } from 'node:child_process';
import { run } from './exec';
import { FIXED_ENV } from './programs';
import { resizePty, unreaped, withPty } from './pty';
import { statusOf, userStage, type UserCommand } from './process';

// A command run in a running container (`berth exec`; docs/exec.md): the
// same user stage as the container's own command (nsenter → setpriv → env -i,
// kernel/process.ts), its stdio on pipes the helper relays to one client.
//
// With a terminal (-t) the command runs under util-linux's script(1), by
// absolute root-owned path, started by `env` AFTER the privilege drop: the
// pseudo-terminal is made by a process that is already the user, so nothing
// of the client's (the command line, TERM, the size) reaches a root program
// but the numbers of the size, which `stty` (root, fixed env) applies to the
// session's terminal, held by a descriptor, when the client's window changes
// (kernel/pty.ts).

export interface ExecProcess {
  pid: number;
  // resolves once the command's input pipe took it or has room again: a
  // caller waits on it, so input a command does not read stays in the
  // client, not in the helper
  write(data: Buffer): Promise<void>;
  end(): void; // stdin's EOF (with a terminal: ^D, as a terminal would send)
  onOutput(cb: (stream: 'stdout' | 'stderr', data: Buffer) => void): void;
  pause(): void; // stop reading its output until resume(): the pipe fills and the command waits
  resume(): void;
  resize(cols: number, rows: number): Promise<void>;
  hangup(): void; // the client left: SIGHUP to the session, as a terminal closing
  exited: Promise<number>; // after the last output was handed to onOutput
}

export async function startExec(o: UserCommand & { tty: boolean; interactive: boolean; cols: number; rows: number }): Promise<ExecProcess> {
  const { file, args } = userStage(o.tty ? withPty(o, o.cols, o.rows) : o);
  // its own process group: a signal to the helper's group never reaches it, and hangup() reaches all of it
  const child = spawn(file, args, { detached: true, stdio: [o.interactive || o.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd: '/', env: { ...FIXED_ENV } });
  const failed = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (failed || !child.pid) throw new Error(`cannot start ${o.argv[0]}: ${failed?.message ?? 'no pid'}`);
  const pid = child.pid;
  child.stdin?.on('error', () => {}); // the command ended before reading all its input
  const listeners: ((stream: 'stdout' | 'stderr', data: Buffer) => void)[] = [];
  let paused = false;
  let lastOutput = Date.now();
  const closed = [child.stdout!, child.stderr!].map((s, i) => {
    s.on('data', (d: Buffer) => {
      lastOutput = Date.now();
      listeners.forEach((l) => l(i === 0 ? 'stdout' : 'stderr', d));
    });
    return new Promise<void>((r) => s.once('close', () => r()));
  });
  const code = new Promise<number>((resolve) => child.once('exit', (c, sig) => resolve(statusOf(c, sig))));
  const exited = code.then(async (c) => {
    // what it wrote before it ended, however slowly the client reads it; a
    // child it left behind may hold the pipes open: 2 s without output ends it
    await Promise.race([Promise.all(closed), quiet(2000, () => !paused && Date.now() - lastOutput >= 2000)]);
    child.stdout!.destroy();
    child.stderr!.destroy();
    return c;
  });
  return {
    pid,
    write: (d) => (child.stdin ? writeWithRoom(child.stdin, d) : Promise.resolve()),
    end: () => {
      if (o.tty) child.stdin?.write(Buffer.from([4]));
      child.stdin?.end();
    },
    onOutput: (cb) => void listeners.push(cb),
    pause: () => {
      paused = true;
      child.stdout!.pause();
      child.stderr!.pause();
    },
    resume: () => {
      paused = false;
      lastOutput = Date.now();
      child.stdout!.resume();
      child.stderr!.resume();
    },
    resize: (cols, rows) => (o.tty ? resizePty(pid, cols, rows, (args) => run('stty', args, { timeoutMs: 5000 }), () => unreaped(child)) : Promise.resolve()),
    hangup: () => {
      try {
        process.kill(-pid, 'SIGHUP');
      } catch {
        /* gone */
      }
      child.stdin?.destroy();
    },
    exited,
  };
}

// Writes to a stream; resolves at once if it has room, else once it drains
// (or closes: whatever was not read is gone with it).
export function writeWithRoom(w: NodeJS.WritableStream & { destroyed?: boolean }, d: Buffer | string): Promise<void> {
  if (w.destroyed || w.write(d)) return Promise.resolve();
  return new Promise((r) => {
    const done = () => {
      w.off('drain', done);
      w.off('close', done);
      w.off('error', done);
      r();
    };
    w.on('drain', done);
    w.on('close', done);
    w.on('error', done);
  });
}

// Resolves once `done()` holds, checked every tenth of `ms`.
function quiet(ms: number, done: () => boolean): Promise<void> {
  return new Promise((r) => {
    const t = setInterval(() => {
      if (!done()) return;
      clearInterval(t);
      r();
    }, ms / 10);
  });
}

