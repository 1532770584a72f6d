import { readFile, readlink } from 'node:fs/promises';
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
// helper's spawner, or the shim's own child).
export async function resizePty(scriptPid: number, cols: number, rows: number, stty: (args: string[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const kids = await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').catch(() => null);
    if (kids === null) return; // the session ended
    for (const k of kids.trim().split(/\s+/).filter(Boolean)) {
      const cmdline = await readFile(`/proc/${k}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('\0-c\0stty rows ')) continue; // not yet the command
      const tty = await readlink(`/proc/${k}/fd/0`).catch(() => '');
      // a name the kernel gave, checked before root opens it
      if (!/^\/dev\/pts\/\d+$/.test(tty)) continue;
      await stty(['-F', tty, 'rows', String(rows), 'cols', String(cols)]);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
