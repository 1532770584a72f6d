import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startShim } from './shim';

// startShim against stand-in shims (a Node script in place of shim.mjs):
// what the helper concludes from a shim's first line and its end.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakeShim(body: string): { script: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'berth-shim-'));
  dirs.push(root);
  const script = join(root, 'shim.mjs');
  // reads its spec to EOF like runShim, then does `body`
  writeFileSync(script, `import { readFileSync, writeSync } from 'node:fs';\nreadFileSync(0, 'utf8');\n${body}\n`);
  return { script, dir: join(root, 'c') };
}

const run = (script: string, dir: string) =>
  startShim({
    node: process.execPath, script, dir, id: 'c'.repeat(64),
    netnsPath: null, utsPath: null, argv: ['true'], uid: 0, gid: 0, knownUser: true, env: {}, cwd: '/', etc: null,
  });

// the helper's loop held long enough for a stand-in to start and end
const hold = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

describe('startShim', () => {
  it('a shim that said its pid and ended at once (a command that ended at once) started the command', async () => {
    const { script, dir } = fakeShim(`writeSync(1, JSON.stringify({ pid: process.pid }) + '\\n'); process.exit(0);`);
    for (let i = 0; i < 3; i++) {
      const p = run(script, dir);
      hold(1000); // its line and its end are both waiting when the loop next looks
      const s = await p;
      expect(s.pid).toBeGreaterThan(0);
      expect(await s.exited).toBe(0);
    }
  });

  it('a shim that ended without a word: the error says how it ended', async () => {
    const { script, dir } = fakeShim('process.exit(3);');
    await expect(run(script, dir)).rejects.toThrow(/shim .* ended \(exit 3\) before starting the command/);
  });

  it('a shim program that cannot load (a build being replaced): the error says how it ended', async () => {
    const { script, dir } = fakeShim("await import('./chunks/gone.mjs');");
    await expect(run(script, dir)).rejects.toThrow(/ended \(exit 1\) before starting the command/);
  });
});
