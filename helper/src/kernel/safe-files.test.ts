import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFresh, ensureSafeDir } from './safe-files';

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
