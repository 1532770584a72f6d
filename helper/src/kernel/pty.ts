import { closeSync, constants, fstatSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { program } from './programs';
import type { UserCommand } from './process';

// A command's terminal (exec -t, run -t; kernel/exec-session.ts): the command
// runs under script(1), and the window's size is set with stty. Apart from
// exec-session so the per-container shim (which resizes its run -t command's
// terminal) loads neither execa nor the helper's spawner (docs/logs.md).

// POSIX single quotes: the text is never parsed by the shell.
export const shQuote = (s: string) => `'${s.replace(/'/g, `'"'"'`)}'`;

// The command line script(1) runs (through $SHELL -c): the window's size,
// then the command itself, each word quoted.
export function ptyCommand(argv: string[], cols: number, rows: number, shell: string | undefined): string {
  const keep = shell === undefined ? '' : `SHELL=${shQuote(shell)}; export SHELL; `;
  return `stty rows ${rows} cols ${cols} 2>/dev/null; ${keep}exec ${argv.map(shQuote).join(' ')}`;
}

// The user stage's command, run under script(1) for a terminal (exec -t, run -t).
export function withPty(o: UserCommand, cols: number, rows: number): UserCommand {
  // script runs the line with $SHELL: /bin/sh here; the user's own SHELL is put back for the command
  const env = { ...o.env, SHELL: '/bin/sh' };
  const argv = [program('script'), '--quiet', '--return', '--echo', 'always', '--command', ptyCommand(o.argv, cols, rows, o.env.SHELL), '/dev/null'];
  return { ...o, env, argv };
}

// The session's terminal is the one its command (script's child) has as
// stdin. The child first sets the starting size itself (ptyCommand): a resize
// waits until it has become the command, so that stty cannot undo this one.
// `stty` runs the program with these arguments, the caller's way (the
// helper's spawner, or the shim's own child); `running` says whether the
// caller's child `scriptPid` has not been reaped yet.
//
// The terminal is never named by its number: /dev/pts/N is freed when the
// session's last descriptor closes and the next terminal anyone opens may get
// N, so stty on a number read a moment earlier could resize someone else's
// terminal. The caller opens the command's own stdin through /proc
// (holdTerminal) and stty resizes that descriptor (/proc/CALLER/fd/FD); while
// it is held the number cannot be given to another terminal.
export async function resizePty(scriptPid: number, cols: number, rows: number, stty: (args: string[]) => Promise<unknown>, running: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const fd = holdTerminal(scriptPid, running);
    if (fd === 'ended') return;
    if (fd !== null) {
      try {
        await stty(['-F', `/proc/${process.pid}/fd/${fd}`, 'rows', String(rows), 'cols', String(cols)]);
      } finally {
        closeSync(fd);
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Node reaps a child and sets these in one step: until then its pid is its own.
export const unreaped = (c: { exitCode: number | null; signalCode: NodeJS.Signals | null }) => c.exitCode === null && c.signalCode === null;

// A descriptor of the terminal the session's command has as stdin, or null
// when it has not become the command yet. Synchronous from the check that
// `scriptPid` is unreaped to the last check: the caller reaps its child only
// in the event loop, so meanwhile the pid is script's and its children are
// its own. The terminal opened is the one a child of script still holds after
// the open: the session's, or one the user's own process holds, never one
// found by number.
export function holdTerminal(scriptPid: number, running: () => boolean): number | 'ended' | null {
  if (!running()) return 'ended';
  const kids = childrenOf(scriptPid);
  if (kids === null) return 'ended';
  for (const k of kids) {
    if (readOr(`/proc/${k}/cmdline`, '').includes('\0-c\0stty rows ')) continue; // not yet the command
    if (!/^\/dev\/pts\/\d+$/.test(readlinkOr(`/proc/${k}/fd/0`))) continue; // only a terminal is opened
    let fd: number;
    try {
      // O_NOCTTY: the shim is a session leader and must not take the terminal as its own
      fd = openSync(`/proc/${k}/fd/0`, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch {
      continue; // it ended meanwhile
    }
    if (isPtsSlave(fstatSync(fd).rdev) && childrenOf(scriptPid)?.includes(k)) return fd;
    closeSync(fd);
  }
  return null;
}

// Unix98 pseudo-terminal slaves: majors 136-143 (Linux devices.txt).
const isPtsSlave = (rdev: number) => {
  const major = Math.floor(rdev / 256) & 0xfff;
  return major >= 136 && major <= 143;
};

const childrenOf = (pid: number): string[] | null => {
  const text = readOr(`/proc/${pid}/task/${pid}/children`, null);
  return text === null ? null : text.trim().split(/\s+/).filter(Boolean);
};

function readOr<T>(path: string, none: T): string | T {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return none;
  }
}

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
