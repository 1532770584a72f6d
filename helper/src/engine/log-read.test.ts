import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLogWriter, currentLog } from '../kernel/json-log';
import { LogFollower, scanLog, type LogQuery } from './log-read';

const ID = 'c'.repeat(64);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'berth-log-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const read = async (dir: string, q: Partial<LogQuery>, maxFile = 3) => {
  const out: string[] = [];
  await scanLog(dir, ID, maxFile, { timestamps: false, ...q }, (s, t) => out.push(`${s}:${t}`));
  return out;
};

describe('json log: capped, rotated, read back', () => {
  it('keeps at most max-file files of max-size bytes whatever is written', async () => {
    const dir = tmp();
    const w = new JsonLogWriter(dir, ID, { maxSize: 4096, maxFile: 3 });
    for (let i = 0; i < 5000; i++) w.write('stdout', `line ${i}\n`);
    w.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual([`${ID}-json.log`, `${ID}-json.log.1`, `${ID}-json.log.2`]);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(4096);
    // the newest entries survive, in order, across the files
    const all = await read(dir, {});
    expect(all.at(-1)).toBe('stdout:line 4999\n');
    const n = all.map((l) => Number(l.split(' ')[1]));
    expect(n).toEqual(n.map((_, i) => n[0] + i));
    expect(await read(dir, { tail: 2 })).toEqual(['stdout:line 4998\n', 'stdout:line 4999\n']);
  });

  it('keeps the streams apart, writes unfinished lines on flush and cuts long ones', async () => {
    const dir = tmp();
    const w = new JsonLogWriter(dir, ID, { maxSize: 1 << 20, maxFile: 1 });
    w.write('stdout', 'a\nprompt> ');
    w.write('stderr', 'oops\n');
    w.flush();
    w.write('stdout', 'x'.repeat(40_000) + '\n');
    w.close();
    const all = await read(dir, {}, 1);
    expect(all.slice(0, 3)).toEqual(['stdout:a\n', 'stderr:oops\n', 'stdout:prompt> ']);
    expect(all.slice(3).map((l) => l.slice(7)).join('')).toBe('x'.repeat(40_000) + '\n');
  });

  it('filters by --since/--until and prints -t timestamps', async () => {
    const dir = tmp();
    let t = Date.parse('2026-11-30T21:00:00Z');
    const w = new JsonLogWriter(dir, ID, { maxSize: 1 << 20, maxFile: 1 }, () => new Date((t += 1000)).toISOString());
    for (const x of ['a', 'b', 'c', 'd']) w.write('stdout', `${x}\n`);
    w.close();
    const since = Date.parse('2026-11-30T21:00:02Z');
    const until = Date.parse('2026-11-30T21:00:04Z');
    expect(await read(dir, { since, until }, 1)).toEqual(['stdout:b\n', 'stdout:c\n']);
    expect(await read(dir, { since, tail: 1, timestamps: true }, 1)).toEqual(['stdout:2026-11-30T21:00:04.000Z d\n']);
  });

  it('skips a line a full disk cut short', async () => {
    const dir = tmp();
    writeFileSync(currentLog(dir, ID), '{"log":"ok\\n","stream":"stdout","time":"2026-11-30T21:00:00Z"}\n{"log":"cu\n{"log":"ok2\\n","stream":"stderr","time":"2026-11-30T21:00:01Z"}\n');
    expect(await read(dir, {}, 1)).toEqual(['stdout:ok\n', 'stderr:ok2\n']);
  });

  it('follows across a rotation without losing or repeating an entry', async () => {
    const dir = tmp();
    const w = new JsonLogWriter(dir, ID, { maxSize: 2048, maxFile: 2 });
    w.write('stdout', 'first\n');
    const got: string[] = [];
    const f = await LogFollower.start(dir, ID, 2, { timestamps: false }, (_s, t) => got.push(t));
    for (let i = 0; i < 30; i++) {
      w.write('stdout', `n${i}\n`);
      if (i % 7 === 0) await f.poll();
    }
    await f.poll();
    await f.close();
    w.close();
    expect(got).toEqual(['first\n', ...Array.from({ length: 30 }, (_, i) => `n${i}\n`)]);
  });

  it('changed() wakes at the next write, not at its timer; close() ends a wait', async () => {
    const dir = tmp();
    const w = new JsonLogWriter(dir, ID, { maxSize: 2048, maxFile: 2 });
    const got: string[] = [];
    const f = await LogFollower.start(dir, ID, 2, { timestamps: false }, (_s, t) => got.push(t));
    await f.changed(600_000); // the first call returns at once: what start() read may be behind
    const woken = f.changed(600_000);
    w.write('stdout', 'late\n');
    await woken; // a test timeout here means the write did not wake it
    await f.poll();
    expect(got).toEqual(['late\n']);
    const waiting = f.changed(600_000);
    await f.close();
    await waiting;
    w.close();
  });
});
