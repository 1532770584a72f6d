import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHelper } from '../../helper/src/client/unix-client';
import type { BerthEvent } from '../../src/shared/events';
import { BERTH, TestHost, waitFor } from './harness';

// `berth attach` and the streamed `run -i/-t` (docs/exec.md): the container's
// output comes on the caller's connection as exec.output events (stdout and
// stderr apart), input goes to it; Docker's detach keys and Ctrl-C habits;
// the exit code when it ends. Terminals come from script(1).
describe('attach', () => {
  let h: TestHost;
  const cli = `${process.execPath} ${BERTH}`;
  // under script(1): KEYS typed into a terminal running berth ARGS; the writer keeps the
  // terminal open until script is gone (a write fails), then ends
  // `keys` is typed into the terminal; what the terminal shows is flushed to
  // `screen` as it comes (script -f), so the keys can wait for an output
  const underTerminal = (args: string, keys: string, screen = '/dev/null') =>
    h.sh(['sh', '-c', `(${keys}; while sleep 0.2; do printf ' ' 2>/dev/null || exit 0; done) | script -q -e -f -c "${cli} --socket ${h.socket} ${args}" ${screen}`]);
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper();
  });
  afterAll(async () => {
    await h?.destroy();
  });

  it('stdin in, stdout and stderr apart, the exit code out', async () => {
    await h.berthOk(['run', '-d', '-i', '--name', 'reader', '-w', '/', '--', 'sh', '-c', 'read x; echo "out-$x"; echo "err-$x" >&2; exit 3']);
    const r = await h.berth(['attach', 'reader'], { input: 'hello\n' });
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'out-hello', 'err-hello']);
    expect((await h.inspect('reader')).State.ExitCode).toBe(3);
  });

  it('the output is streamed on the connection: live for attach, from the start for the run that started it', async () => {
    await h.berthOk(['run', '-d', '-i', '--name', 'echoer', '-w', '/', '--', 'sh', '-c', 'echo early; cat']);
    await waitFor(async () => (await h.berthOk(['logs', 'echoer'])) === 'early', 60_000, 'the first line in the log');
    const c = await connectHelper(h.socket);
    try {
      let session = '';
      let out = '';
      c.onEvent((e: BerthEvent) => {
        if (e.type === 'exec.started') session = e.session;
        if (e.type === 'exec.output' && e.session === session) out += Buffer.from(e.data, 'base64').toString();
      });
      const done = c.api['container.attach']({ name: 'echoer', output: 'replay' });
      await waitFor(async () => session !== '', 60_000, 'the attach session to start');
      await c.api['exec.input']({ session, data: Buffer.from('late\n').toString('base64'), eof: true });
      expect((await done).exitCode).toBe(0);
      expect(out).toBe('early\nlate\n');
    } finally {
      c.close();
    }
  });

  it('a container without -i: output only; its input is refused; Ctrl-C is passed on (sig-proxy)', async () => {
    await h.berthOk(['run', '-d', '--name', 'ticker', '-w', '/', '--', 'sh', '-c', 'trap "echo got-int; exit 9" INT; while :; do echo tick; sleep 0.2; done']);
    const c = await connectHelper(h.socket);
    try {
      let session = '';
      c.onEvent((e: BerthEvent) => void (e.type === 'exec.started' && (session = e.session)));
      void c.api['container.attach']({ name: 'ticker' }).catch(() => {});
      await waitFor(async () => session !== '', 60_000, 'the attach session to start');
      await expect(c.api['exec.input']({ session, data: 'eA==', eof: false })).rejects.toThrow(/started without -i or -t/);
    } finally {
      c.close();
    }
    const p = execa(process.execPath, [BERTH, 'attach', 'ticker'], { reject: false, env: { BERTH_SOCKET: h.socket } });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(async () => out.includes('tick'), 60_000, 'attach to show the live output');
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(9);
    expect(String(r.stdout)).toMatch(/tick\n(tick\n)*got-int$/);
  });

  it('run -it detaches with ctrl-p,ctrl-q (the container goes on); attach comes back to it; --rm removes it when it ends', async () => {
    const screen = `${h.dir}/screen`;
    // type a command, wait until its output is on the screen (60 s at most), then the detach keys:
    // keys sent earlier may overtake output still on its way, which a detach leaves unshown
    const t = await underTerminal('run -it --rm --name shell -w / -- sh', `printf 'echo hi-$((6*7))\\n'; i=0; until grep -q hi-42 ${screen} || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done; printf '\\020\\021'`, screen);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(t.stdout).toContain('hi-42');
    expect((await h.inspect('shell')).State.Running).toBe(true);
    const a = await underTerminal('attach shell', `printf 'echo back-$((2+3)); exit 5\\n'`);
    expect(a.code, a.stdout + a.stderr).toBe(5);
    expect(a.stdout).toContain('back-5');
    await waitFor(async () => (await h.berth(['inspect', 'shell'])).code !== 0, 60_000, 'the --rm container to be removed');
  });

  it('attach with --detach-keys prints "read escape sequence" and exits 1, as Docker', async () => {
    await h.berthOk(['run', '-d', '-it', '--name', 'tty', '-w', '/', '--', 'sh']);
    const mark = `${h.dir}/typed2`;
    const t = await underTerminal('attach --detach-keys ctrl-x,x tty', `printf 'touch ${mark}\\n'; until [ -e ${mark} ]; do sleep 0.1; done; printf '\\030x'`);
    expect(t.code, t.stdout + t.stderr).toBe(1);
    expect(t.stdout).toContain('read escape sequence');
    expect((await h.inspect('tty')).State.Running).toBe(true);
    // a tty container's input from a pipe is refused, as Docker's
    const piped = await h.berth(['attach', 'tty'], { input: 'x\n' });
    expect([piped.code, piped.stderr]).toEqual([1, 'Error: the input device is not a TTY']);
    await h.berthOk(['rm', '-f', 'tty']);
  });

  it('bad input: one line each, nothing attached', async () => {
    // its own stopped container: the tests run in any order (test:repeat --shuffle)
    await h.berthOk(['run', '-d', '--name', 'stopped', 'true']);
    await waitFor(async () => (await h.inspect('stopped')).State.Status === 'exited', 60_000, 'the container "stopped" to exit');
    for (const [args, msg] of [
      [['attach', 'nosuch'], /^Error: No such container: nosuch$/],
      [['attach', '--detach-keys', 'ctrl-1', 'stopped'], /^Error: invalid detach keys "ctrl-1"/],
      [['attach', '--sig-proxy', 'maybe', 'stopped'], /^Error: invalid --sig-proxy maybe/],
      [['attach', 'stopped'], /^Error: You cannot attach to a stopped container, start it first$/],
    ] as const) {
      const r = await h.berth([...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });
});
