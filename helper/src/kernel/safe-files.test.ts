import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeNsFiles } from './ns-files';
import { createFresh, createMountTarget, ensureSafeDir } from './safe-files';

const base = mkdtempSync(join(tmpdir(), 'berth-safe-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const me = process.getuid?.() ?? 0;
const rule = (leafSticky: boolean) => ({ trusted: [me], leafSticky, what: 'test directory' });

describe('ensureSafeDir', () => {
  it('creates a missing directory with the given mode', () => {
    const d = join(base, 'new', 'deeper');
    ensureSafeDir(d, rule(false), 0o700);
    expect(lstatSync(d).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory others can write, unless sticky where allowed', () => {
    const d = join(base, 'open');
    mkdirSync(d);
    chmodSync(d, 0o777);
    expect(() => ensureSafeDir(d, rule(true))).toThrow(/refusing test directory .*writable by group or others \(mode 777\)/);
    chmodSync(d, 0o1777);
    expect(() => ensureSafeDir(d, rule(true))).not.toThrow();
    expect(() => ensureSafeDir(d, rule(false))).toThrow(/writable by group or others/);
    // below a sticky directory is fine: nobody can rename what root made there
    expect(() => ensureSafeDir(join(d, 'mine'), rule(false))).not.toThrow();
  });

  it('refuses a symlink on the way', () => {
    const real = join(base, 'real');
    mkdirSync(real);
    symlinkSync(real, join(base, 'link'));
    expect(() => ensureSafeDir(join(base, 'link', 'x'), rule(false))).toThrow(/is a symbolic link/);
  });

  it.skipIf(me !== 0)('refuses a directory of another user', () => {
    const d = join(base, 'theirs');
    mkdirSync(d, { mode: 0o755 });
    chownSync(d, 4242, 4242);
    expect(() => ensureSafeDir(join(d, 'sub'), rule(false))).toThrow(/theirs belongs to uid 4242/);
  });
});

describe('createFresh', () => {
  it('replaces a planted symlink instead of writing through it', () => {
    const victim = join(base, 'victim');
    writeFileSync(victim, 'precious');
    const p = join(base, 'token');
    symlinkSync(victim, p);
    createFresh(p, 'secret\n', { mode: 0o600 });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(p).isFile()).toBe(true);
    expect(lstatSync(p).mode & 0o777).toBe(0o600);
    expect(readFileSync(p, 'utf8')).toBe('secret\n');
  });
});

describe('createMountTarget (a namespace file to bind-mount over)', () => {
  it('makes an empty file of mode 0, exclusively', () => {
    const d = join(base, 'ns-new');
    const p = join(d, 'berth-1');
    createMountTarget(p, rule(false), 0o700);
    expect(lstatSync(d).mode & 0o777).toBe(0o700);
    expect(lstatSync(p).isFile()).toBe(true);
    expect(lstatSync(p).mode & 0o777).toBe(0);
    expect(() => createMountTarget(p, rule(false), 0o700)).toThrow(`cannot create ${p}: it exists already`);
  });

  it('refuses a planted symlink in one line, writes nothing through it and leaves it as it is', () => {
    const d = join(base, 'ns-planted');
    mkdirSync(d, { mode: 0o700 });
    const victim = join(base, 'ns-victim');
    writeFileSync(victim, 'precious');
    const p = join(d, 'berth-2');
    symlinkSync(victim, p);
    let msg = '';
    try {
      createMountTarget(p, rule(false), 0o700);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe(`cannot create ${p}: a symbolic link is there (the helper runs as root and never follows one; it is left as it is)`);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(victim).mode & 0o777).not.toBe(0);
    expect(lstatSync(p).isSymbolicLink()).toBe(true);
  });

  it('refuses a directory others can write (a symlink could be swapped in after the check)', () => {
    const d = join(base, 'ns-open');
    mkdirSync(d);
    chmodSync(d, 0o777);
    expect(() => createMountTarget(join(d, 'berth-3'), rule(false), 0o700)).toThrow(/writable by group or others \(mode 777\)/);
    expect(() => lstatSync(join(d, 'berth-3'))).toThrow(/ENOENT/);
  });
});

describe('removeNsFiles', () => {
  it('unlinks a planted symlink without unmounting or touching what it points at', async () => {
    const victim = join(base, 'rm-victim');
    writeFileSync(victim, 'precious');
    const p = join(base, 'rm-link');
    symlinkSync(victim, p);
    await removeNsFiles([p, join(base, 'rm-missing')]); // no umount: nothing there is a file of root's
    expect(() => lstatSync(p)).toThrow(/ENOENT/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('refuses a directory in place of a namespace file', async () => {
    const d = join(base, 'rm-dir');
    mkdirSync(d);
    await expect(removeNsFiles([d])).rejects.toThrow(`refusing to remove ${d}: it is not a namespace file of root's`);
  });
});
