import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ExecParams } from '../../../src/shared/container';
import { conflict, invalid, notFound } from '../../../src/shared/errors';
import { LineFramer } from '../../../src/shared/rpc-frames';
import { connectToShim, isUp } from '../engine/containers';
import { findContainer } from '../engine/engine';
import { execIn, writeWithRoom, type ExecProcess } from '../engine/exec';
import type { Engine } from '../engine/engine';
import type { CallContext } from './rpc-server';

// Running `exec` sessions, each bound to the connection that started it: only
// that connection gets its output and may send it input (docs/exec.md).
const sessions = new Map<string, { proc: ExecProcess; ctx: CallContext }>();

export async function runExec(eng: Engine, p: z.output<typeof ExecParams>, ctx: CallContext): Promise<{ exitCode: number }> {
  const proc = await execIn(eng, p);
  const session = randomBytes(16).toString('hex');
  sessions.set(session, { proc, ctx });
  ctx.notify({ type: 'exec.started', session, container: p.name });
  proc.onOutput((stream, data) => {
    ctx.notify({ type: 'exec.output', session, stream, data: data.toString('base64') });
    // a client that reads slowly (a pipe into a slow program) slows the command, as a pipe would
    proc.pause();
    void ctx.drained().then(() => proc.resume());
  });
  // the client went away: stdin ends, a terminal hangs up (SIGHUP), as when a terminal closes
  void ctx.closed.then(() => {
    if (p.tty) proc.hangup();
    else proc.end();
  });
  try {
    const exitCode = await proc.exited;
    return { exitCode };
  } finally {
    sessions.delete(session);
  }
}

// run -i/-t and `berth attach`: input frames to the container's shim over its
// attach socket, its output back as exec.output events (live; "replay" first
// sends what it wrote since it started, for the run that just started it);
// resolves with the exit code once the container ended and its output was sent.
export async function runAttach(eng: Engine, p: { name: string; output: 'live' | 'replay' }, ctx: CallContext, exited: (id: string) => Promise<number>): Promise<{ exitCode: number }> {
  const c = findContainer(eng.state, p.name);
  if (!isUp(c)) throw conflict(`You cannot attach to a stopped container, start it first`);
  const sock = await connectToShim(eng, c.id).catch((e: Error) => {
    // a container started before the shim listened for every run (no socket)
    throw conflict(`cannot attach to ${c.name}: ${e.message}`);
  });
  sock.on('error', () => {});
  const frame = (f: object) => writeWithRoom(sock, JSON.stringify(f) + '\n');
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  const session = randomBytes(16).toString('hex');
  ctx.notify({ type: 'exec.started', session, container: c.id });
  // the shim's frames, one a line (kernel/shim.ts); no frame is 8 MiB long
  const frames = new LineFramer(
    8 << 20,
    (line) => {
      try {
        const f = JSON.parse(line) as { o?: unknown; s?: unknown };
        if (typeof f.o === 'string') ctx.notify({ type: 'exec.output', session, stream: f.s === 'stderr' ? 'stderr' : 'stdout', data: f.o });
      } catch {
        /* not a frame */
      }
    },
    () => sock.destroy(),
  );
  sock.on('data', (d: Buffer) => {
    frames.push(d);
    // a client that reads slowly leaves the output in the shim, which drops a reader far behind
    sock.pause();
    void ctx.drained().then(() => sock.resume());
  });
  void frame({ out: p.output });
  const done = exited(c.id);
  const noInput = () => {
    throw invalid(`container ${c.name} was started without -i or -t: it has no input to attach to`);
  };
  const proc: ExecProcess = {
    pid: c.state.pid,
    write: (d) => (c.stdin ? frame({ in: d.toString('base64') }) : noInput()),
    end: () => void (c.stdin ? frame({ eof: true }) : undefined),
    onOutput: () => {}, // relayed above
    pause: () => sock.pause(),
    resume: () => sock.resume(),
    resize: (cols, rows) => frame({ resize: [cols, rows] }),
    hangup: () => sock.end(), // leaving an attached container leaves it running, as Docker's detach
    exited: done,
  };
  sessions.set(session, { proc, ctx });
  void ctx.closed.then(() => proc.hangup());
  try {
    // a caller that left gets no answer; the session is dropped either way
    const exitCode = await Promise.race([done, ctx.closed.then(() => -1)]);
    // the shim closes the socket when it ends, after the last output: all of it is sent first
    await Promise.race([closed, ctx.closed, new Promise((r) => setTimeout(r, 3000))]);
    return { exitCode };
  } finally {
    sessions.delete(session);
    sock.end();
  }
}

function sessionOf(id: string, ctx: CallContext): ExecProcess {
  const s = sessions.get(id);
  // another connection's session is as good as none
  if (!s || s.ctx.closed !== ctx.closed) throw notFound(`no exec session ${id} on this connection`);
  return s.proc;
}

// Answered once the input is taken: a client sends its next input after the
// answer, so a command that does not read holds back the client, not the helper.
export async function execInput(p: { session: string; data: string; eof: boolean }, ctx: CallContext): Promise<{ ok: true }> {
  const proc = sessionOf(p.session, ctx);
  if (p.data) await proc.write(Buffer.from(p.data, 'base64'));
  if (p.eof) proc.end();
  return { ok: true };
}

export async function execResize(p: { session: string; cols: number; rows: number }, ctx: CallContext): Promise<{ ok: true }> {
  await sessionOf(p.session, ctx).resize(p.cols, p.rows);
  return { ok: true };
}
