import type { BigIntStats } from 'node:fs';
import { access, constants, lstat, readlink, stat } from 'node:fs/promises';
import { run } from './exec';
import { groupsOf, type Looker } from './process';
import { program } from './programs';

// Run's and exec's pre-checks (engine/containers.ts checkCommandLine) stat
// the working directory and the command as root, for Docker's wording; they
// look only where the container's user could (docs/decisions.md, "Root
// boundary"). Apart from process.ts so the per-container shim, which loads
// process.ts, loads neither this nor the helper's spawner.

// Whether `who` may search every directory on the way to `path`'s last
// component (symbolic links followed by hand, at most 40), so root's stat of
// it tells nothing they could not learn themselves. A missing component the
// user could search for counts as reachable (its absence is theirs to see);
// false stops root's look at the first directory they cannot search. Root
// sees everything.
export async function reachableBy(path: string, who: Looker): Promise<boolean> {
  return (await userView(who, [path]))(path);
}

// reachableBy for several paths of one user, asked together (run's working
// directory and its command's PATH candidates). Root walks each path and
// lists the directories it passes; a path is reachable when the user may
// search every one of them: the first one they may not is where their own
// walk would stop, and what root saw beyond it decides nothing. Whether they
// may search a directory is decided by root, from its mode and its access
// ACL (searchableBy), never by asking a process of the user's, which the
// user could trace and make answer yes.
export async function userView(who: Looker, paths: string[]): Promise<(path: string) => boolean> {
  if (who.uid === 0) return () => true;
  const walks = new Map<string, string[] | null>();
  for (const p of paths) walks.set(p, await walk(p).catch(() => null)); // changed under the walk: no look
  const yes = await searchableBy(who, [...new Set([...walks.values()].flatMap((w) => w ?? []))]);
  return (path) => walks.get(path)?.every((d) => yes.has(d)) ?? false;
}

// The directories a lookup of `path` searches, in order, as the kernel would
// walk it: '.' and '..' by name, symbolic links by their text, up to the last
// component or the first one missing or not a directory.
async function walk(path: string): Promise<string[]> {
  const dirs: string[] = [];
  let todo = path.split('/').filter(Boolean);
  let dir = '/';
  for (let hops = 0; todo.length; ) {
    dirs.push(dir);
    const name = todo.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
      continue;
    }
    const next = dir === '/' ? `/${name}` : `${dir}/${name}`;
    const st = await lstat(next).catch(() => null);
    if (!st) break;
    if (st.isSymbolicLink()) {
      if (++hops > 40) break; // ELOOP, as the user would see it
      const target = await readlink(next);
      todo = [...target.split('/').filter(Boolean), ...todo];
      if (target.startsWith('/')) dir = '/';
      continue;
    }
    if (!st.isDirectory()) break; // the last component, or ENOTDIR as the user would see it
    dir = next;
  }
  return dirs;
}

// The directories `who` may search, as the kernel decides it
// (posix_acl_permission): the owner by the owner bits; with an access ACL, a
// named user's entry, else the owning group's and named groups' entries (any
// one granting), each within the mask, else other; without one, the group
// and other bits. Groups: the primary and, for a user in /etc/passwd, theirs
// in /etc/group (setpriv --init-groups). A directory whose ACL could not be
// read counts as closed to everyone but its owner.
export async function searchableBy(who: Looker, dirs: string[]): Promise<Set<string>> {
  const gids = new Set([who.gid, ...(who.known ? await groupsOf(who.uid) : [])]);
  const stats = new Map<string, BigIntStats>();
  for (const d of dirs) {
    const st = await stat(d, { bigint: true }).catch(() => null);
    if (st?.isDirectory()) stats.set(d, st);
  }
  const acls = await accessAcls(stats);
  const yes = new Set<string>();
  for (const [d, st] of stats) {
    const mode = Number(st.mode);
    if (Number(st.uid) === who.uid) {
      if (mode & 0o100) yes.add(d);
      continue;
    }
    const acl = acls.get(d);
    if (acl === undefined) continue; // unread
    if (acl === null ? (mode & (gids.has(Number(st.gid)) ? 0o010 : 0o001)) !== 0 : aclSearch(acl, who.uid, gids, Number(st.gid))) yes.add(d);
  }
  return yes;
}

type AclEntry = { tag: string; id: number | null; x: boolean };

function aclSearch(acl: AclEntry[], uid: number, gids: Set<number>, ownerGid: number): boolean {
  const mask = acl.find((e) => e.tag === 'mask');
  const masked = (e: AclEntry) => e.x && (mask?.x ?? true);
  const named = acl.find((e) => e.tag === 'user' && e.id === uid);
  if (named) return masked(named);
  const groups = acl.filter((e) => e.tag === 'group' && gids.has(e.id ?? ownerGid));
  if (groups.length) return groups.some(masked);
  return acl.find((e) => e.tag === 'other')?.x ?? false;
}

// Each directory's access ACL: its entries, null when it has none beyond its
// mode, absent when it could not be read. Node cannot read extended
// attributes; GNU tar (Essential in Debian) can, as root: one archive of the
// directories alone (no contents), its pax headers carrying
// SCHILY.acl.access, read as hex through od so no byte is decoded wrongly.
// Fixed script; the directories are arguments, never parsed as code.
// tar and od by their absolute, root-owned paths (kernel/programs.ts).
const TAR_ACLS = 'tar="$1" od="$2"; shift 2; "$tar" -C / --acls --numeric-owner --no-recursion -cf - -- "$@" 2>/dev/null | "$od" -An -v -tx1';

// Readings kept by directory, valid while its inode and ctime are the same
// (setting an ACL changes the ctime): PATH's directories are read once, not
// at every run. Dropped whole past KEPT_ACLS entries.
const kept = new Map<string, { key: string; acl: AclEntry[] | null }>();
const KEPT_ACLS = 4096;
const inodeKey = (st: BigIntStats) => `${st.dev}:${st.ino}:${st.ctimeNs}`;

async function accessAcls(stats: Map<string, BigIntStats>): Promise<Map<string, AclEntry[] | null>> {
  const out = new Map<string, AclEntry[] | null>();
  const unread: string[] = [];
  for (const [d, st] of stats) {
    const k = kept.get(d);
    if (k && k.key === inodeKey(st)) out.set(d, k.acl);
    else unread.push(d);
  }
  if (!unread.length) return out;
  let hex = '';
  try {
    hex = (await run('sh', ['-c', TAR_ACLS, 'berth-acl', program('tar'), program('od'), ...unread.map((d) => `.${d}`)], { timeoutMs: 10_000 })).stdout;
  } catch {
    /* no tar or od, or it failed: nothing read, those directories stay closed */
  }
  const read = tarAcls(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  if (kept.size + unread.length > KEPT_ACLS) kept.clear();
  for (const d of unread) {
    const acl = read.get(d);
    if (acl === undefined) continue;
    out.set(d, acl);
    kept.set(d, { key: inodeKey(stats.get(d)!), acl }); // the stat was taken before tar read it
  }
  return out;
}

// The directory members of a tar stream, by path, with their access ACL (null: none).
function tarAcls(buf: Buffer): Map<string, AclEntry[] | null> {
  const out = new Map<string, AclEntry[] | null>();
  let pax = new Map<string, string>();
  for (let off = 0; off + 512 <= buf.length; ) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(field(h, 124, 12) || '0', 8);
    const type = String.fromCharCode(h[156]);
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = paxRecords(body);
      continue;
    }
    const prefix = field(h, 345, 155);
    const name = pax.get('path') ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    const acl = pax.get('SCHILY.acl.access');
    pax = new Map();
    // members are named as given, ./PATH, directories with a trailing /
    const path = `/${name.replace(/^\.\/?/, '').replace(/\/$/, '')}`;
    if (type === '5') out.set(path, acl ? parseAcl(acl) : null);
  }
  return out;
}

const field = (h: Buffer, at: number, len: number) => {
  const f = h.subarray(at, at + len);
  const nul = f.indexOf(0);
  return f.subarray(0, nul < 0 ? len : nul).toString('utf8').trim();
};

// pax extended header records: "LENGTH KEY=VALUE\n", LENGTH counting the whole record in bytes.
function paxRecords(body: Buffer): Map<string, string> {
  const m = new Map<string, string>();
  for (let p = 0; p < body.length; ) {
    const sp = body.indexOf(0x20, p);
    const len = Number(body.subarray(p, sp).toString('ascii'));
    if (sp < 0 || !Number.isInteger(len) || len <= 0) break;
    const rec = body.subarray(sp + 1, p + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    m.set(rec.slice(0, eq), rec.slice(eq + 1));
    p += len;
  }
  return m;
}

// "user::rwx\nuser:4242:--x\ngroup::r-x\nmask::r-x\nother::---" (numeric ids)
const parseAcl = (text: string): AclEntry[] =>
  text
    .split(/[\n,]/)
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3)
    .map(([tag, q, perms]) => ({ tag, id: q === '' ? null : Number(q), x: perms[2] === 'x' }));

// Finds the program the way execvp would, so `run` can refuse a command that
// does not exist before anything is created (Docker's wording). With `who`,
// only where that user could look: a candidate below a directory they cannot
// search is not looked at, and when that leaves no answer (null) the user
// stage's own exec says what there is. `look`: a userView that was asked
// about these candidates (candidatesOf).
export async function resolveExecutable(cmd: string, pathVar: string, cwd: string, look?: (path: string) => boolean): Promise<string | null> {
  let unseen = false;
  for (const c of candidatesOf(cmd, pathVar, cwd)) {
    if (look && !look(c)) {
      unseen = true;
      continue;
    }
    try {
      if ((await stat(c)).isFile()) {
        await access(c, constants.X_OK);
        return c;
      }
    } catch {
      /* next */
    }
  }
  if (unseen) return null;
  throw new Error(cmd.includes('/') ? `exec: "${cmd}": no such file or executable` : `exec: "${cmd}": executable file not found in $PATH`);
}

// Where execvp would look for `cmd`.
export const candidatesOf = (cmd: string, pathVar: string, cwd: string): string[] =>
  cmd.includes('/') ? [cmd.startsWith('/') ? cmd : `${cwd}/${cmd}`] : pathVar.split(':').map((d) => `${d || '.'}/${cmd}`);

// What run's and exec's pre-check may look at (engine/containers.ts
// checkCommandLine): the working directory and every place execvp would find
// the command, in one userView.
export const commandLineView = (who: Looker, workdir: string, cmd: string, pathVar: string) =>
  userView(who, [workdir, ...candidatesOf(cmd, pathVar, workdir)]);
