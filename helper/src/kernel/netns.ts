import { closeSync, constants, fstatSync, openSync, statSync, unlinkSync } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import { BerthError } from '../../../src/shared/errors';
import { NETNS_NAME_RE } from '../../../src/shared/netns-name';
import { run } from './exec';
import { nsFileAt } from './ns-files';

export const NETNS_DIR = '/run/netns';
export const netnsPath = (name: string) => `${NETNS_DIR}/${name}`;

// Every name that reaches a program (`ip netns delete NAME`, `ip -n NAME`,
// a batch line's `netns NAME`) passes here first, whether a client sent it
// or the helper read it back from /run/netns (src/shared/netns-name.ts).
export const isNetnsName = (name: string) => NETNS_NAME_RE.test(name);
export function checkNetnsName(name: string): void {
  if (!isNetnsName(name)) throw new BerthError('invalid_argument', `invalid network namespace name ${JSON.stringify(name)}`);
}

// Named namespaces are made by kernel/sandbox-ns.ts (createSandboxNs, createNetns).
// Idempotent: a namespace already gone counts as deleted. Says whether this
// call was the one that deleted it. `ip netns delete` unmounts with
// umount2(2), which follows a symbolic link: a link at the name (in a sticky
// /run/netns anyone may have put one there) is unlinked instead, never
// unmounted through, and anything but a file of root's is refused
// (docs/decisions.md, "Namespace files").
export async function deleteNetns(name: string): Promise<boolean> {
  checkNetnsName(name);
  const p = netnsPath(name);
  const kind = nsFileAt(p, `refusing to delete network namespace ${name}: ${p} is not a namespace file of root's`);
  if (kind === 'missing') return false;
  if (kind === 'symlink') {
    unlinkSync(p);
    return false; // no namespace was there
  }
  const r = await run('ip', ['netns', 'delete', name], { okCodes: [1] });
  return r.exitCode === 0;
}
export async function listNetns(): Promise<string[]> {
  try {
    return await readdir(NETNS_DIR);
  } catch {
    return [];
  }
}
export async function netnsInode(path: string): Promise<number | null> {
  try {
    return (await stat(path)).ino;
  } catch {
    return null;
  }
}
// The inode of a process's network namespace, to tell whether two refer to the same one.
export async function pidNetnsInode(pid: number): Promise<number | null> {
  try {
    const l = await readlink(`/proc/${pid}/ns/net`); // net:[4026532] form
    const m = /\[(\d+)\]/.exec(l);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// A network namespace held open by the helper, so the one it checked is the
// one it changes: `path` (/proc/<helper>/fd/N) reaches the same namespace
// through the same descriptor, whatever happens to the name or PID meanwhile.
export interface HeldNetns {
  path: string;
  uid: number; // owner of the file held (an nsfs file: root's)
  ino: number;
  dev: number;
  close(): void;
}

// nofollow: for /run/netns/NAME; /proc/PID/ns/net is a link by nature.
// (Node opens every file close-on-exec: no program the helper starts inherits it.)
export function holdNetns(file: string, nofollow: boolean): HeldNetns {
  const fd = openSync(file, constants.O_RDONLY | (nofollow ? constants.O_NOFOLLOW : 0));
  const st = fstatSync(fd);
  let open = true;
  return {
    path: `/proc/${process.pid}/fd/${fd}`,
    uid: st.uid,
    ino: st.ino,
    dev: st.dev,
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

// The namespaces no client may attach to: the host's (PID 1's) and the
// helper's own. Where PID 1 cannot be read (a sandboxed machine whose init has
// more capabilities than root here), the helper cannot open it either and
// compares against its own namespace only.
export function protectedNetns(): { ino: number; dev: number; what: string }[] {
  const out: { ino: number; dev: number; what: string }[] = [];
  for (const [p, what] of [
    ['/proc/1/ns/net', "the host's network namespace (PID 1's)"],
    ['/proc/self/ns/net', "the helper's own network namespace"],
  ]) {
    try {
      const st = statSync(p);
      out.push({ ino: st.ino, dev: st.dev, what });
    } catch (e) {
      if (p === '/proc/self/ns/net') throw e;
    }
  }
  return out;
}
