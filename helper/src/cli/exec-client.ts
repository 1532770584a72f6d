import type { ExecParams } from '../../../src/shared/container';
import type { BerthClient } from '../client/unix-client';
import { writeOut } from './io';

// The client side of `berth exec` (docs/exec.md): output events to stdout and
// stderr, stdin to exec.input, the terminal's size to exec.resize. With -t on
// a terminal, the local terminal is raw while the session lasts, so keys (^C
// included) go to the container's terminal, as with docker exec -it.
export function execSession(c: BerthClient, p: ExecParams): Promise<number> {
  return withInput(c, { interactive: p.interactive === true, tty: p.tty === true }, async () =>
    (await c.api['container.exec']({ ...p, cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 })).exitCode,
  );
}

// run -i/-t: the same input path to an attached container (container.attach);
// its output comes from the log (the caller follows it).
export function attachInput(c: BerthClient, id: string, o: { interactive: boolean; tty: boolean }): Promise<number> {
  return withInput(c, o, async () => (await c.api['container.attach']({ name: id })).exitCode);
}

async function withInput(c: BerthClient, p: { interactive: boolean; tty: boolean }, call: () => Promise<number>): Promise<number> {
  const stdin = process.stdin;
  const raw = p.tty === true && stdin.isTTY === true;
  if (p.tty && p.interactive && !stdin.isTTY) throw new Error('the input device is not a TTY');
  let session: string | null = null;
  const pending: { data: string; eof: boolean }[] = [];
  let chain = Promise.resolve();
  const send = (data: string, eof: boolean) => {
    if (!session) return void pending.push({ data, eof });
    // not awaited one by one: the connection keeps their order, the helper applies them in it
    void c.api['exec.input']({ session, data, eof }).catch(() => {});
  };
  c.onEvent((e) => {
    if (e.type === 'exec.started' && session === null) {
      session = e.session;
      for (const x of pending.splice(0)) send(x.data, x.eof);
      if (raw) void c.api['exec.resize']({ session, cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 }).catch(() => {});
    } else if (e.type === 'exec.output' && e.session === session) {
      const b = Buffer.from(e.data, 'base64');
      chain = chain.then(() => writeOut(b, e.stream === 'stderr' ? process.stderr : process.stdout));
    }
  });
  const onData = (d: Buffer) => send(d.toString('base64'), false);
  const onEnd = () => send('', true);
  const onResize = () => session && void c.api['exec.resize']({ session, cols: process.stdout.columns, rows: process.stdout.rows }).catch(() => {});
  if (p.interactive) {
    if (raw) stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  }
  if (raw) process.stdout.on('resize', onResize);
  try {
    const exitCode = await call();
    await chain;
    return exitCode;
  } finally {
    if (p.interactive) {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
    }
    process.stdout.off('resize', onResize);
  }
}
