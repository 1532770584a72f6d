// node:util's parseArgs as args.ts calls it (strict, positionals allowed, no
// defaults), with the same values, positionals, error codes and messages
// (parse-options.test.ts compares the two over every verb's options). Not
// node:util itself: on Bun that module is built at its first load, ~1.5 ms
// of every command's CPU (docs/architecture.md#the-cli-start).

export interface OptionConfig {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
}

export interface ParsedOptions {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

const parseError = (code: string, message: string) => Object.assign(new TypeError(message), { code });

export function parseOptions(args: string[], options: Record<string, OptionConfig>): ParsedOptions {
  const own = (name: string): OptionConfig | undefined => (Object.prototype.hasOwnProperty.call(options, name) ? options[name] : undefined);
  const longFor = (short: string) => Object.keys(options).find((k) => options[k].short === short) ?? short;
  const values: ParsedOptions['values'] = Object.create(null);
  const positionals: string[] = [];

  // one option as given: rawName as written, value undefined when none came with it
  const option = (name: string, rawName: string, value: string | undefined, inlineValue: boolean) => {
    const o = own(name);
    if (!o) {
      throw parseError('ERR_PARSE_ARGS_UNKNOWN_OPTION', `Unknown option '${rawName}'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- ${JSON.stringify(rawName)}`);
    }
    const shortAndLong = `${o.short ? `-${o.short}, ` : ''}--${name}`;
    if (o.type === 'string' && typeof value !== 'string') throw parseError('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', `Option '${shortAndLong} <value>' argument missing`);
    if (o.type === 'boolean' && value !== undefined) throw parseError('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', `Option '${shortAndLong}' does not take an argument`);
    if (!inlineValue && value !== undefined && value.length > 1 && value[0] === '-') {
      const example = rawName.startsWith('--') ? `'${rawName}=-XYZ'` : `'--${name}=-XYZ' or '${rawName}-XYZ'`;
      throw parseError('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', `Option '${rawName}' argument is ambiguous.\nDid you forget to specify the option argument for '${rawName}'?\nTo specify an option argument starting with a dash use ${example}.`);
    }
    if (name === '__proto__') return;
    const v = value ?? true;
    if (o.multiple) ((values[name] ??= []) as (string | boolean)[]).push(v);
    else values[name] = v;
  };

  const rest = args.slice();
  while (rest.length) {
    const arg = rest.shift()!;
    if (arg === '--') {
      positionals.push(...rest);
      break;
    }
    const short = arg.length >= 2 && arg[0] === '-' && arg[1] !== '-';
    if (short && arg.length === 2) {
      // -f, its value the next word when it takes one
      const name = longFor(arg[1]);
      const value = own(name)?.type === 'string' && rest.length ? rest.shift() : undefined;
      option(name, arg, value, false);
    } else if (short && own(longFor(arg[1]))?.type !== 'string') {
      // -abc: -a -b -c; -abfFILE: -a -b -fFILE (f takes a value)
      const expanded: string[] = [];
      for (let i = 1; i < arg.length; i++) {
        if (own(longFor(arg[i]))?.type !== 'string' || i === arg.length - 1) expanded.push(`-${arg[i]}`);
        else {
          expanded.push(`-${arg.slice(i)}`);
          break;
        }
      }
      rest.unshift(...expanded);
    } else if (short) {
      // -fFILE
      option(longFor(arg[1]), `-${arg[1]}`, arg.slice(2), true);
    } else if (arg.length > 2 && arg.startsWith('--')) {
      const eq = arg.indexOf('=', 3);
      if (eq < 0) {
        // --foo, its value the next word when it takes one
        const name = arg.slice(2);
        const value = own(name)?.type === 'string' && rest.length ? rest.shift() : undefined;
        option(name, arg, value, false);
      } else option(arg.slice(2, eq), `--${arg.slice(2, eq)}`, arg.slice(eq + 1), true);
    } else positionals.push(arg);
  }
  return { values, positionals };
}
