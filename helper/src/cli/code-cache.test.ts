import { chownSync, existsSync, lutimesSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDir, cacheName, readCache, writeCache } from './code-cache';

// Where the CLI keeps its V8 code cache and what it takes for one. Reading
// and writing as a user, and what a bad cache does to a real command:
// launch.test.ts.
const key = { node: 'v20.20.2', arch: 'x64', bundleHash: 'ab'.repeat(32), size: 1000, mtimeMs: 1700000000000.5 };
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('the CLI code cache', () => {
  it('lives in XDG_CACHE_HOME when it is absolute, else in ~/.cache', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe('/x/cache/berth');
    expect(cacheDir({ XDG_CACHE_HOME: 'rel/cache' }, '/home/u')).toBe('/home/u/.cache/berth');
    expect(cacheDir({}, '/home/u')).toBe('/home/u/.cache/berth');
    expect(cacheDir({}, undefined)).toBeNull();
    expect(cacheDir({}, '')).toBeNull();
  });

  it('has one name per Node, bundle and bundle file, of safe characters', () => {
    const n = cacheName(key);
    expect(n).toMatch(/^cli-[A-Za-z0-9._-]+\.v8cache$/);
    expect(cacheName({ ...key, node: 'v22.1.0' })).not.toBe(n);
    expect(cacheName({ ...key, arch: 'arm64' })).not.toBe(n);
    expect(cacheName({ ...key, bundleHash: 'cd'.repeat(32) })).not.toBe(n);
    expect(cacheName({ ...key, size: 1001 })).not.toBe(n);
    expect(cacheName({ ...key, mtimeMs: 1700000000001 })).not.toBe(n);
    expect(cacheName({ ...key, node: '../../etc/x' })).toMatch(/^cli-[A-Za-z0-9._-]+\.v8cache$/);
    expect(cacheName({ ...key, node: '../../etc/x' })).not.toContain('/');
  });

  it('is written in a cache home of the user\'s own, made (0700) only in a directory the user owns', () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-cc-'));
    dirs.push(d);
    const uid = process.getuid?.() ?? 0;
    expect(writeCache(join(d, 'cache/berth'), 'cli-x.v8cache', new Uint8Array([1, 2, 3]), uid)).toBe(true);
    expect(readCache(join(d, 'cache/berth/cli-x.v8cache'), uid)).toEqual(Buffer.from([1, 2, 3]));
    expect((statSync(join(d, 'cache')).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(d, 'cache/berth')).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(d, 'cache/berth/cli-x.v8cache')).mode & 0o777).toString(8)).toBe('600');
    // root with a user's HOME (sudo -E): nothing is made there
    expect(writeCache(join(d, 'cache2/berth'), 'cli-x.v8cache', new Uint8Array([1]), uid + 1)).toBe(false);
    expect(readdirSync(d)).toEqual(['cache']);
  });

  it('is not read from a file another user owns, nor from a missing one', () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-cc-'));
    dirs.push(d);
    writeFileSync(join(d, 'c'), 'x', { mode: 0o600 });
    const other = (process.getuid?.() ?? 0) + 1;
    expect(readCache(join(d, 'c'), other)).toBeUndefined();
    expect(readCache(join(d, 'missing'), other)).toBeUndefined();
  });

  it('is not written into a directory another user owns', () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-cc-'));
    dirs.push(d);
    const other = (process.getuid?.() ?? 0) + 1;
    expect(writeCache(d, 'cli-x.v8cache', new Uint8Array([1, 2, 3]), other)).toBe(false);
    expect(readdirSync(d)).toEqual([]);
  });

  it("removes other caches and stale temp files of the user's own, and nothing else", () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-cc-'));
    dirs.push(d);
    const uid = process.getuid?.() ?? 0;
    const dir = join(d, 'cache/berth');
    expect(writeCache(dir, 'cli-a.v8cache', new Uint8Array([1]), uid)).toBe(true);
    const at = (f: string) => join(dir, f);
    const longAgo = new Date(Date.now() - 30 * 86400_000);
    utimesSync(at('cli-a.v8cache'), longAgo, longAgo);
    writeFileSync(at('cli-old.v8cache'), 'x'); // another build's, unread for long
    utimesSync(at('cli-old.v8cache'), longAgo, longAgo);
    writeFileSync(at('cli-other-build.v8cache'), 'x'); // another build's, in use
    writeFileSync(at('.cli-a.v8cache.123.tmp'), 'x'); // a cut-short write, long ago
    utimesSync(at('.cli-a.v8cache.123.tmp'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    writeFileSync(at('.cli-a.v8cache.456.tmp'), 'x'); // a write under way
    writeFileSync(join(d, 'target'), 'keep');
    symlinkSync(join(d, 'target'), at('cli-link.v8cache'));
    // a link's own times (lutimes) are its creation's: made long ago
    lutimesSync(at('cli-link.v8cache'), longAgo, longAgo);
    mkdirSync(at('cli-dir.v8cache'));
    writeFileSync(at('notes'), 'x');
    const foreign = uid === 0 ? ['cli-other-user.v8cache'] : [];
    for (const f of foreign) {
      writeFileSync(at(f), 'x');
      chownSync(at(f), 65534, 65534);
    }
    expect(writeCache(dir, 'cli-b.v8cache', new Uint8Array([2]), uid)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['.cli-a.v8cache.456.tmp', 'cli-b.v8cache', 'cli-dir.v8cache', 'cli-other-build.v8cache', ...foreign, 'notes'].sort());
    // the link went, not what it pointed to
    expect(existsSync(join(d, 'target'))).toBe(true);
  });
});
