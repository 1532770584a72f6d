// The CLI's V8 code cache: the bytecode of dist/cli.cjs as V8 compiled it on
// an earlier command, kept in the user's own cache directory so the next
// command skips compiling it (docs/architecture.md#the-cli-start). The bytes
// become code this user runs, so a file is read only if this user wrote it and
// nobody else could have, and a directory is made only in one of this user's
// own: root (`sudo -E berth …`, HOME still the user's) never writes into a
// user's home.
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

// XDG_CACHE_HOME when it is absolute (the spec: a relative one is invalid), else ~/.cache.
export function cacheDir(env: NodeJS.ProcessEnv, home: string | undefined): string | null {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg?.startsWith('/') ? xdg : home?.startsWith('/') ? join(home, '.cache') : null;
  return base && join(base, 'berth');
}

// One file per Node build and bundle: a cache made by another Node or for
// another dist/cli.cjs has another name and is never read. V8 checks its own
// version and flags too, but of the source only the length.
export function cacheName(p: { node: string; arch: string; bundleHash: string; size: number; mtimeMs: number }): string {
  const key = `${p.node}-${p.arch}-${p.bundleHash.slice(0, 16)}-${p.size}-${Math.trunc(p.mtimeMs)}`;
  return `cli-${key.replace(/[^A-Za-z0-9._-]/g, '_')}.v8cache`;
}
const OURS = /^cli-.*\.v8cache$/;
// the temp file of a write (below) that was cut short: killed, power lost
const OURS_TMP = /^\.cli-.*\.v8cache\.\d+\.tmp$/;
// a write takes milliseconds: a temp file this old has no writer left
const STALE_TMP_MS = 60_000;
// Another build's cache goes once unread this long (atime, which relatime
// keeps within a day): two builds in use (a clone and the package) would
// otherwise remove each other's cache on every command.
const STALE_CACHE_MS = 7 * 24 * 3600_000;
const MAX_BYTES = 64 << 20;

// The cache at `file` if `uid` owns it and no one else may write it; else undefined.
export function readCache(file: string, uid: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== uid || st.mode & 0o022 || st.size === 0 || st.size > MAX_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let at = 0;
    for (let n = -1; at < st.size && n !== 0; at += n) n = readSync(fd, buf, at, st.size - at, at);
    return at === st.size ? buf : undefined;
  } catch {
    return undefined; // missing or unreadable: compiled from source
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// A directory `uid` owns and no one else may write.
function ours(path: string, uid: number): boolean {
  const st = lstatSync(path);
  return st.isDirectory() && st.uid === uid && !(st.mode & 0o022);
}
// Makes `path` (mode 0700) unless it exists; then it must be ours.
function ownDir(path: string, uid: number): boolean {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  return ours(path, uid);
}

// Writes `data` as dir/name: a new file of its own (O_EXCL, mode 0600) renamed
// into place, so a reader sees the old cache or the whole new one; then the
// caches of other Nodes and bundles unread for a week and stale temp files
// go (sweep). `dir` is <cache home>/berth; a missing cache home is made only
// in a directory `uid` owns. False when it could not (the CLI runs on
// without): no home, a read-only or foreign directory, a full disk.
export function writeCache(dir: string, name: string, data: Uint8Array, uid: number): boolean {
  let tmp: string | undefined;
  try {
    const base = dirname(dir);
    if (!existsSync(base) && lstatSync(dirname(base)).uid !== uid) return false;
    if (!ownDir(base, uid) || !ownDir(dir, uid)) return false;
    tmp = join(dir, `.${name}.${process.pid}.tmp`);
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, name));
    tmp = undefined;
    sweep(dir, name, uid);
    return true;
  } catch {
    if (tmp) try { unlinkSync(tmp); } catch { /* already gone */ }
    return false;
  }
}

// Removes from `dir` (ours, checked by the caller) the caches of other Nodes
// and bundles and the stale temp files of cut-short writes: only this user's
// files and links, found by lstat (a link is removed, never followed); a
// directory or another user's file (root's) stays.
function sweep(dir: string, keep: string, uid: number): void {
  for (const f of readdirSync(dir)) {
    const tmp = OURS_TMP.test(f);
    if (f === keep || !(tmp || OURS.test(f))) continue;
    try {
      const st = lstatSync(join(dir, f));
      if (st.uid !== uid || !(st.isFile() || st.isSymbolicLink())) continue;
      if (tmp && Date.now() - st.mtimeMs < STALE_TMP_MS) continue; // maybe still being written
      if (!tmp && Date.now() - Math.max(st.atimeMs, st.mtimeMs) < STALE_CACHE_MS) continue; // maybe another build's, in use
      unlinkSync(join(dir, f));
    } catch {
      // removed by another command meanwhile
    }
  }
}
