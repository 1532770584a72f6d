import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTail, tailLines } from './log-tail';

describe('readTail', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const file = async (text: string) => {
    const d = await mkdtemp(join(tmpdir(), 'berth-tail-'));
    dirs.push(d);
    await writeFile(join(d, 'log'), text);
    return open(join(d, 'log'), 'r');
  };

  it('gives what tailLines gives on the whole text, across chunk boundaries', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
    for (const text of [lines.join('\n') + '\n', lines.join('\n') + '\nunfinished', '', '\n\n', 'one']) {
      const fh = await file(text);
      const size = (await fh.stat()).size;
      for (const tail of [0, 1, 2, 10, 5000, 29_999, 30_000, 40_000, undefined])
        expect(await readTail(fh, size, tail)).toBe(tailLines(text, tail));
      await fh.close();
    }
  });

  it('reads only the end of a large log for a small tail', async () => {
    const text = 'y\n'.repeat(4 * 1024 * 1024);
    const fh = await file(text);
    let read = 0;
    const spy = { read: (b: Buffer, o: number, n: number, p: number) => ((read += n), fh.read(b, o, n, p)) };
    expect(await readTail(spy as never, text.length, 3)).toBe('y\ny\ny\n');
    expect(read).toBeLessThanOrEqual(64 * 1024);
    await fh.close();
  });
});
