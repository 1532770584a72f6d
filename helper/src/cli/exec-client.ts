import type { ExecParams } from '../../../src/shared/container';
import type { BerthClient } from '../client/unix-client';
import { outStream, writeOut } from './io';

// The client side of `berth exec`, `run -i/-t` and `berth attach`
// (docs/exec.md): output events to stdout and stderr, stdin to exec.input,
// the terminal's size to exec.resize. With -t on a terminal, the local
// terminal is raw while the session lasts, so keys (^C included) go to the
// container's terminal, as with docker exec -it.
export function execSession(c: BerthClient, p: ExecParams): Promise<number> {
  // no detach keys: the session ends only with its command
  return withSession(c, { interactive: p.interactive === true, tty: p.tty === true }, async () =>
    (await c.api['container.exec']({ ...p, cols: outStream('stdout').columns || 80, rows: outStream('stdout').rows || 24 })).exitCode,
  ) as Promise<number>;
}

export interface AttachOptions {
  interactive: boolean; // pass stdin on
  tty: boolean; // the container has a terminal: the local one goes raw
  output: 'live' | 'replay'; // replay: the output since it started (the run that just started it)
  detachKeys: number[]; // raw mode only: this key sequence leaves the container running
}

// run -i/-t and `berth attach`: the container's output streamed on this
// connection, input to it; the exit code when it ends, or 'detached'.
export function attachSession(c: BerthClient, id: string, o: AttachOptions): Promise<number | 'detached'> {
  return withSession(c, o, async () => (await c.api['container.attach']({ name: id, output: o.output })).exitCode);
}

// Docker's --detach-keys: "ctrl-p,ctrl-q" (the default), letters and ctrl-@ … ctrl-_.
export function parseDetachKeys(v: string): number[] {
  const keys = v.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/i.exec(k);
    if (m) return m[1].toUpperCase().charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new Error(`invalid detach keys "${v}": want a comma-separated list of ctrl-X or single characters, e.g. ctrl-p,ctrl-q`);
  });
  if (!keys.length) throw new Error('invalid detach keys: empty');
  return keys;
}

// Holds back a prefix of the detach sequence; a key that breaks it lets the held keys through.
export function detachFilter(seq: number[]): (d: Buffer) => { pass: Buffer; detach: boolean } {
  let held = 0;
  return (d) => {
    const out: number[] = [];
    for (const b of d) {
      if (b === seq[held]) {
        if (++held === seq.length) return { pass: Buffer.from(out), detach: true };
        continue;
      }
      out.push(...seq.slice(0, held));
      held = 0;
      if (b === seq[0]) held = 1;
      else out.push(b);
    }
    return { pass: Buffer.from(out), detach: false };
  };
}

async function withSession<T extends number>(
  c: BerthClient,
  p: { interactive: boolean; tty: boolean; detachKeys?: number[] },
  call: () => Promise<T>,
): Promise<T | 'detached'> {
  const stdin = process.stdin;
  const raw = p.tty === true && stdin.isTTY === true;
  if (p.tty && p.interactive && !stdin.isTTY) throw new Error('the input device is not a TTY');
  let session: string | null = null;
  const pending: { data: string; eof: boolean }[] = [];
  let chain = Promise.resolve();
  let detach!: () => void;
  const detached = new Promise<'detached'>((resolve) => (detach = () => resolve('detached')));
  const filter = raw && p.detachKeys?.length ? detachFilter(p.detachKeys) : null;
  const send = (data: string, eof: boolean) => {
    if (!session) return void pending.push({ data, eof });
    // not awaited one by one: the connection keeps their order, the helper applies them in it
    void c.api['exec.input']({ session, data, eof }).catch(() => {});
  };
  c.onEvent((e) => {
    if (e.type === 'exec.started' && session === null) {
      session = e.session;
      for (const x of pending.splice(0)) send(x.data, x.eof);
      if (raw) void c.api['exec.resize']({ session, cols: outStream('stdout').columns || 80, rows: outStream('stdout').rows || 24 }).catch(() => {});
    } else if (e.type === 'exec.output' && e.session === session) {
      const b = Buffer.from(e.data, 'base64');
      chain = chain.then(() => writeOut(b, e.stream === 'stderr' ? 'stderr' : 'stdout'));
    }
  });
  const onData = (d: Buffer) => {
    if (!filter) return send(d.toString('base64'), false);
    const f = filter(d);
    if (f.pass.length) send(f.pass.toString('base64'), false);
    if (f.detach) detach();
  };
  const onEnd = () => send('', true);
  const onResize = () => session && void c.api['exec.resize']({ session, cols: outStream('stdout').columns, rows: outStream('stdout').rows }).catch(() => {});
  if (p.interactive) {
    if (raw) stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  }
  if (raw) outStream('stdout').on('resize', onResize);
  try {
    const r = await Promise.race([call(), detached]);
    await chain;
    return r;
  } finally {
    if (p.interactive) {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
    }
    outStream('stdout').off('resize', onResize);
  }
}
