import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHelper, type BerthClient } from '../../helper/src/client/unix-client';
import type { BerthEvent } from '../../src/shared/events';
import { BERTH, hostPerTest, TestHost, waitFor } from './harness';
import { createOwnerUser, type OwnerUser } from './owner-user';

// `berth exec` (docs/exec.md): in the container's network, hostname and /etc
// files, as its (non-root) user; stdin with -i, a pseudo-terminal with -t
// (the CLI itself under script(1), which gives it a terminal); the streaming
// API a GUI terminal uses; bad input is one line and changes nothing.
describe('exec', () => {
  let h: TestHost;
  let u: OwnerUser;
  beforeAll(async () => {
    u = await createOwnerUser();
  });
  afterAll(async () => u?.remove());
  // a host per test: what one test started (an --rm container the helper
  // removes after the CLI returned) cannot change what another one compares
  hostPerTest(async (host) => {
    h = host;
    await h.startHelper(['--owner', String(u.uid)]);
    await h.berthOk(['network', 'create', '--subnet', '10.77.0.0/24', 'exnet']);
    await h.berthOk(['run', '-d', '--name', 'box', '--network', 'exnet', '--ip', '10.77.0.9', '-h', 'boxhost', '-w', '/', '-e', 'FOO=bar', '--', 'sleep', '600']);
  });

  // `berth ARGS` under script(1), which gives it a terminal of rows x cols, with
  // `typed` (then Enter) as the user's keystrokes. The keystrokes' writer keeps
  // the terminal open until script is gone (a write fails), then ends.
  const inTerminal = (rows: number, cols: number, args: string, typed: string) => {
    const line = `stty rows ${rows} cols ${cols}; ${process.execPath} ${BERTH} --socket ${h.socket} ${args}`;
    const keys = `printf '${typed}\\n'; while sleep 0.2; do printf ' ' 2>/dev/null || exit 0; done`;
    return h.sh(['sh', '-c', `(${keys}) | script -q -e -c "${line}" /dev/null`]);
  };

  // A streaming session (exec or attach) started by `start` on client c: its
  // id once the helper announced it, its output as it comes, and its end.
  async function openSession<T>(c: BerthClient, start: () => Promise<T>) {
    const out: string[] = [];
    let id = '';
    c.onEvent((e: BerthEvent) => {
      if (e.type === 'exec.started') id = e.session;
      if (e.type === 'exec.output') out.push(Buffer.from(e.data, 'base64').toString());
    });
    const done = start();
    await waitFor(async () => id !== '', 60_000, 'the session to start');
    return { id, out, done };
  }

  it("runs in the container's namespaces and /etc files, as its user, with its env and the exit code", async () => {
    const r = await h.berth(['exec', '-e', 'X=1', 'box', 'sh', '-c', 'echo $FOO $X; hostname; id -u; ip -4 -br addr show eth0; grep -c nameserver /etc/resolv.conf; grep boxhost /etc/hosts; pwd']);
    expect(r.code, r.stderr).toBe(0);
    const [env, host, uid, addr, ns, hosts, pwd] = r.stdout.split('\n');
    expect(env).toBe('bar 1');
    expect(host).toBe('boxhost');
    expect(uid).toBe(String(u.uid));
    expect(addr).toMatch(/10\.77\.0\.9\/24/);
    expect(ns).toBe('1');
    expect(hosts).toMatch(/^10\.77\.0\.9\s/);
    expect(pwd).toBe('/');
    expect((await h.berth(['exec', '-w', '/tmp', 'box', 'pwd'])).stdout).toBe('/tmp');
    const e = await h.berth(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 42']);
    expect([e.code, e.stdout, e.stderr]).toEqual([42, 'out', 'err']);
  });

  it('-i passes stdin through to its end', async () => {
    const r = await h.berth(['exec', '-i', 'box', 'sh', '-c', 'wc -l; cat'], { input: 'one\ntwo\nthree\n' });
    expect(r.stdout).toBe('3');
    // without -i the command's stdin is empty
    expect((await h.berth(['exec', 'box', 'cat'], { input: 'ignored\n' })).stdout).toBe('');
  });

  it('-it gives the command a terminal of the caller\'s size; its exit code comes back', async () => {
    const r = await inTerminal(33, 111, 'exec -it box sh', 'tty; stty size; exit 3');
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.stdout).toContain('33 111');
  });

  it('the streaming API: session, input, resize, output, exit code (what a GUI terminal uses)', async () => {
    const c = await connectHelper(h.socket);
    try {
      const { id: session, out, done } = await openSession(c, () => c.api['container.exec']({ name: 'box', cmd: ['sh'], interactive: true, tty: true, cols: 80, rows: 24 }));
      await c.api['exec.resize']({ session, cols: 77, rows: 22 });
      await c.api['exec.input']({ session, data: Buffer.from('stty size; echo $TERM\n').toString('base64') });
      await waitFor(async () => out.join('').includes('22 77') && out.join('').includes('xterm'), 60_000, 'the new size and TERM inside');
      await c.api['exec.input']({ session, data: Buffer.from('exit 9\n').toString('base64') });
      expect((await done).exitCode).toBe(9);
      // a finished session takes no more input
      await expect(c.api['exec.input']({ session, data: '' })).rejects.toThrow(/no exec session/);
    } finally {
      c.close();
    }
    // another connection cannot write to a session it did not start
    const a = await connectHelper(h.socket);
    const b = await connectHelper(h.socket);
    try {
      const { id: session, done } = await openSession(a, () => a.api['container.exec']({ name: 'box', cmd: ['cat'], interactive: true }));
      await expect(b.api['exec.input']({ session, data: '', eof: true })).rejects.toThrow(/no exec session/);
      await a.api['exec.input']({ session, data: '', eof: true });
      expect((await done).exitCode).toBe(0);
    } finally {
      a.close();
      b.close();
    }
  });

  it('run -i passes stdin to the container; run -it gives it a terminal; exit codes come back', async () => {
    const r = await h.berth(['run', '-i', '--rm', '-w', '/', '--', 'sh', '-c', 'wc -l'], { input: 'a\nb\nc\n' });
    expect([r.code, r.stdout]).toEqual([0, '3']);
    const t = await inTerminal(20, 90, 'run -it --rm -w / -- sh', 'tty; stty size; exit 4');
    expect(t.code, t.stdout + t.stderr).toBe(4);
    expect(t.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(t.stdout).toContain('20 90');
  });

  it('container.attach feeds a detached -i container; one started without -i refuses input', async () => {
    await h.berthOk(['run', '-d', '-i', '--name', 'catter', '-w', '/', '--', 'cat']);
    const c = await connectHelper(h.socket);
    try {
      const { id: session, done } = await openSession(c, () => c.api['container.attach']({ name: 'catter' }));
      await c.api['exec.input']({ session, data: Buffer.from('hello\n').toString('base64'), eof: true });
      expect((await done).exitCode).toBe(0);
    } finally {
      c.close();
    }
    expect(await h.berthOk(['logs', 'catter'])).toBe('hello');
    const c2 = await connectHelper(h.socket);
    try {
      await expect(c2.api['container.attach']({ name: 'catter' })).rejects.toThrow(/cannot attach to a stopped container/);
    } finally {
      c2.close();
    }
  });

  it('bad input: one line, Docker-like exit codes, nothing changed', async () => {
    await h.berthOk(['run', '-d', '--name', 'stopped', '-w', '/', '--', 'true']);
    await h.berthOk(['wait', 'stopped']);
    const snapshot = async () => [await h.berthOk(['ps', '-a', '-q', '--no-trunc']), (await h.inspect('box')).State, (await h.inspect('stopped')).State];
    const before = await snapshot();
    const cases: [string[], number, RegExp][] = [
      [['exec', 'nosuch', 'true'], 1, /^Error: No such container: nosuch$/],
      [['exec', 'stopped', 'true'], 1, /^Error: container [0-9a-f]{64} is not running$/],
      [['exec', 'box', 'nosuchcmd'], 127, /^Error: exec: "nosuchcmd": executable file not found in \$PATH$/],
      [['exec', '-w', '/nowhere', 'box', 'true'], 1, /^Error: working directory \/nowhere does not exist$/],
      [['exec', '-u', 'root', 'box', 'id'], 1, /^Error: exec as root refused: the helper's owner \(uid \d+\) can run commands only as themselves$/],
      [['exec', '-u', '0', 'box', 'id'], 1, /^Error: exec as 0 refused/],
      [['exec', '-u', `${u.name}:root`, 'box', 'id'], 1, /refused/],
      [['exec', '-u', 'no-such-user-x', 'box', 'id'], 1, /^Error: unable to find user no-such-user-x: no matching entries in passwd file$/],
      [['exec', 'box'], 1, /^Error: "berth exec" requires at least 2 arguments\.$/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await h.berth(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(msg);
    }
    // -u naming the owner is fine
    expect((await h.berth(['exec', '-u', u.name, 'box', 'id', '-u'])).stdout).toBe(String(u.uid));
    expect(await snapshot()).toEqual(before);
  });
});
