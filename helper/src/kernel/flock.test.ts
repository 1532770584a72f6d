import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tryLock } from './flock';

const dir = mkdtempSync(join(tmpdir(), 'berth-flock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tryLock', () => {
  it('holds the lock until released and names the holder to the next one', () => {
    const p = join(dir, 'a.lock');
    const first = tryLock(p, 'pid 1 data /x');
    expect('lock' in first).toBe(true);
    const second = tryLock(p, 'pid 2');
    expect(second).toEqual({ heldBy: 'pid 1 data /x' });
    if ('lock' in first) first.lock.release();
    expect(existsSync(p)).toBe(false);
    const third = tryLock(p, 'pid 3');
    expect('lock' in third).toBe(true);
    if ('lock' in third) third.lock.release();
  });

  it('a lock file naming a live PID that holds no lock does not block (a reused PID)', () => {
    const p = join(dir, 'stale.lock');
    writeFileSync(p, `pid ${process.pid}\n`); // alive, but holds nothing
    const r = tryLock(p, 'me');
    expect('lock' in r).toBe(true);
    expect(readFileSync(p, 'utf8')).toBe('me');
    if ('lock' in r) r.lock.release();
  });

  it('another process holding the lock blocks, and its death frees it', async () => {
    const p = join(dir, 'b.lock');
    writeFileSync(p, 'other');
    // the shell takes the lock on fd 9, says so, and becomes `sleep`, which keeps fd 9
    const child = spawn('sh', ['-c', 'exec 9>>"$1"; flock -x 9; echo locked; exec sleep 30', 'sh', p], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => child.stdout.once('data', r));
    expect(tryLock(p, 'me')).toEqual({ heldBy: 'other' });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const r = tryLock(p, 'me');
    expect('lock' in r).toBe(true);
    if ('lock' in r) r.lock.release();
  });
});
