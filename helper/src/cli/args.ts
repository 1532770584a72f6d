import { invalid } from '../../../src/shared/errors';
import { GLOBAL_OPTIONS, UsageError, type Command, type OptionSpec, type ParsedArgs } from './command';
import { parseOptions, type OptionConfig } from './parse-options';

// parseOptions, node:util's parseArgs without node:util (parse-options.ts),
// does the parsing (a parser package costs tens of milliseconds on a 100 ms
// start). This file adds what Docker's CLI has and parseArgs lacks:
// -h/--help, options that stop at a command line (`berth run -d --name x
// sleep 10`), flag errors in Docker's words.

// Every option a verb takes: its own, the global ones, and -h/--help unless
// the verb uses -h itself (`run -h HOSTNAME`, as Docker's).
export function optionsOf(cmd: Pick<Command, 'options'>): Record<string, OptionSpec> {
  const own = cmd.options ?? {};
  const hTaken = Object.values(own).some((o) => o.short === 'h');
  return {
    ...own,
    ...GLOBAL_OPTIONS,
    help: { type: 'boolean', ...(hTaken ? {} : { short: 'h' }), description: 'Print usage' },
  };
}

export function parseCommandArgs(cmd: Pick<Command, 'name' | 'options' | 'commandLine'>, argvIn: string[]): ParsedArgs {
  const specs = optionsOf(cmd);
  // Go's flag package takes `--flag=false` for a boolean (docker network create --ipv4=false)
  const falses: string[] = [];
  const argv: string[] = [];
  for (const [i, t] of argvIn.entries()) {
    const m = /^--([\w-]+)=(true|false)$/.exec(t);
    if (t === '--') {
      argv.push(...argvIn.slice(i));
      break;
    }
    if (m && specs[m[1]]?.type === 'boolean') {
      if (m[2] === 'true') argv.push(`--${m[1]}`);
      else falses.push(m[1]);
    } else argv.push(t);
  }
  const options: Record<string, OptionConfig> = {};
  for (const [k, o] of Object.entries(specs))
    options[k] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  const takesValue = (t: string): boolean => {
    if (t.startsWith('--')) return specs[t.slice(2)]?.type === 'string';
    // a short cluster takes a value when its last letter does (`-dp 80`)
    return t.length >= 2 && Object.values(specs).find((o) => o.short === t[t.length - 1])?.type === 'string' &&
      ![...t.slice(1, -1)].some((ch) => Object.values(specs).find((o) => o.short === ch)?.type === 'string');
  };
  let cut = argv.length;
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') {
      cut = i;
      rest = argv.slice(i + 1);
      break;
    }
    if (t.startsWith('-') && t.length > 1) {
      if (!t.includes('=') && takesValue(t)) i++;
    } else if (cmd.commandLine) {
      cut = i;
      rest = argv.slice(i);
      break;
    }
  }
  let r;
  try {
    r = parseOptions(argv.slice(0, cut), options);
  } catch (e) {
    throw new UsageError(flagError(e as Error), 125);
  }
  const values = r.values as ParsedArgs['values'];
  for (const k of falses) if (values[k] === undefined) values[k] = false;
  return { values, positionals: r.positionals, rest };
}

// parseArgs' (parseOptions') messages in Docker's words: "unknown flag: --x", "flag needs an argument: --name".
function flagError(e: Error & { code?: string }): string {
  const m = e.message;
  // "Option '-n, --tail <value>' argument missing" names the long form last
  const opt = /'(?:-\w, )?(-{1,2}[^' ,]+)/.exec(m)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag: ${opt}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/argument missing/.test(m)) return `flag needs an argument: ${opt}`;
    return `flag ${opt} takes no value`;
  }
  return m.replace(/\. To specify a positional.*$/, '');
}

// Docker's arity errors: `"berth rm" requires at least 1 argument.`
export function requireArgs(cmd: Pick<Command, 'name'>, got: string[], min: number, max = Infinity): void {
  const n = got.length;
  if (n >= min && n <= max) return;
  const plural = (k: number) => `${k} argument${k === 1 ? '' : 's'}`;
  const want = min === max ? `exactly ${plural(min)}` : n < min ? `at least ${plural(min)}` : `at most ${plural(max)}`;
  throw new UsageError(`"berth ${cmd.name}" requires ${want}.`);
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

// `-e K=V` as given; `-e K` takes K from the caller's environment and is
// dropped when unset, as Docker's opts.ValidateEnv does.
export function envList(list: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const e of list) {
    if (e.startsWith('=')) throw new UsageError(`invalid environment variable: ${e}`);
    if (e.includes('=')) out.push(e);
    else if (env[e] !== undefined) out.push(`${e}=${env[e]}`);
  }
  return out;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
