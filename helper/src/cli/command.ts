import type { ParseArgsConfig } from 'node:util';
import type { BerthClient } from '../client/unix-client';

// One CLI verb. Areas export arrays of these (cli/commands/*.ts) and
// cli/main.ts routes argv to them; flags are node:util parseArgs options.
export interface Command {
  name: string; // words after `berth`, e.g. 'network create' or 'nat ls'
  summary: string; // one line for `berth --help`
  usage: string; // e.g. 'berth network rm NETWORK [NETWORK...]'
  options?: ParseArgsConfig['options'];
  run(ctx: CliContext, args: ParsedArgs): Promise<number>; // exit code
}
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  rest: string[]; // after `--`
}
export interface CliContext {
  client(): Promise<BerthClient>; // connects on first use (socket from --socket / BERTH_SOCKET)
  out(line: string): void;
  err(line: string): void;
  socketPath: string;
}

// Fixed-width columns, like docker's table output.
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
