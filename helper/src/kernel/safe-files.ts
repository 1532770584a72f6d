import { closeSync, constants, fchmodSync, fchownSync, fsyncSync, lstatSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BerthError } from '../../../src/shared/errors';

// The helper is root and creates files where its owner (or, in /tmp, any
// user) may also write. A name someone else controls could be a symlink to
// /etc/shadow, or a directory that is renamed away under us. The rules
// (docs: README "What the helper trusts"):
//  - every directory on the way must belong to root or one of `trusted`, and
//    must not be writable by others unless it is sticky (like /tmp);
//  - files are created with O_CREAT|O_EXCL|O_NOFOLLOW after unlinking the
//    old name, and chowned through the descriptor, never by path.

const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

export interface DirRule {
  trusted: number[]; // uids besides root that may own the directory and its ancestors
  leafSticky: boolean; // the directory itself may be writable by others when sticky (a socket in /tmp)
  what: string; // named in the refusal: 'socket directory', 'data root'
}

// Refuses `dir` unless the rule holds for it and every ancestor. Creates it
// (mode 0700 or 0755) when missing, after its parent has passed.
export function ensureSafeDir(dir: string, rule: DirRule, mode = 0o700): void {
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === dirname(d)) break;
  }
  for (const [i, d] of chain.entries()) {
    const leaf = i === chain.length - 1;
    let st;
    try {
      st = lstatSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(d, { mode: leaf ? mode : 0o755 });
      st = lstatSync(d);
    }
    if (st.isSymbolicLink()) throw refusal(rule, dir, `${d} is a symbolic link; give the real path`);
    if (!st.isDirectory()) throw refusal(rule, dir, `${d} is not a directory`);
    if (st.uid !== 0 && !rule.trusted.includes(st.uid)) throw refusal(rule, dir, `${d} belongs to uid ${st.uid}`);
    const sticky = (st.mode & STICKY) !== 0;
    if (st.mode & WRITABLE_BY_OTHERS && !(sticky && (!leaf || rule.leafSticky)))
      throw refusal(rule, dir, `${d} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`);
  }
}

const refusal = (rule: DirRule, dir: string, why: string) =>
  new BerthError('invalid_argument', `refusing ${rule.what} ${dir}: ${why}; the helper runs as root and only uses directories nobody else can change`);

// Creates `path` afresh (whatever was there, a symlink included, is unlinked,
// never followed) and writes `text`; owned by uid:gid with `mode`.
export function createFresh(path: string, text: string, o: { mode: number; uid?: number; gid?: number }): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, o.mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') throw new BerthError('conflict', `${path} was created by someone else while the helper was writing it; refusing to use it`);
    throw e;
  }
  try {
    fchmodSync(fd, o.mode); // the umask does not decide
    if (o.uid !== undefined) fchownSync(fd, o.uid, o.gid ?? o.uid);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// createFresh off the event loop (the helper's periodic writes): the same
// unlink, O_EXCL|O_NOFOLLOW open, mode, owner and fsync, in the thread pool.
export async function createFreshAsync(path: string, text: string, o: { mode: number; uid?: number; gid?: number }): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, o.mode).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST' || e.code === 'ELOOP') throw new BerthError('conflict', `${path} was created by someone else while the helper was writing it; refusing to use it`);
    throw e;
  });
  try {
    await fh.chmod(o.mode);
    if (o.uid !== undefined) await fh.chown(o.uid, o.gid ?? o.uid);
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// Opens (creating if needed) a file the helper keeps open, never through a symlink.
export function openNoFollow(path: string, mode: number): number {
  return openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, mode);
}

// An empty file for a bind mount to cover (a namespace file under
// /run/netns or the data root's uts/), made the way every root file is:
// its directory passes ensureSafeDir, and the file is created with
// O_CREAT|O_EXCL|O_NOFOLLOW, mode 0, so a name that is taken — a planted
// symlink above all — is never opened, truncated or followed. A name taken
// fails with one line saying what is there; the caller decides whether a
// leftover of its own may go (kernel/sandbox-ns.ts).
export function createMountTarget(path: string, rule: DirRule, dirMode: number): void {
  ensureSafeDir(dirname(path), rule, dirMode);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BerthError('conflict', `cannot create ${path}: ${whatIsAt(path)}`, { exists: kindAt(path) });
    throw e;
  }
  closeSync(fd);
}

export type PathKind = 'missing' | 'file' | 'symlink' | 'other';

export function kindAt(path: string): PathKind {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
}

const whatIsAt = (path: string): string =>
  ({
    symlink: 'a symbolic link is there (the helper runs as root and never follows one; it is left as it is)',
    file: 'it exists already',
    other: 'something that is not a file is there',
    missing: 'it was created and removed meanwhile',
  })[kindAt(path)];
