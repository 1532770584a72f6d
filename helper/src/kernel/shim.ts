import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DEFAULT_LIMITS, JsonLogWriter, type LogLimits } from './json-log';
import { procStartTime, statusOf, userStage, type UserCommand } from './process';
import { resizePty, unreaped, withPty } from './pty';
import { FIXED_ENV, program } from './programs';
import { LineFramer } from '../../../src/shared/rpc-frames';

// The per-container shim (like containerd-shim or conmon; docs/logs.md): a
// small process the helper starts for each container run. It starts the
// container's command (the user stage of kernel/process.ts), owns its stdout
// and stderr pipes and writes them to the capped, rotated json log, and when
// the command ends it records the exit status in a file. It is its own session
// leader, so it and the container outlive a helper restart or crash; the
// helper reads the status file when it comes back.
//
// The shim runs as root (the user stage needs root for nsenter and setpriv);
// everything it is told comes from the helper over its stdin pipe, never
// from a client, and it creates files only in the container's root-owned
// directory, with O_EXCL|O_NOFOLLOW.

export interface ShimSpec {
  file: string; // the user stage (absolute, root-owned program)
  args: string[];
  dir: string; // the container's own directory: logs and the exit record
  id: string;
  limits: LogLimits;
  stdin: boolean; // run -i/-t: the command's stdin stays open, fed through attach.sock
  tty: boolean; // run -t: the command runs under script(1) (kernel/exec-session.ts)
}

export interface ExitRecord {
  pid: number; // the run it belongs to: a record of an earlier run is not this one's
  exitCode: number;
  finishedAt: string;
  error: string;
}

export const exitPath = (dir: string) => `${dir}/exit.json`;
// The shim's attach socket, in the container's root-only directory; one JSON
// frame a line. To the shim: {"in":BASE64} | {"eof":true} | {"resize":[COLS,ROWS]}
// (input: run -i/-t only) | {"out":"live"|"replay"} (send me the output from
// now on; "replay": first what the command wrote since it started, while the
// shim still keeps it). From the shim: {"o":BASE64,"s":"stdout"|"stderr"}.
const ATTACH_NAME = 'attach.sock';

// Connects to a shim's input socket through a descriptor of its directory
// (/proc/self/fd/N/attach.sock): short whatever the data root's path.
export async function connectAttach(dir: string): Promise<Socket> {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const sock = connect(`/proc/self/fd/${fd}/${ATTACH_NAME}`);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    return sock;
  } finally {
    closeSync(fd);
  }
}

export async function readExit(dir: string, pid: number): Promise<ExitRecord | null> {
  try {
    const r = JSON.parse(await readFile(exitPath(dir), 'utf8')) as Partial<ExitRecord>;
    if (r.pid !== pid || typeof r.exitCode !== 'number' || !Number.isInteger(r.exitCode)) return null;
    return { pid, exitCode: r.exitCode, finishedAt: typeof r.finishedAt === 'string' ? r.finishedAt : '', error: typeof r.error === 'string' ? r.error : '' };
  } catch {
    return null;
  }
}

export function removeExit(dir: string): void {
  try {
    unlinkSync(exitPath(dir));
  } catch {
    /* none */
  }
}

export { statusOf };

export interface StartedShim {
  pid: number; // the container's process (a process group leader)
  startTime: string;
  shimPid: number;
  shimStartTime: string;
  exited: Promise<number>; // the container's exit status, as the shim recorded it
}

// Helper side: starts the shim (`node SCRIPT shim-internal`: dist/shim.mjs, or the berth bundle itself)
// and waits for it to say the command's pid.
export async function startShim(
  o: UserCommand & { node: string; script: string; dir: string; id: string; limits?: LogLimits; stdin?: boolean; tty?: { cols: number; rows: number } },
): Promise<StartedShim> {
  const { file, args } = userStage(o.tty ? withPty(o, o.tty.cols, o.tty.rows) : o);
  const spec: ShimSpec = { file, args, dir: o.dir, id: o.id, limits: o.limits ?? DEFAULT_LIMITS, stdin: o.stdin === true || o.tty !== undefined, tty: o.tty !== undefined };
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  removeExit(o.dir);
  const key = `${o.node}\0${o.script}`;
  let shim = takeSpare(key);
  let hello = shim ? await handOver(shim, spec) : null;
  // a spare that ended meanwhile (killed by someone) said nothing: a fresh one takes over
  if (!shim || (hello && !hello.pid && hello.silent)) hello = await handOver((shim = launch(o.node, o.script)), spec);
  if (!hello!.pid) throw new Error(hello!.error ?? 'the shim failed');
  const pid = hello!.pid;
  const exited = shim.exit.then(async (code) => (await readExit(o.dir, pid))?.exitCode ?? code);
  const shimPid = shim.proc.pid ?? 0;
  return { pid, startTime: (await procStartTime(pid)) ?? '', shimPid, shimStartTime: (await procStartTime(shimPid)) ?? '', exited };
}

interface Launched {
  proc: ChildProcess;
  exit: Promise<number>;
  failed: Error | null; // the program never ran (spawn's error: EAGAIN, ENOENT, …)
}

// A shim waits for its spec on stdin (runShim reads to EOF), so one can be
// started before it is needed: after each run the helper starts the next
// run's shim (docs/logs.md, "Start-up"). It is the same program with the
// same fixed environment; what makes it a container's shim is the spec it is
// handed. A spare whose helper ends reads EOF and exits; `dropSpare` ends it
// at a clean stop.
let spare: (Launched & { key: string }) | null = null;

function launch(node: string, script: string): Launched {
  // its complaints go to the container's shim.log, which the shim opens once it has its spec (runShim)
  const proc = spawn(node, [script, 'shim-internal'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'], cwd: '/', env: { ...FIXED_ENV } });
  const launched: Launched = { proc, exit: Promise.resolve(0), failed: null };
  launched.exit = new Promise<number>((resolve) => {
    proc.once('exit', (code, signal) => resolve(statusOf(code, signal)));
    proc.once('error', (e) => {
      launched.failed = e;
      resolve(255);
    });
  });
  proc.stdin!.on('error', () => {});
  return launched;
}

// Starts the next run's shim; the engine calls it once a run has answered
// (docs/logs.md, "Start-up"): spawning it forks the whole helper, which on
// a loaded machine took ms that were the run's own.
export function prepareShim({ node, script }: { node: string; script: string }): void {
  if (spare) return;
  const s = { ...launch(node, script), key: `${node}\0${script}` };
  // a spare keeps nothing of the helper's alive
  s.proc.unref();
  (s.proc.stdin as Socket | null)?.unref();
  (s.proc.stdout as Socket | null)?.unref();
  void s.exit.then(() => {
    if (spare === s) spare = null;
  });
  spare = s;
}

function takeSpare(key: string): Launched | null {
  const s = spare;
  spare = null;
  if (!s) return null;
  if (s.key === key && s.proc.exitCode === null && s.proc.signalCode === null) {
    (s.proc.stdout as Socket | null)?.ref();
    return s;
  }
  kill(s.proc);
  return null;
}

// The helper stops: a spare no run took ends with it, before the helper does.
export async function dropSpare(): Promise<void> {
  const s = spare;
  spare = null;
  if (!s) return;
  kill(s.proc);
  await s.exit;
}

function kill(p: ChildProcess): void {
  try {
    if (p.pid) process.kill(p.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

// Hands the spec to a started shim and waits for its first line, {"pid":N}
// or {"error":"…"}; `silent`: it ended without a word (never read the spec).
async function handOver(shim: Launched, spec: ShimSpec): Promise<{ pid?: number; error?: string; silent?: boolean }> {
  const { proc } = shim;
  proc.stdin!.end(JSON.stringify(spec));
  let heard = false;
  const hello = await new Promise<{ pid?: number; error?: string; silent?: boolean }>((resolve) => {
    const timer = setTimeout(() => resolve({ error: 'the shim did not start within 60 s' }), 60_000);
    const said = (r: { pid?: number; error?: string }) => {
      clearTimeout(timer);
      first.stop();
      resolve(r);
    };
    const first = new LineFramer(
      64 << 10,
      (line) => {
        try {
          said(JSON.parse(line));
        } catch {
          said({ error: `the shim said: ${line.slice(0, 200)}` });
        }
      },
      () => said({ error: 'the shim said too much without a line end' }),
    );
    proc.stdout!.on('data', (d: Buffer) => {
      heard = true;
      first.push(d);
    });
    // Ended: once its stdout is read to the end (at 'exit' its last line
    // may still be in the pipe), or at once when it never ran. The reason is
    // in the error: a shim whose program does not load (a build replaced
    // while the helper runs) exits 1 before it reads its spec.
    const out = new Promise<void>((r) => (proc.stdout!.closed ? r() : proc.stdout!.once('close', () => r())));
    void shim.exit.then(async (status) => {
      if (!shim.failed) await Promise.race([out, new Promise((r) => setTimeout(r, 2000).unref())]);
      clearTimeout(timer);
      const how = shim.failed ? `could not be started (${shim.failed.message})` : `ended (exit ${status})`;
      resolve({ error: `the shim ${proc.spawnargs[1] ?? ''} ${how} before starting the command`, silent: !heard });
    });
  });
  proc.stdout!.destroy();
  proc.unref();
  if (!hello.pid) kill(proc);
  return hello;
}

let complaints: string | null = null;
// A line in the container's shim.log, once the shim knows its container.
export function complain(message: string): void {
  if (!complaints) return;
  try {
    const fd = openSync(complaints, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `${new Date().toISOString()} berth shim: ${message}\n`);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* nowhere to say it */
  }
}

// The shim's own stty for a resize: a plain child (the helper's spawner and
// execa are the helper's; the shim loads neither, to start fast).
const stty = (args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(program('stty'), args, { env: { ...FIXED_ENV }, timeout: 5000 }, (e) => (e ? reject(e) : resolve())),
  );

// Shim side (`berth shim-internal`, started only by startShim).
export async function runShim(): Promise<number> {
  const spec = JSON.parse(readFileSync(0, 'utf8')) as ShimSpec;
  // its own complaints (it has no terminal, and its stderr is nowhere: it may
  // have been started before its container): appended next to the log
  complaints = `${spec.dir}/shim.log`;
  process.on('uncaughtExceptionMonitor', (e) => complain(`${e.stack ?? e}`));
  // a terminal's signals never reach it (own session); these would end it with the logs unwritten
  for (const s of ['SIGHUP', 'SIGINT', 'SIGPIPE'] as const) process.on(s, () => {});
  const writer = new JsonLogWriter(spec.dir, spec.id, spec.limits);
  const child = spawn(spec.file, spec.args, { detached: true, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd: '/', env: { ...FIXED_ENV } });
  const failed = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (failed || !child.pid) {
    writeSync(1, JSON.stringify({ error: `cannot start: ${failed?.message ?? 'no pid'}` }) + '\n');
    return 1;
  }
  const exit = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(statusOf(code, signal))));
  const output = new OutputFanOut();
  const attach = await listenForAttach(spec, child, spec.stdin ? child.stdin! : null, output);
  writeSync(1, JSON.stringify({ pid: child.pid }) + '\n');
  let idle: NodeJS.Timeout | null = null;
  const open = [child.stdout!, child.stderr!].map((s, i) => {
    const stream = i === 0 ? 'stdout' : 'stderr';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      writer.write(stream, d);
      output.send(stream, d);
      // a prompt without a newline shows up after a moment
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => writer.flush(), spec.tty ? 20 : 200); // a terminal's echo should feel live
    });
    return new Promise<void>((resolve) => s.once('close', () => resolve()));
  });
  const code = await exit;
  attach.close();
  // what the command wrote before it ended; a child it left behind may hold the pipes open
  await Promise.race([Promise.all(open), new Promise((r) => setTimeout(r, 2000))]);
  if (idle) clearTimeout(idle);
  child.stdout!.destroy();
  child.stderr!.destroy();
  writer.close();
  await output.end(2000);
  const rec: ExitRecord = { pid: child.pid, exitCode: code, finishedAt: new Date().toISOString(), error: writer.dropped ? `${writer.dropped} log entries lost (disk full?)` : '' };
  try {
    writeExit(spec.dir, rec);
  } catch {
    /* a full disk: the shim's own exit status carries the code to a helper that is up */
  }
  return code;
}

const REPLAY_MAX = 1 << 20; // the output kept for a "replay" attach: the first MiB
const ATTACHED_BACKLOG_MAX = 4 << 20; // an attached reader this far behind is dropped (the log has it all)

// The command's output to attached readers (run -it, berth attach; docs/exec.md),
// besides the log: no polling, and a terminal's echo is live.
class OutputFanOut {
  private readers = new Set<Socket>();
  // what the command wrote until the first "replay" reader came (run -it attaches at once)
  private kept: { s: string; d: string }[] | null = [];
  private keptBytes = 0;

  send(s: 'stdout' | 'stderr', d: string): void {
    if (this.kept) {
      this.keptBytes += d.length;
      if (this.keptBytes > REPLAY_MAX) this.kept = null;
      else this.kept.push({ s, d });
    }
    for (const r of this.readers) this.write(r, s, d);
  }

  // The last output reaches every attached reader before the shim exits
  // (process.exit drops what a socket has not written yet); bounded, as a
  // reader that stopped reading must not keep the exit record waiting.
  async end(ms: number): Promise<void> {
    const all = [...this.readers].map((r) => new Promise<void>((resolve) => {
      r.once('close', () => resolve());
      r.end();
    }));
    await Promise.race([Promise.all(all), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  add(r: Socket, replay: boolean): void {
    if (this.readers.has(r)) return;
    if (replay && this.kept) for (const k of this.kept.splice(0)) this.write(r, k.s, k.d);
    if (replay) this.kept = null;
    this.readers.add(r);
    r.once('close', () => this.readers.delete(r));
  }

  private write(r: Socket, s: string, d: string): void {
    if (r.writableLength > ATTACHED_BACKLOG_MAX) return void r.destroy();
    r.write(JSON.stringify({ o: Buffer.from(d).toString('base64'), s }) + '\n');
  }
}

// The helper relays a client's input here and reads the output from here (only
// root can reach the socket: the directory is root's, mode 0700).
async function listenForAttach(spec: ShimSpec, child: ChildProcess, stdin: NodeJS.WritableStream | null, output: OutputFanOut) {
  stdin?.on('error', () => {});
  // a socket path longer than 107 bytes is cut short by bind(2): the name is
  // taken relative to the container's directory (the shim's cwd is its own)
  process.chdir(spec.dir);
  try {
    unlinkSync(ATTACH_NAME);
  } catch {
    /* none */
  }
  const server = createServer((sock) => {
    sock.on('error', () => {});
    // the helper's frames, one a line; no frame is 1 MiB long (exec.input carries at most 512 KiB of base64)
    const frames = new LineFramer(1 << 20, onFrame, () => sock.destroy());
    sock.on('data', (d: Buffer) => frames.push(d));
    function onFrame(line: string) {
      let f: { in?: unknown; eof?: unknown; resize?: unknown; out?: unknown };
      try {
        f = JSON.parse(line);
      } catch {
        return;
      }
      if (f.out === 'live' || f.out === 'replay') output.add(sock, f.out === 'replay');
      if (!stdin) return; // started without -i/-t: output only
      // the command reads slowly: the helper's input waits in the socket, not here
      if (typeof f.in === 'string' && !stdin.write(Buffer.from(f.in, 'base64'))) {
        sock.pause();
        stdin.once('drain', () => sock.resume());
      }
      if (f.eof === true) {
        if (spec.tty) stdin.write(Buffer.from([4]));
        else stdin.end();
      }
      const r = f.resize;
      if (spec.tty && Array.isArray(r) && r.length === 2 && r.every((n) => Number.isInteger(n) && n > 0 && n <= 2000))
        void resizePty(child.pid!, r[0] as number, r[1] as number, stty, () => unreaped(child)).catch(() => {});
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ATTACH_NAME, () => resolve());
  });
  return server;
}

// Written whole then renamed, so the helper reads the old record or the new one, never half.
function writeExit(dir: string, rec: ExitRecord): void {
  const tmp = `${exitPath(dir)}.tmp`;
  try {
    unlinkSync(tmp);
  } catch {
    /* none */
  }
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, JSON.stringify(rec) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, exitPath(dir));
}
