import { parseArgs, type ParseArgsConfig } from 'node:util';
import { invalid } from '../../../src/shared/errors';
import type { ParsedArgs } from './command';

type Options = NonNullable<ParseArgsConfig['options']>;

// Options come before positionals for verbs that take a command line
// (`berth run -d --name x sleep 10`), so scanning stops at the first
// positional or at `--`; everything after is `rest`.
export function parseCommandArgs(options: Options, argv: string[], stopAtPositional: boolean): ParsedArgs {
  let cut = argv.length;
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') {
      cut = i;
      rest = argv.slice(i + 1);
      break;
    }
    if (t.startsWith('--')) {
      const name = t.slice(2).split('=')[0];
      if (options[name]?.type === 'string' && !t.includes('=')) i++;
    } else if (t.startsWith('-') && t.length > 1) {
      const last = t[t.length - 1];
      const opt = Object.values(options).find((o) => o.short === last);
      if (opt?.type === 'string' && t.length === 2) i++;
      else if (t.length > 2 && Object.values(options).find((o) => o.short === t[1])?.type === 'string') continue;
    } else if (stopAtPositional) {
      cut = i;
      rest = argv.slice(i);
      break;
    }
  }
  try {
    const r = parseArgs({ args: argv.slice(0, cut), options, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs['values'], positionals: r.positionals, rest };
  } catch (e) {
    throw invalid((e as Error).message.replace(/^.*?: /, '').replace(/\. To specify a positional.*$/, ''));
  }
}

// `k=v` pairs from repeated flags (--label, --aux-address, -o).
export function keyValues(list: unknown, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (list as string[] | undefined) ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw invalid(`invalid ${flag} ${JSON.stringify(kv)}: want KEY=VALUE`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
