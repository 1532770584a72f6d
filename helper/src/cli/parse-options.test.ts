import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { optionsOf } from './args';
import { allCommands } from './commands';
import { parseOptions, type OptionConfig } from './parse-options';

const COMMANDS = await allCommands();

// parseOptions stands in for node:util's parseArgs (args.ts): the same
// values, positionals, error codes and messages, word for word, for every
// verb's options and many command lines made of their flags (long, short,
// clusters, inline and next-word values, values that look like flags, `--`,
// unknown flags).
const outcome = (f: () => { values: object; positionals: string[] }) => {
  try {
    const r = f();
    return { values: { ...r.values }, positionals: r.positionals };
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
};

// a small seeded generator: the same command lines on every run
const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);

describe('parseOptions', () => {
  it("parses every verb's command lines as node:util's parseArgs does", () => {
    let compared = 0;
    const differ: string[] = [];
    for (const cmd of COMMANDS) {
      const options: Record<string, OptionConfig> = {};
      for (const [k, o] of Object.entries(optionsOf(cmd))) options[k] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
      const longs = Object.keys(options);
      const shorts = longs.map((k) => options[k].short).filter((s): s is string => !!s);
      const words = [
        ...longs.flatMap((k) => [`--${k}`, `--${k}=v`, `--${k}=`, `--${k}=-v`]),
        ...shorts.flatMap((s) => [`-${s}`, `-${s}v`, `-${s}-v`, ...shorts.map((t) => `-${s}${t}`), ...shorts.map((t) => `-${s}${t}v`)]),
        'v', 'x y', '-v', '-', '--', '---', '--=x', '--bogus', '--bogus=1', '-Z', '-Zx', '-1', '--__proto__', '--constructor',
      ];
      const next = rng(cmd.name.length * 7919 + 1);
      for (let n = 0; n < 200; n++) {
        const args = Array.from({ length: Math.floor(next() * 6) }, () => words[Math.floor(next() * words.length)]);
        const mine = outcome(() => parseOptions(args, options));
        const node = outcome(() => parseArgs({ args, options, allowPositionals: true, strict: true }));
        if (JSON.stringify(mine) !== JSON.stringify(node)) differ.push(`${cmd.name} ${JSON.stringify(args)}: ${JSON.stringify(mine)} vs ${JSON.stringify(node)}`);
        compared++;
      }
    }
    expect(differ.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(5_000);
  });
});
