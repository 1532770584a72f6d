import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Spawner } from './spawner';

// A streamed program's stdout is handed from the spawner to the helper
// (spawner-protocol.ts SpawnStdout): every byte must reach the reader, in
// order, however the two processes are scheduled, and the reply must still
// say how the program ended.
const root = fileURLToPath(new URL('../../..', import.meta.url));
let dir = '';
let spawner: Spawner;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-spawner-test-'));
  await build({ absWorkingDir: root, entryPoints: ['helper/src/kernel/spawner-main.ts'], bundle: true, format: 'esm', platform: 'node', outfile: join(dir, 'spawner.mjs'), logLevel: 'silent' });
  spawner = new Spawner(join(dir, 'spawner.mjs'));
});
afterAll(() => {
  spawner?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (file: string, args: string[], signal?: AbortSignal, timeoutMs = 10_000) => {
  let out = '';
  return spawner.run({ file, args, env: {}, timeoutMs }, (c) => (out += c), signal).then((r) => ({ ...r, out }));
};

describe('spawner streaming', () => {
  it('hands every byte of many programs at once to the reader, with their ends', async () => {
    const want = execFileSync('/usr/bin/seq', ['1', '100000']).toString();
    for (let round = 0; round < 3; round++) {
      const rs = await Promise.all(Array.from({ length: 8 }, () => run('/usr/bin/seq', ['1', '100000'])));
      for (const r of rs) {
        expect(r.exitCode).toBe(0);
        expect(r.out.length).toBe(want.length);
        expect(r.out === want).toBe(true);
      }
    }
    const r = await run('/bin/sh', ['-c', 'printf out; echo err >&2; exit 3']);
    expect([r.out, r.stderr, r.exitCode]).toEqual(['out', 'err\n', 3]);
    const missing = await run('/nonexistent/program', []);
    expect(missing.exitCode).toBe(-1);
    expect(missing.error).toMatch(/ENOENT/);
  });

  it('kills a program whose reader went away, and one that runs past its time', async () => {
    const stop = new AbortController();
    let n = 0;
    const r = await spawner.run({ file: '/usr/bin/seq', args: ['1', '1000000000'], env: {}, timeoutMs: 10_000 }, () => void (++n === 2 && stop.abort()), stop.signal);
    expect(r.exitCode).not.toBe(0); // killed, or its write failed once nobody read
    const slow = await run('/bin/sleep', ['30'], undefined, 200);
    expect(slow.timedOut).toBe(true);
  });
});
