import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ExecParams } from '../../../src/shared/container';
import { notFound } from '../../../src/shared/errors';
import { execIn, type ExecProcess } from '../engine/exec';
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
  proc.onOutput((stream, data) => ctx.notify({ type: 'exec.output', session, stream, data: data.toString('base64') }));
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

function sessionOf(id: string, ctx: CallContext): ExecProcess {
  const s = sessions.get(id);
  // another connection's session is as good as none
  if (!s || s.ctx !== ctx) throw notFound(`no exec session ${id} on this connection`);
  return s.proc;
}

export function execInput(p: { session: string; data: string; eof: boolean }, ctx: CallContext): { ok: true } {
  const proc = sessionOf(p.session, ctx);
  if (p.data) proc.write(Buffer.from(p.data, 'base64'));
  if (p.eof) proc.end();
  return { ok: true };
}

export async function execResize(p: { session: string; cols: number; rows: number }, ctx: CallContext): Promise<{ ok: true }> {
  await sessionOf(p.session, ctx).resize(p.cols, p.rows);
  return { ok: true };
}
