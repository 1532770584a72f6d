import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// dist/berth.cjs (launch.ts, built by `npm run build:helper`), run as a user
// the way bin/berth runs it: a client verb from dist/cli.cjs and the user's
// V8 code cache. Whatever the cache holds, the command runs. Run by root (CI
// here), the commands run as nobody through setpriv.
const dist = fileURLToPath(new URL('../../../dist/', import.meta.url));
const launcher = join(dist, 'berth.cjs');
const root = process.getuid?.() === 0;
const user = root ? 65534 : process.getuid!();
const VERSION = /^berth \d+\.\d+\.\d+\n$/;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
// a home of the user's own
function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-launch-'));
  dirs.push(d);
  if (root) chownSync(d, user, user);
  return d;
}
function berth(args: string[], env: Record<string, string>, asRoot = false) {
  const cmd = root && !asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
  const r = spawnSync(cmd[0], [...cmd.slice(1), launcher, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const caches = (h: string) => (existsSync(join(h, '.cache/berth')) ? readdirSync(join(h, '.cache/berth')) : []);
const cacheFile = (h: string) => {
  const [f] = caches(h);
  return join(h, '.cache/berth', f);
};
const id = (f: string) => `${statSync(f).ino}/${statSync(f).mtimeMs}`;

describe('dist/berth.cjs', () => {
  it('writes the code cache on the first command, then compiles from it', () => {
    const h = home();
    expect(berth(['version'], { HOME: h })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(caches(h)).toEqual([expect.stringMatching(/^cli-v\d.*\.v8cache$/)]);
    const st = statSync(cacheFile(h));
    expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: user, mode: 0o600 });
    expect((statSync(join(h, '.cache/berth')).mode & 0o777).toString(8)).toBe('700');
    const before = id(cacheFile(h));
    // accepted: a rejected cache would be written again (a new file renamed into place)
    expect(berth(['version'], { HOME: h }).out).toMatch(VERSION);
    expect(id(cacheFile(h))).toBe(before);
  });

  it('runs the command from source when the cache is damaged, and writes it again', () => {
    const h = home();
    berth(['version'], { HOME: h });
    const f = cacheFile(h);
    const bad = readFileSync(f);
    for (let i = 64; i < bad.length; i += 97) bad[i] ^= 0x5a;
    writeFileSync(f, bad);
    expect(berth(['version'], { HOME: h })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(readFileSync(cacheFile(h)).equals(bad)).toBe(false);
    writeFileSync(cacheFile(h), 'not a cache');
    expect(berth(['version'], { HOME: h })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(readFileSync(cacheFile(h), 'utf8')).not.toBe('not a cache');
  });

  it('ignores a cache made by another V8 or kept for another Node, and removes the latter', () => {
    const h = home();
    berth(['version'], { HOME: h });
    const f = cacheFile(h);
    // the header's V8 version field (after the magic number)
    const other = readFileSync(f);
    other[4] ^= 0xff;
    writeFileSync(f, other);
    const old = join(h, '.cache/berth', 'cli-v18.0.0-x64-0000000000000000-1-1.v8cache');
    copyFileSync(f, old);
    if (root) chownSync(old, user, user);
    // another build's cache goes once unread for a week (code-cache.ts)
    utimesSync(old, new Date(Date.now() - 30 * 86400_000), new Date(Date.now() - 30 * 86400_000));
    expect(berth(['version'], { HOME: h })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(readFileSync(cacheFile(h)).equals(other)).toBe(false);
    expect(caches(h)).toEqual([expect.stringMatching(new RegExp(`^cli-${process.version.replace(/\./g, '\\.')}-`))]);
  });

  it.runIf(root)("does not read a cache another user owns, and replaces it with the user's own", () => {
    const h = home();
    berth(['version'], { HOME: h });
    const f = cacheFile(h);
    chownSync(f, 65533, 65533);
    const before = id(f);
    expect(berth(['version'], { HOME: h })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(statSync(cacheFile(h)).uid).toBe(user);
    expect(id(cacheFile(h))).not.toBe(before);
  });

  it('runs without a cache where it cannot keep one', () => {
    const h = home();
    const ro = join(h, 'ro');
    spawnSync('mkdir', [ro]);
    if (root) chownSync(ro, user, user);
    chmodSync(ro, 0o500);
    expect(berth(['version'], { HOME: h, XDG_CACHE_HOME: ro })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(readdirSync(ro)).toEqual([]);
    expect(berth(['version'], { HOME: '/nonexistent/berth-test' })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
  });

  it('keeps no cache under BERTH_DEBUG=1 (dist/berth.mjs)', () => {
    const h = home();
    expect(berth(['version'], { HOME: h, BERTH_DEBUG: '1' })).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(caches(h)).toEqual([]);
  });

  it.runIf(root)("keeps root's cache in root's own home, never in a user's (sudo -E)", () => {
    const users = home();
    expect(berth(['version'], { HOME: users }, true)).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(readdirSync(users)).toEqual([]);
    const own = mkdtempSync(join(tmpdir(), 'berth-launch-root-'));
    dirs.push(own);
    expect(berth(['version'], { HOME: own }, true)).toEqual({ code: 0, out: expect.stringMatching(VERSION), err: '' });
    expect(statSync(cacheFile(own)).uid).toBe(0);
  });

  it('fails the way dist/berth.mjs fails when no helper answers', () => {
    const h = home();
    const env = { HOME: h, BERTH_SOCKET: join(h, 'none.sock') };
    const fast = berth(['network', 'ls'], env);
    expect(fast).toEqual({ code: 1, out: '', err: expect.stringMatching(/^Error: no Berth helper is running at /) });
    expect(berth(['network', 'ls'], { ...env, BERTH_DEBUG: '1' })).toEqual(fast);
  });

  it('holds no engine, zod or execa in dist/cli.cjs', () => {
    // esbuild names each bundled file in a comment line
    const files = readFileSync(join(dist, 'cli.cjs'), 'utf8').match(/^\/\/ \S+$/gm) ?? [];
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((f) => /node_modules\/(zod|execa)\/|helper\/src\/(engine|server|kernel)\//.test(f))).toEqual([]);
  });
});
