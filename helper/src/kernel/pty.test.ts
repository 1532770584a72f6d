import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { program } from './programs';
import { resizePty, unreaped } from './pty';

// A session's terminal is resized through a descriptor of the command's own
// stdin, never by its /dev/pts number: a number is given to the next
// terminal opened once the session's last descriptor closes
// (docs/decisions.md, "Root boundary").
const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) kill(c);
});

const stty = (args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(program('stty'), args, { env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' }, timeout: 5000 }, (e, out) => (e ? reject(e) : resolve(out.trim()))),
  );

// script(1) with a command that waits, as exec -t runs one: its child has the terminal as stdin
function session(): ChildProcess {
  const c = spawn(program('script'), ['--quiet', '--command', 'exec sleep 60', '/dev/null'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: { SHELL: '/bin/sh', PATH: '/usr/bin:/bin' } });
  started.push(c);
  return c;
}

const kids = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
};

// The command's pid and its terminal's name, once script has started it.
async function commandOf(c: ChildProcess): Promise<{ pid: string; pts: string }> {
  for (;;) {
    for (const k of kids(c.pid!)) {
      const pts = (() => {
        try {
          return readlinkSync(`/proc/${k}/fd/0`);
        } catch {
          return '';
        }
      })();
      if (pts.startsWith('/dev/pts/') && readFileSync(`/proc/${k}/cmdline`, 'utf8').startsWith('sleep')) return { pid: k, pts };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function kill(c: ChildProcess): void {
  for (const k of kids(c.pid!)) {
    try {
      process.kill(Number(k), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  try {
    process.kill(c.pid!, 'SIGKILL');
  } catch {
    /* gone */
  }
}

// gone, or a zombie: either way it holds no descriptor
async function gone(pid: string): Promise<void> {
  for (;;) {
    try {
      if (/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ended = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));

describe('resizePty', () => {
  it("resizes the session's terminal", async () => {
    const a = session();
    const cmd = await commandOf(a);
    await resizePty(a.pid!, 77, 33, stty, () => unreaped(a));
    expect(await stty(['-F', `/proc/${cmd.pid}/fd/0`, 'size'])).toBe('33 77');
  });

  it('never resizes a terminal that took the number of a session that ended before stty ran', async () => {
    const a = session();
    const aCmd = await commandOf(a);
    let b: { pid: string; pts: string } | null = null;
    await resizePty(a.pid!, 77, 33, async (args) => {
      // between finding the terminal and stty: the session ends, and a new terminal is opened
      kill(a);
      await ended(a);
      await gone(aCmd.pid);
      const other = session();
      b = await commandOf(other);
      await stty(args).catch(() => {}); // the session's own terminal is hung up: stty may fail
    }, () => unreaped(a));
    expect(b!.pts).not.toBe(aCmd.pts); // the number stayed taken while it was resized
    expect(await stty(['-F', `/proc/${b!.pid}/fd/0`, 'size'])).toBe('0 0');
  });

  it('does nothing once the session was reaped', async () => {
    const a = session();
    await commandOf(a);
    kill(a);
    await ended(a);
    let ran = false;
    await resizePty(a.pid!, 77, 33, async () => void (ran = true), () => unreaped(a));
    expect(ran).toBe(false);
  });
});
