import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A `berth` command that sends one request starts a Node process each time:
// what its entry loads before the first line runs is paid per command
//. The engine, zod and execa load only behind dynamic imports,
// by the verbs that need them (helper, shim, ui).
const root = fileURLToPath(new URL('../../..', import.meta.url));

async function staticGraph(entry: string): Promise<Map<string, string | null>> {
  const r = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: 'unused',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const from = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length) {
    const f = queue.shift()!;
    for (const i of r.metafile.inputs[f]?.imports ?? [])
      if (i.kind === 'import-statement' && !from.has(i.path)) {
        from.set(i.path, f);
        queue.push(i.path);
      }
  }
  return from;
}

const chain = (from: Map<string, string | null>, f: string) => {
  const out: string[] = [];
  for (let p: string | null | undefined = f; p; p = from.get(p)) out.push(p);
  return out.join(' <- ');
};

describe('the CLI entry', () => {
  it('loads no engine, zod or execa before a command runs', async () => {
    const g = await staticGraph('helper/src/cli/main.ts');
    const heavy = [...g.keys()].filter((f) => f === 'zod' || f === 'execa' || f.startsWith('helper/src/engine/') || f.startsWith('helper/src/server/'));
    expect(heavy.map((f) => chain(g, f))).toEqual([]);
  });

  // node:crypto (~2.5 ms of CPU) and node:fs/promises (its own module graph,
  // ~1-2 ms) load only where a verb needs them (docs/architecture.md#the-cli-start)
  it('loads no node:crypto or node:fs/promises before a command runs', async () => {
    const g = await staticGraph('helper/src/cli/main.ts');
    const heavy = [...g.keys()].filter((f) => /^(node:)?(crypto|fs\/promises)$/.test(f));
    expect(heavy.map((f) => chain(g, f))).toEqual([]);
  });
});
