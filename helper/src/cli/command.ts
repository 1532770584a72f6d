import type { BerthClient } from '../client/unix-client';
import { tableLine, tableWidths } from '../../../src/shared/text-table';

// One CLI verb, declared once: cli/dispatch.ts parses argv with it, cli/help.ts
// prints its help from it. Areas export arrays of these (cli/commands/*.ts).
export interface Command {
  name: string; // words after `berth`, e.g. 'network create' or 'nat ls'
  summary: string; // one line for `berth --help` and the verb's help
  args?: string; // what follows [OPTIONS] in the usage line, e.g. 'CONTAINER [CONTAINER...]'
  options?: Record<string, OptionSpec>; // keyed by long name
  examples: string[]; // shown under "Examples:", each a full command line
  // options stop at the first positional: the rest is a command line (`run`)
  commandLine?: boolean;
  // another name of this verb (`container ls` of `ps`): its help names them all; exit codes follow it
  aliasOf?: string;
  hidden?: boolean; // accepted, not listed in its group's help (`container list`)
  run(ctx: CliContext, args: ParsedArgs): Promise<number>; // exit code
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  value?: string; // the value's name in help (`--filter filter`); default 'string'
  description: string;
  hidden?: boolean; // accepted, not shown (aliases such as --net)
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  rest: string[]; // after `--`, or the command line of a `commandLine` verb
}

export interface CliContext {
  client(): Promise<BerthClient>; // connects on first use (socket from --socket / BERTH_SOCKET)
  out(line: string): void;
  err(line: string): void;
  socketPath: string;
  stdinIsTTY(): Promise<boolean>; // loads node:tty only when asked (a prompt)
  readLine(prompt: string): Promise<string | null>; // null: stdin ended
}

// Options every verb takes.
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  socket: { type: 'string', value: 'path', description: "The helper's socket (default $BERTH_SOCKET, else /run/berth/berth.sock)" },
};

// A usage mistake (unknown flag, missing argument): Docker prints it with a
// pointer to the verb's help. Docker exits 125 for flag errors and 1 for a
// wrong number of arguments; `run` always 125 ("the CLI failed, not the command").
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

// Fixed-width columns, like docker's table output.
export function table(headers: string[], rows: string[][]): string {
  const widths = tableWidths(headers, rows);
  return [tableLine(headers, widths), ...rows.map((r) => tableLine(r, widths))].join('\n');
}
