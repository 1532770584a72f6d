import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// On Bun the first look at process.stdout or process.stderr builds the
// stream (~4.5 ms of every command's CPU): the CLI's lines go to the
// descriptor itself until a verb makes the stream through io.ts outStream(),
// which also gives it the closed-pipe handling and keeps the lines in order
// (docs/architecture.md#the-cli-start). A direct use elsewhere would make the
// stream behind io.ts's back.
const cli = fileURLToPath(new URL('.', import.meta.url));
const sources = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(d, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(d, e.name)] : [],
  );

describe('the CLI output streams', () => {
  it('are reached through io.ts only', () => {
    const direct = sources(cli)
      .filter((f) => relative(cli, f) !== 'io.ts')
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((l, i) => [`${relative(cli, f)}:${i + 1}`, l] as const))
      .filter(([, l]) => /process\s*\.\s*(stdout|stderr)\b|process\s*\[\s*['"`](stdout|stderr)/.test(l) && !/^\s*\/\//.test(l));
    expect(direct).toEqual([]);
  });
});
