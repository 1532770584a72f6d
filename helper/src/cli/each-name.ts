import type { BerthClient } from '../client/unix-client';
import { requireArgs } from './args';
import type { CliContext, Command, ParsedArgs } from './command';

// Runs fn for each name; an error is reported and the others still run
// (exit status 1 if any failed), as `docker rm a b` does.
export async function eachName(ctx: CliContext, names: string[], fn: (name: string, c: BerthClient) => Promise<void>): Promise<number> {
  const c = await ctx.client();
  let rc = 0;
  for (const n of names) {
    try {
      await fn(n, c);
    } catch (e) {
      ctx.err(`Error: ${(e as Error).message}`);
      rc = 1;
    }
  }
  return rc;
}

// A verb that takes one or more names and does the same to each, printing a
// line per name (`berth stop a b`, `berth network rm x`). `prepare` reads
// the options once, before anything is sent (a bad option fails the whole
// command), and returns what to do for one name: its result is the line printed.
export function perName(
  cmd: Omit<Command, 'run'>,
  prepare: (a: ParsedArgs) => (c: BerthClient, name: string) => Promise<string>,
): Command {
  return {
    ...cmd,
    async run(ctx, a) {
      requireArgs(this, a.positionals, 1);
      const act = prepare(a);
      return eachName(ctx, a.positionals, async (name, c) => ctx.out(await act(c, name)));
    },
  };
}
